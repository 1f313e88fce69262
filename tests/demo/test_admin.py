"""Django admin over the demo desk: every page renders, configuration goes through the
services, service-owned records are read-only, list pages run a bounded number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from tests.factories.accounts import PASSWORD
from vigil.accounts.models import Agent, ApiToken, Team
from vigil.accounts.services import api_token_create
from vigil.customers.models import Customer
from vigil.demo.people import ADMIN_EMAIL
from vigil.demo.services import demo_seed
from vigil.tickets.models import Ticket

pytestmark = pytest.mark.django_db
OUR_APPS = {"core", "accounts", "customers", "vigil_channels", "tickets"}
EDITABLE = {"team", "agent", "channelaccount", "tag"}


@pytest.fixture
def desk(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_seed(tickets=30)


@pytest.fixture
def staff(desk: None, client: Client) -> Client:
    client.force_login(Agent.objects.get(user__username=ADMIN_EMAIL).user)
    return client


def _our_models() -> list[Any]:
    return [m for m in admin.site._registry if m._meta.app_label in OUR_APPS]


def test_every_page_of_our_models_renders(staff: Client) -> None:
    models = _our_models()
    assert {m._meta.model_name for m in models} >= {
        "team", "agent", "apitoken", "customer", "channelidentity", "channelaccount", "ticket",
        "message", "attachment", "ticketactivity", "threadkey", "tag", "event", "eventstream",
        "periodicrun",
    }  # fmt: skip
    for model in models:
        info = (model._meta.app_label, model._meta.model_name)
        changelist = staff.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, info
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            change = staff.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            assert change.status_code == 200, info
        add = staff.get(reverse("admin:{}_{}_add".format(*info)))
        assert add.status_code == (200 if info[1] in EDITABLE else 403), info


def test_tickets_are_read_only(staff: Client) -> None:
    ticket = Ticket.objects.order_by("pk").first()
    assert ticket is not None
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    page = staff.get(url)
    assert b'name="status"' not in page.content  # shown, not editable
    response = staff.post(url, {"status": "closed", "subject": "hacked"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.subject != "hacked"


def test_ticket_search_by_reference_and_bounded_queries(
    staff: Client, django_assert_max_num_queries: Any
) -> None:
    ticket = Ticket.objects.order_by("-pk").first()
    assert ticket is not None
    url = reverse("admin:tickets_ticket_changelist")
    page = staff.get(url, {"q": ticket.reference})
    assert page.context["cl"].result_count == 1
    assert list(page.context["cl"].result_list) == [ticket]
    with django_assert_max_num_queries(14) as queries:
        page = staff.get(url, {"status__exact": "new"})
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    assert rows and all(t.status == "new" for t in rows)
    # No filter scans the table for its values (SELECT DISTINCT over a million tickets).
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]

    language, channel = Ticket.objects.values_list("language", "channel").first()
    page = staff.get(url, {"language": language, "channel": channel})
    rows = list(page.context["cl"].result_list)
    assert rows and {(t.language, t.channel) for t in rows} == {(language, channel)}


def test_agent_added_in_the_admin_gets_a_login_and_teams(staff: Client) -> None:
    team = Team.objects.get(name="Security")
    response = staff.post(
        reverse("admin:accounts_agent_add"),
        {
            "email": "New.Agent@vigil.test",
            "password": PASSWORD,
            "display_name": "New Agent",
            "role": "tier2",
            "languages": "en, zh",
            "capacity": "4",
            "teams": [str(team.pk)],
        },
    )
    assert response.status_code == 302, response.content[:2000]
    agent = Agent.objects.get(user__username="new.agent@vigil.test")
    assert agent.languages == ["en", "zh-hans"]
    assert list(agent.teams.all()) == [team]
    assert authenticate(username="new.agent@vigil.test", password=PASSWORD) == agent.user

    weak = staff.post(
        reverse("admin:accounts_agent_add"),
        {"email": "weak@vigil.test", "password": "123", "display_name": "W", "role": "tier1",
         "languages": "en", "capacity": "4"},
    )  # fmt: skip
    assert weak.status_code == 200 and b"too short" in weak.content
    assert not Agent.objects.filter(user__username="weak@vigil.test").exists()


def test_customer_edit_goes_through_customer_update(staff: Client) -> None:
    customer = Customer.objects.order_by("pk").first()
    assert customer is not None
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    management = {
        f"{formset.formset.prefix}-{key}": value
        for formset in staff.get(url).context["inline_admin_formsets"]
        for key, value in formset.formset.management_form.initial.items()
    }
    form = {
        **management,
        "name": "Renamed",
        "uid": "90000001",
        "preferred_language": "zh-CN",
        "vip_tier": "3",
        "notes": "OTC client",
    }
    bad = staff.post(url, {**form, "preferred_language": "!!"})
    assert bad.status_code == 200 and b"is not a language code" in bad.content
    assert staff.post(url, form).status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.uid, customer.preferred_language, customer.vip_tier) == (
        "Renamed", "90000001", "zh-hans", 3,
    )  # fmt: skip


def test_tokens_can_be_revoked_not_created(staff: Client) -> None:
    agent = Agent.objects.get(user__username=ADMIN_EMAIL)
    token, _ = api_token_create(agent=agent, name="ci")
    response = staff.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [str(token.pk)]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.objects.filter(revoked_at=None).count() == 0
