"""The permission matrix: who holds what, and the approver tiers' configuration."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import override_settings

from vigil.accounts.permissions import (
    agent_can,
    permission_matrix,
    permission_require,
    roles_holding,
)
from vigil.config import ConfigError, load
from vigil.core.errors import PermissionDenied


def _as(role: str) -> SimpleNamespace:
    return SimpleNamespace(role=role)


def test_tier1_replies_but_edits_no_routing() -> None:
    assert agent_can(_as("tier1"), "ticket.reply")
    assert not agent_can(_as("tier1"), "routing.edit")
    assert agent_can(_as("supervisor"), "routing.edit")
    with pytest.raises(PermissionDenied):
        permission_require(_as("tier3"), "sla.edit")
    permission_require(_as("admin"), "sla.edit")


def test_default_approver_tiers() -> None:
    assert roles_holding("action.approve.unlock_account") == [
        "tier2",
        "tier3",
        "supervisor",
        "admin",
    ]
    assert roles_holding("action.approve.whitelist_address")[0] == "tier3"
    assert roles_holding("action.approve.balance_adjust") == ["supervisor", "admin"]
    assert roles_holding("action.approve.balance_adjust.large") == ["admin"]
    assert not agent_can(_as("tier2"), "action.approve.balance_adjust")


def test_nobody_and_unknown_roles_hold_nothing() -> None:
    assert not agent_can(None, "ticket.read")
    assert not agent_can(_as("intern"), "ticket.read")
    with pytest.raises(KeyError):
        agent_can(_as("admin"), "no.such.permission")


@override_settings(VIGIL_APPROVAL_TIERS={"unlock_account": "tier3"})
def test_approver_tier_is_configurable() -> None:
    assert not agent_can(_as("tier2"), "action.approve.unlock_account")
    assert agent_can(_as("tier3"), "action.approve.unlock_account")
    row = next(r for r in permission_matrix() if r["name"] == "action.approve.unlock_account")
    assert row["roles"] == {
        "tier1": False,
        "tier2": False,
        "tier3": True,
        "supervisor": True,
        "admin": True,
    }


@override_settings(VIGIL_APPROVAL_TIERS={"launch_rocket": "tier3"})
def test_unknown_action_in_config_is_refused() -> None:
    with pytest.raises(ConfigError, match="launch_rocket"):
        agent_can(_as("admin"), "ticket.read")


def test_config_parses_and_validates_tiers(tmp_path: Path) -> None:
    env = {"VIGIL_DATA_DIR": str(tmp_path), "VIGIL_APPROVAL_TIERS": "reset_2fa=tier3"}
    assert load(env).approval_tiers == {"reset_2fa": "tier3"}
    with pytest.raises(ConfigError, match="VIGIL_APPROVAL_TIERS"):
        load({**env, "VIGIL_APPROVAL_TIERS": "reset_2fa=boss"})
    with pytest.raises(ConfigError, match="VIGIL_APPROVAL_LARGE_AMOUNTS"):
        load({**env, "VIGIL_APPROVAL_LARGE_AMOUNTS": "BTC=-1"})
    with pytest.raises(ConfigError, match="VIGIL_EXCHANGE_SECRET"):
        load({**env, "VIGIL_EXCHANGE_URL": "http://127.0.0.1:9"})
    cfg = load({**env, "VIGIL_EXCHANGE_URL": "http://x:9/", "VIGIL_EXCHANGE_SECRET": "s" * 20})
    assert cfg.exchange_url == "http://x:9"


def test_an_unknown_action_in_the_environment_stops_the_cli(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "VIGIL_DATA_DIR": str(tmp_path),
        "VIGIL_APPROVAL_TIERS": "launch_rocket=admin",
    }
    env.pop("VIGIL_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "vigil", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "launch_rocket" in done.stderr
