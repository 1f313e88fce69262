# ruff: noqa: F811 - pytest fixtures are imported by name
"""`vigil channel add-email` and `vigil run --smtp-port`: the listener inside the real server
process, a mail sent with smtplib, the stored message read back through the CLI."""

from __future__ import annotations

import signal
import smtplib
import socket

import pytest

from tests.channels.email.transport import mail, wire
from tests.cli.conftest import (  # noqa: F401 - fixtures
    RunningVigil,
    running,
    shell,
    start_vigil,
    vigil,
    vigil_env,
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_vigil_run_listens_for_smtp_and_stores_mail(
    vigil_env: dict[str, str], running: list[RunningVigil]
) -> None:
    assert vigil("migrate", "-v", "0", env=vigil_env).returncode == 0
    added = vigil("channel", "add-email", "Support@Vigil.test", "--name", "Vigil", env=vigil_env)
    assert added.returncode == 0, added.stderr
    assert "support@vigil.test" in added.stdout
    bad = vigil("channel", "add-email", "not-an-address", env=vigil_env)
    assert bad.returncode == 1 and "not an e-mail address" in bad.stderr
    port = _free_port()
    server = start_vigil("--smtp-port", str(port), env=vigil_env)
    running.append(server)
    assert f"SMTP listener on 127.0.0.1:{port}" in server.stdout()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(
            "dave@example.com",
            ["support@vigil.test"],
            wire(mail(sender="dave@example.com", message_id="<cli-run-1@example.com>")),
        )
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("dave@example.com", ["sales@vigil.test"], wire(mail()))
    stored = shell(
        "from vigil.tickets.models import Message\n"
        "m = Message.objects.get(external_id='cli-run-1@example.com')\n"
        "print(m.ticket.reference, m.ticket.customer.email)",
        env=vigil_env,
    )
    assert stored.endswith("dave@example.com")
    assert server.stop(signal.SIGTERM) == 0


def test_smtp_port_zero_turns_the_listener_off(
    vigil_env: dict[str, str], running: list[RunningVigil]
) -> None:
    server = start_vigil("--smtp-port", "0", env=vigil_env)
    running.append(server)
    assert "SMTP listener" not in server.stdout()
    assert server.stop(signal.SIGTERM) == 0


def test_a_busy_explicit_smtp_port_stops_start_up(vigil_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = vigil("run", "--port", "0", "--smtp-port", str(port), env=vigil_env, timeout=90)
    assert done.returncode == 1
    assert f"cannot listen for SMTP on 127.0.0.1:{port}" in done.stderr
