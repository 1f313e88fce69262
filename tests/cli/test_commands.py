"""The account commands (`vigil token|agent|team create`), `vigil manage` and the friendly
errors, run in-process against the test database and as a real process on a fresh one."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate

from tests.cli.conftest import vigil
from tests.factories.accounts import PASSWORD, make_agent, make_team
from vigil.accounts.models import Agent, ApiToken, Team
from vigil.accounts.selectors import api_token_lookup
from vigil.cli import main

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_token_create_prints_only_a_token_the_api_accepts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    agent = make_agent(email="ops@desk.test")
    code, out, err = run(capsys, "token", "create", "--email", "OPS@desk.test", "--name", "zap")
    assert code == 0, err
    token = out.strip()
    assert out == token + "\n" and " " not in token
    row = api_token_lookup(token)
    assert row is not None and row.agent_id == agent.pk and row.name == "zap"
    assert token not in {t.digest for t in ApiToken.objects.all()}  # stored hashed only
    assert api_token_lookup(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_token_for_unknown_agent_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "token", "create", "--email", "nobody@desk.test")
    assert code == 1 and out == ""
    assert err.startswith("vigil: no agent with e-mail nobody@desk.test")
    assert not ApiToken.objects.exists()


def test_agent_create_with_teams_languages_and_capacity(
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_team(name="Team A")
    make_team(name="中文支持", languages=("zh-hans",))
    code, out, err = run(
        capsys, "agent", "create", "--email", "Li.Wei@Desk.test", "--password", PASSWORD,
        "--role", "tier2", "--languages", "en,zh", "--name", "Li Wei",
        "--teams", "Team A, 中文支持", "--capacity", "7",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("created agent li.wei@desk.test (tier2; en, zh-hans; ")
    agent = Agent.objects.get(user__username="li.wei@desk.test")
    assert agent.display_name == "Li Wei"
    assert agent.role == "tier2"
    assert agent.languages == ["en", "zh-hans"]
    assert agent.capacity == 7
    assert sorted(t.name for t in agent.teams.all()) == ["Team A", "中文支持"]
    assert authenticate(username="li.wei@desk.test", password=PASSWORD) == agent.user
    assert not agent.user.is_superuser


def test_agent_create_admin_reads_password_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, _, err = run(
        capsys, "agent", "create", "--email", "boss@desk.test", "--password", "-", "--role", "admin"
    )
    assert code == 0, err
    user = authenticate(username="boss@desk.test", password=PASSWORD)
    assert user is not None and user.is_superuser and user.is_staff


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--role", "wizard"], "unknown role 'wizard'"),
        (["--teams", "Nope"], "no team named Nope"),
        (["--languages", "en,!!"], "'!!' is not a language code"),
        (["--password", "123"], "This password is too short"),
    ],
)
def test_agent_create_refusals_create_nothing(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    args = ["agent", "create", "--email", "x@desk.test", "--password", PASSWORD, *extra]
    code, out, err = run(capsys, *args)
    assert code == 1 and out == ""
    assert err.startswith("vigil: ") and message in err, err
    assert not Agent.objects.filter(user__username="x@desk.test").exists()


def test_agent_create_twice_is_a_conflict(capsys: pytest.CaptureFixture[str]) -> None:
    make_agent(email="dup@desk.test")
    args = ["agent", "create", "--email", "dup@desk.test", "--password", PASSWORD]
    code, _, err = run(capsys, *args)
    assert code == 1 and "already exists" in err
    assert Agent.objects.filter(user__username="dup@desk.test").count() == 1


def test_team_create_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):
        code, out, err = run(
            capsys, "team", "create", "--name", "日本語サポート", "--languages", "ja-JP"
        )
        assert code == 0, err
        assert out == "team 日本語サポート (ja)\n"
    assert Team.objects.filter(name="日本語サポート").count() == 1


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--port", "99999"])
    assert exited.value.code == 2
    assert "99999 is not between 0 and 65535" in capsys.readouterr().err


def test_fresh_machine_flow_as_real_processes(vigil_env: dict[str, str]) -> None:
    """migrate, team, agent, token: what the README tells a newcomer, as separate processes."""
    early = vigil("token", "create", "--email", "a@desk.test", env=vigil_env)
    assert early.returncode == 1
    assert "run `vigil migrate`" in early.stderr and "Traceback" not in early.stderr

    assert vigil("migrate", "-v", "0", env=vigil_env).returncode == 0
    team = vigil("team", "create", "--name", "Security", "--languages", "en", env=vigil_env)
    assert team.returncode == 0, team.stderr
    agent = vigil(
        "agent", "create", "--email", "a@desk.test", "--role", "tier3", "--teams", "Security",
        "--languages", "en,ja", env=vigil_env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert agent.returncode == 0, agent.stderr
    token = vigil("token", "create", "--email", "a@desk.test", env=vigil_env)
    assert token.returncode == 0, token.stderr
    assert token.stdout.startswith("vgl_") and token.stdout.count("\n") == 1
    checked = vigil(
        "manage", "shell", "-v", "0", "-c",
        "from vigil.accounts.selectors import api_token_lookup;"
        f"t = api_token_lookup({token.stdout.strip()!r});"
        "print(t.agent.user.username, t.agent.role, t.agent.languages)",
        env=vigil_env,
    )  # fmt: skip
    assert checked.stdout.strip() == "a@desk.test tier3 ['en', 'ja']", checked.stderr


def test_manage_passes_through_to_django(vigil_env: dict[str, str]) -> None:
    done = vigil("manage", "check", env=vigil_env)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
