"""The `vigil` command line. See docs/architecture.md#entry-points.

Each subcommand parses its options, configures Django, and calls one service or runner.
Exit codes: 0 success, 1 a refused request (a VigilError) or a runtime failure, 2 bad usage
or bad configuration (a vigil.config.ConfigError; the message names the variable).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.approvals.cli import add_parsers as add_approval_parsers
from vigil.audit.cli import add_parsers as add_audit_parsers
from vigil.config import ConfigError
from vigil.core.errors import VigilError
from vigil.routing.cli import add_parsers as add_triage_parsers

if TYPE_CHECKING:
    from vigil.accounts.models import Team

Handler = Callable[[argparse.Namespace], int]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _setup(args: argparse.Namespace) -> None:
    """Configure Django once the environment is final (--data-dir goes in first)."""
    data_dir = getattr(args, "data_dir", None)
    if data_dir:
        os.environ["VIGIL_DATA_DIR"] = str(Path(data_dir).expanduser().resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    from vigil import config

    config.load()  # raises ConfigError before Django swallows anything into a traceback
    import django
    from django.apps import apps

    if not apps.ready:  # already set up when main() is called from a running Django
        django.setup()


def _require_schema() -> None:
    """Refuse politely when the database has not been migrated yet."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise VigilError("the database is not up to date; run `vigil migrate` (or `vigil run`)")


# --- run ----------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from django.conf import settings

    from vigil.channels.email.background import EmailChannelService
    from vigil.core import server
    from vigil.core.collector import TimedCollections
    from vigil.core.worker import BackgroundThreads

    sock = server.bind(args.host, args.port)
    if args.no_migrate:
        _require_schema()
    server.prepare(migrate=not args.no_migrate)
    from vigil.routing.triage import preload

    preload()  # triage's language models: loaded before the first message, not on it
    login = None
    if args.demo:
        from vigil.demo.services import demo_seed

        print("vigil: preparing the demo desk ...", file=sys.stderr, flush=True)
        seeded = demo_seed(tickets=args.demo_tickets)
        print(f"vigil: {seeded.describe()}", file=sys.stderr, flush=True)
        login = seeded.login
    # First: its freeze keeps what start-up allocated out of every later collection.
    services: list[server.BackgroundService] = [
        TimedCollections(every=settings.CONFIG.gc_full_every)
    ]
    if not args.no_worker and settings.CONFIG.embedded_worker:
        services.append(BackgroundThreads(workers=args.worker_threads))
    services.append(EmailChannelService(host=args.host, smtp_port=args.smtp_port))
    url = server.url_of(sock, args.host)

    def ready() -> None:
        print(f"Vigil is serving at {url}", flush=True)
        if login is not None:
            print(f"Demo login: {login[0]}  password: {login[1]}", flush=True)
        print("Press Ctrl+C to stop.", flush=True)

    return server.serve(
        sock=sock,
        services=services,
        log_level=args.log_level,
        access_log=args.access_log,
        on_ready=ready,
    )


# --- background processes -----------------------------------------------------------------


def cmd_worker(args: argparse.Namespace) -> int:
    from vigil.core.processes import worker_run, worker_run_once

    _require_schema()

    queues = _csv(args.queues) if args.queues else None
    if args.once:
        ran = worker_run_once(queues=queues)
        print(f"ran {ran} task(s)")
        return EXIT_OK
    worker_run(queues=queues, interval=args.interval, with_scheduler=args.with_scheduler)
    return EXIT_OK


def cmd_scheduler(args: argparse.Namespace) -> int:
    from vigil.core.processes import scheduler_run

    _require_schema()

    scheduler_run(every=args.every)
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=args.verbosity)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from vigil.core.server import prepare
    from vigil.demo.services import demo_seed

    prepare()
    summary = demo_seed(tickets=args.tickets)
    print(summary.describe())
    return EXIT_OK


# --- accounts -----------------------------------------------------------------------------


def cmd_token_create(args: argparse.Namespace) -> int:
    from vigil.accounts.selectors import agent_get_by_email
    from vigil.accounts.services import api_token_create

    _require_schema()

    agent = agent_get_by_email(email=args.email)
    if agent is None:
        raise VigilError(f"no agent with e-mail {args.email}; create one with `vigil agent create`")
    _, token = api_token_create(agent=agent, name=args.name)
    print(token)
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    if args.password and args.password != "-":
        return str(args.password)
    if args.password is None and sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise VigilError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def cmd_agent_create(args: argparse.Namespace) -> int:
    from vigil.accounts.models import Team
    from vigil.accounts.services import agent_create

    _require_schema()

    names = _csv(args.teams or "")
    teams = list(Team.objects.filter(name__in=names))
    missing = sorted(set(names) - {team.name for team in teams})
    if missing:
        raise VigilError(
            f"no team named {', '.join(missing)}; create it with `vigil team create --name ...`"
        )
    agent = agent_create(
        email=args.email,
        password=_read_password(args),
        display_name=args.name or "",
        role=args.role,
        languages=_csv(args.languages or ""),
        capacity=args.capacity,
        teams=teams,
    )
    team_names = ", ".join(t.name for t in teams) or "no team"
    langs = ", ".join(agent.languages) or "no languages"
    print(f"created agent {agent.user.email} ({agent.role}; {langs}; {team_names})")
    return EXIT_OK


def cmd_team_create(args: argparse.Namespace) -> int:
    from vigil.accounts.services import team_create

    _require_schema()

    team = team_create(
        name=args.name, languages=_csv(args.languages or ""), description=args.description
    )
    print(f"team {team.name} ({', '.join(team.languages) or 'no languages'})")
    return EXIT_OK


def _team_named(name: str | None) -> Team | None:
    """The team `--team NAME` names, None without the option; an unknown name is refused."""
    from vigil.accounts.models import Team

    if not name:
        return None
    team = Team.objects.filter(name=name).first()
    if team is None:
        raise VigilError(f"no team named {name}")
    return team


def cmd_channel_add_email(args: argparse.Namespace) -> int:
    from vigil.channels.email.accounts import email_account_create

    _require_schema()

    team = _team_named(args.team)
    account, created = email_account_create(
        address=args.address, name=args.name or "", imap_url=args.imap_url, default_team=team
    )
    imap = (account.settings.get("imap") or {}).get("host")
    print(
        f"{'added' if created else 'updated'} support address {account.address}"
        + (f" (IMAP {imap})" if imap else " (mail arrives over SMTP or a provider webhook)")
    )
    return EXIT_OK


def cmd_channel_add_chat(args: argparse.Namespace) -> int:
    from vigil.channels.chat.widgets import chat_snippet, chat_widget_create

    _require_schema()

    team = _team_named(args.team)
    account = chat_widget_create(
        name=args.name, origins=args.origin or [], title=args.title or "", default_team=team
    )
    origins = ", ".join(account.settings["allowed_origins"]) or "any origin (development)"
    print(f"added chat widget {account.name}: key {account.address}, allowed from {origins}")
    print("embed it in your pages with:")
    print("  " + chat_snippet(account=account, desk_url=args.desk_url))
    return EXIT_OK


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["vigil manage", *args.args])
    return EXIT_OK


# --- parser -------------------------------------------------------------------------------


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not between 0 and 65535")
    return port


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _add_run(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "run",
        parents=[common],
        help="serve the desk (HTTP, WebSocket, worker, scheduler) in one process",
        description="Migrate, then serve Vigil with its background worker and scheduler.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=_port, default=8000, help="TCP port; 0 picks a free one (8000)")
    p.add_argument("--demo", action="store_true", help="seed a demo desk on first run")
    p.add_argument(
        "--demo-tickets", type=_positive, default=300, help="tickets in the demo desk (300)"
    )
    p.add_argument(
        "--worker-threads",
        "--workers-threads",
        dest="worker_threads",
        type=_positive,
        default=1,
        help="embedded task worker threads (1)",
    )
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="serve only; leave tasks to `vigil worker` processes",
    )
    p.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not migrate at start (run `vigil migrate` once before many processes)",
    )
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.add_argument("--access-log", action="store_true", help="log every HTTP request")
    p.add_argument(
        "--smtp-port",
        type=_port,
        default=None,
        help="SMTP listener for support mail (2525; 0: off)",
    )
    p.set_defaults(handler=cmd_run)


def _add_background(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("worker", parents=[common], help="run a standalone task worker")
    p.add_argument("--queues", help="comma-separated queues (default: all)")
    p.add_argument("--once", action="store_true", help="run the tasks due now, then exit")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between polls (0.5)")
    p.add_argument("--with-scheduler", action="store_true", help="also enqueue periodic jobs")
    p.set_defaults(handler=cmd_worker)
    p = sub.add_parser("scheduler", parents=[common], help="enqueue periodic jobs when due")
    p.add_argument("--every", type=float, default=5.0, help="seconds between passes (5)")
    p.set_defaults(handler=cmd_scheduler)


def _add_accounts(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
    p = token.add_parser("create", parents=[common], help="print a new API token for an agent")
    p.add_argument("--email", required=True, help="the agent's e-mail address")
    p.add_argument("--name", default="cli", help="a label to tell tokens apart")
    p.set_defaults(handler=cmd_token_create)

    agent = sub.add_parser("agent", help="agents").add_subparsers(dest="action", required=True)
    p = agent.add_parser("create", parents=[common], help="create an agent who can log in")
    p.add_argument("--email", required=True)
    p.add_argument("--password", help="the password; '-' or absent reads it from stdin/prompt")
    p.add_argument("--role", default="tier1", help="tier1, tier2, tier3, supervisor or admin")
    p.add_argument("--languages", help="comma-separated language codes, e.g. en,zh")
    p.add_argument("--name", help="display name (default: the e-mail's local part)")
    p.add_argument("--teams", help='comma-separated team names, e.g. "Security,VIP desk"')
    p.add_argument("--capacity", type=_positive, default=5, help="concurrent conversations (5)")
    p.set_defaults(handler=cmd_agent_create)

    team = sub.add_parser("team", help="teams").add_subparsers(dest="action", required=True)
    p = team.add_parser("create", parents=[common], help="create a team (idempotent)")
    p.add_argument("--name", required=True)
    p.add_argument("--languages", help="comma-separated language codes the team answers in")
    p.add_argument("--description", default="")
    p.set_defaults(handler=cmd_team_create)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", help="where SQLite, uploads and keys live (env VIGIL_DATA_DIR; ./var)"
    )
    parser = argparse.ArgumentParser(
        prog="vigil", description="Vigil, the support desk for cryptocurrency exchanges."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(sub, common)
    _add_background(sub, common)
    p = sub.add_parser("migrate", parents=[common], help="apply database migrations")
    p.add_argument("-v", "--verbosity", type=int, default=1, choices=[0, 1, 2, 3])
    p.set_defaults(handler=cmd_migrate)
    p = sub.add_parser("demo", parents=[common], help="seed the demo desk (idempotent)")
    p.add_argument("--tickets", type=_positive, default=300, help="how many tickets (300)")
    p.set_defaults(handler=cmd_demo)
    _add_accounts(sub, common)
    channel = sub.add_parser("channel", help="channels").add_subparsers(
        dest="action", required=True
    )
    p = channel.add_parser("add-email", parents=[common], help="add a support e-mail address")
    p.add_argument("address", help="e.g. support@exchange.com")
    p.add_argument("--imap-url", help="imaps://user:password@host/INBOX?processed=Vigil to poll")
    p.add_argument("--name", help="display name of the mailbox (used as the sender name)")
    p.add_argument("--team", help="the team its new tickets go to")
    p.set_defaults(handler=cmd_channel_add_email)
    p = channel.add_parser("add-chat", parents=[common], help="add a live-chat widget")
    p.add_argument("name", help="e.g. 'Exchange website'")
    p.add_argument(
        "--origin",
        action="append",
        help="a site allowed to embed it, e.g. https://www.exchange.com (repeatable; none: any)",
    )
    p.add_argument("--title", help="the title shown in the widget (default: NAME)")
    p.add_argument("--team", help="the team its tickets go to")
    p.add_argument(
        "--desk-url", default="https://desk.example.com", help="the desk's public URL (snippet)"
    )
    p.set_defaults(handler=cmd_channel_add_chat)
    p = sub.add_parser(
        "manage", parents=[common], help="run a Django management command", add_help=False
    )
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(handler=cmd_manage)
    add_audit_parsers(sub, common)
    add_approval_parsers(sub, common)
    add_triage_parsers(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from django.db import DatabaseError

    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        _setup(args)
        return handler(args)
    except ConfigError as exc:
        print(f"vigil: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except VigilError as exc:
        print(f"vigil: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("vigil: interrupted", file=sys.stderr)
        return 130
    except DatabaseError as exc:
        print(f"vigil: database error: {exc}", file=sys.stderr)
        return EXIT_FAILED
