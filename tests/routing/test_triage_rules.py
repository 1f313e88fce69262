# ruff: noqa: F811 - pytest fixtures are imported by name; native CJK punctuation
"""Category rules: agents' corrections recorded and learned from, the newest active version
used by triage (invalidated through the cache), export/import round trip (CLI and API)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from tests.api.conftest import client_for, fast_password_hashing  # noqa: F401 - fixture
from tests.factories.accounts import make_agent
from tests.factories.tickets import ingest
from vigil.accounts.choices import Role
from vigil.cli import main
from vigil.core.errors import PermissionDenied
from vigil.routing.models import CategoryRuleSet
from vigil.routing.selectors import (
    RULES_VERSION_KEY,
    category_corrections,
    category_rules_active,
    category_rules_cache_clear,
)
from vigil.routing.services import category_rules_import, category_rules_learn
from vigil.routing.triage import default_rules
from vigil.tickets.choices import ActivityKind
from vigil.tickets.models import Ticket, TicketActivity
from vigil.tickets.services import ticket_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rules_cache() -> Iterator[None]:
    """Each test's database starts without rule sets; so does the cache."""
    category_rules_cache_clear()
    yield
    category_rules_cache_clear()


# A desk-specific topic the default rules do not know: the desk files it under "fees".
STAKING = [
    "My staking rewards for the savings product were lower than the advertised yield",
    "Why did the savings yield on my staked ETH drop this week?",
    "The staking yield shown in the app differs from what I was paid",
    "Savings product: yield paid is less than promised",
]


def _opened(text: str) -> Ticket:
    return Ticket.objects.get(pk=ingest(subject="", text=text).ticket.pk)


def test_an_agents_category_change_records_the_correction() -> None:
    ticket = _opened("I cannot log in, my 2FA code is rejected")
    agent = make_agent()
    ticket_update(ticket=ticket, actor=agent, category="security")
    activity = TicketActivity.objects.get(ticket=ticket, kind=ActivityKind.CATEGORY)
    assert activity.data["from"] == "account_access" and activity.data["to"] == "security"
    assert activity.data["correction"] == {
        "text": "I cannot log in, my 2FA code is rejected",
        "detected": "account_access",
    }
    (correction,) = category_corrections()
    assert (correction.before, correction.after) == ("account_access", "security")
    # A change with no agent behind it (automation) is not a correction.
    ticket_update(ticket=ticket, actor=None, category="other")
    assert len(category_corrections()) == 1
    assert category_corrections()[0].after == "security"  # one per ticket, the agent's


def test_learning_from_corrections_changes_a_later_classification(
    django_capture_on_commit_callbacks: Any,
) -> None:
    supervisor = make_agent(role=Role.SUPERVISOR)
    before = _opened("Staking savings yield lower than expected again")
    assert before.category != "fees"
    for text in STAKING:
        ticket = _opened(text)
        ticket_update(ticket=ticket, actor=supervisor, category="fees")
    with django_capture_on_commit_callbacks(execute=True):  # publishes the new version
        learned = category_rules_learn(actor=supervisor)
    assert learned.corrections == 4 and learned.mistakes >= 1 and learned.changes > 0
    assert learned.rule_set.version == 1 and learned.rule_set.source == "learned"
    after = _opened("Staking savings yield lower than expected again")
    assert after.category == "fees"
    assert after.triage["category"]["rules_version"] == 1


def test_only_supervisors_and_admins_change_rules() -> None:
    with pytest.raises(PermissionDenied):
        category_rules_learn(actor=make_agent(role=Role.TIER1))
    with pytest.raises(PermissionDenied):
        category_rules_import(data=default_rules().to_dict(), actor=make_agent(role=Role.TIER2))
    assert not CategoryRuleSet.objects.exists()


def test_triage_uses_the_newest_active_rule_set_and_the_defaults_without_one(
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert category_rules_active()[0] == 0
    data = default_rules().to_dict()
    data["categories"]["kyc"]["en"]["lambo"] = 5.0
    with django_capture_on_commit_callbacks(execute=True):
        row = category_rules_import(data=data, actor=None)
    version, _ = category_rules_active()
    assert version == row.version
    assert _opened("Where is my lambo?").category == "kyc"
    CategoryRuleSet.objects.filter(pk=row.pk).update(active=False)
    # Another process notices when the cached version expires (VERSION_TTL); here, at once.
    cache.delete(RULES_VERSION_KEY)
    assert category_rules_active()[0] == 0
    assert _opened("Where is my lambo?").category == "other"


def test_export_import_round_trip_through_the_cli(
    tmp_path: Path, capsys: Any, django_capture_on_commit_callbacks: Any
) -> None:
    exported = tmp_path / "rules.json"
    assert main(["triage", "rules", "export", str(exported)]) == 0
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["version"] == 0
    assert data["categories"]["withdrawal"]
    data["categories"]["withdrawal"]["en"]["moonbag"] = 3.0
    exported.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        assert main(["triage", "rules", "import", str(exported)]) == 0
    again = tmp_path / "again.json"
    assert main(["triage", "rules", "export", str(again)]) == 0
    back = json.loads(again.read_text(encoding="utf-8"))
    assert back["version"] == 1
    assert back["categories"] == data["categories"]
    assert _opened("my moonbag is stuck").category == "withdrawal"
    bad = tmp_path / "bad.json"
    bad.write_text('{"categories": {"nonsense": {}}}', encoding="utf-8")
    assert main(["triage", "rules", "import", str(bad)]) != 0
    assert "unknown category" in capsys.readouterr().err
    assert main(["triage", "learn"]) == 0
    assert "learned from 0 corrections" in capsys.readouterr().out


def test_rules_api_get_put_learn(
    fast_password_hashing: None, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor = client_for(make_agent(role=Role.SUPERVISOR))
    tier1 = client_for(make_agent(role=Role.TIER1))
    assert tier1.get("/triage/rules").status == 403
    got = supervisor.get("/triage/rules")
    assert got.status == 200 and got.body["version"] == 0
    rules = got.body
    rules["categories"]["api"]["en"]["websocket"] = 4.0
    with django_capture_on_commit_callbacks(execute=True):
        put = supervisor.request("PUT", "/triage/rules", rules)
    assert put.status == 200 and put.body["version"] == 1
    assert tier1.request("PUT", "/triage/rules", rules).status == 403
    assert supervisor.get("/triage/rules").body["categories"]["api"]["en"]["websocket"] == 4.0
    invalid = supervisor.request("PUT", "/triage/rules", {"min_score": -1})
    assert invalid.status == 422
    learned = supervisor.post("/triage/rules/learn")
    assert learned.status == 200 and learned.body["version"] == 2


def test_admin_action_learns_with_nothing_selected(
    fast_password_hashing: None, django_capture_on_commit_callbacks: Any
) -> None:
    from django.test import Client
    from django.urls import reverse

    admin_agent = make_agent(role=Role.ADMIN)
    ticket = _opened(STAKING[0])
    ticket_update(ticket=ticket, actor=admin_agent, category="fees")
    client = Client()
    client.force_login(admin_agent.user)
    url = reverse("admin:routing_categoryruleset_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "learn", "index": 0}, follow=True)
    assert response.status_code == 200
    row = CategoryRuleSet.objects.get()
    assert (row.source, row.corrections, row.created_by) == ("learned", 1, admin_agent)
    assert "learned from 1 corrections" in response.content.decode()
