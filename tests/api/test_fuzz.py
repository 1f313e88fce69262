"""Fuzz every API operation from the app's own OpenAPI schema (schemathesis): never a 5xx,
and every answer matches the schema published for it.

Each operation gets a bounded, derandomized run: schemathesis' explicit and coverage cases plus
MAX_EXAMPLES generated ones, valid and invalid, sent with a real agent's bearer token against
a seeded desk (ids start at 1, so small generated ids hit real tickets and customers).
The database runs in autocommit (transactional_db), as in production.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories.accounts import make_agent, make_team
from tests.factories.approvals import make_request, ticket_with_uid
from tests.factories.sla import make_exception, make_week
from tests.factories.tickets import ingest
from vigil.accounts.choices import Role
from vigil.accounts.models import Agent, Team
from vigil.accounts.services import api_token_create
from vigil.routing.models import RoutingRule
from vigil.sla.models import Calendar, Holiday, SlaPolicy
from vigil.tickets.services import NewAttachment, note_add, ticket_update

MAX_EXAMPLES = 25

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

# operation label -> status code -> how many responses; printed by the last test (pytest -s).
STATS: dict[str, Counter[int]] = {}


@pytest.fixture
def token(transactional_db: None) -> str:
    team = make_team(name="Fuzz team")
    # An admin, so the supervisor-only operations (rules, SLAs, shifts, audit) are reached too;
    # permissions are tested per role in their own suites.
    agent = make_agent(email="fuzz@desk.test", role=Role.ADMIN, teams=(team,))
    other = make_agent(email="other@desk.test", role=Role.SUPERVISOR)
    _seed_desk(agent=agent, other=other, team=team)
    for n in range(4):
        result = ingest(
            external_id=f"fuzz-{n}",
            attachments=[NewAttachment(filename=f"f{n}.txt", content=b"x" * (n + 1))],
        )
        ticket_update(ticket=result.ticket, actor=None, team=team if n % 2 else None, tags=["fuzz"])
        note_add(ticket=result.ticket, agent=agent, text=f"note {n}")
    hidden = ingest(external_id="fuzz-hidden").ticket  # another team's: a 404 for the fuzzer
    ticket_update(ticket=hidden, actor=None, team=make_team(name="Other team"))
    _, plain = api_token_create(agent=agent, name="fuzz")
    return plain


def _seed_desk(*, agent: Agent, other: Agent, team: Team) -> None:
    """One of each object the API manages, with id 1 or 2, for the fuzzer's small ids."""
    RoutingRule.objects.create(name="Withdrawals", categories=["withdrawal"], team=team)
    # The shipped 24/7 calendar and default policies may still be here (the first test after
    # the migrations); with the sequences reset, creating more would reuse their ids.
    calendar = Calendar.objects.order_by("pk").first() or Calendar.objects.create(
        name="Fuzz hours", timezone="Asia/Tokyo"
    )
    Holiday.objects.create(calendar=calendar, date=date(2027, 1, 1), name="New year")
    if not SlaPolicy.objects.exists():
        SlaPolicy.objects.create(name="Fuzz policy", calendar=calendar, first_response_minutes=60)
    make_week(agent=agent, start="09:00", end="17:00")
    now = timezone.now()
    make_exception(agent=agent, kind="off", starts_at=now, ends_at=now + timedelta(hours=8))
    for n in range(2):  # requested by another agent, so the fuzz agent may decide
        make_request(agent=other, ticket=ticket_with_uid(external_id=f"fuzz-uid-{n}"))


@pytest.mark.django_db(transaction=True, reset_sequences=True)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx(case: schemathesis.Case, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    response = case.call(headers=headers)
    STATS.setdefault(case.operation.label, Counter())[response.status_code] += 1
    # No 5xx, and every answer matches the schema the API publishes for it.
    case.validate_response(
        response, checks=[not_a_server_error, response_schema_conformance], headers=headers
    )


def test_fuzzing_reached_the_happy_paths() -> None:
    """The fuzz run above is only meaningful if it got past auth and validation."""
    if not STATS:
        pytest.skip("run together with test_no_operation_answers_5xx")
    total = sum(sum(c.values()) for c in STATS.values())
    print(f"\nschemathesis: {total} requests over {len(STATS)} operations")
    for label, counts in sorted(STATS.items()):
        shown = ", ".join(f"{code}: {n}" for code, n in sorted(counts.items()))
        print(f"  {label:45} {sum(counts.values()):4}  [{shown}]")
    ok = [label for label, counts in STATS.items() if any(200 <= c < 300 for c in counts)]
    assert len(ok) >= len(STATS) - 2, STATS
    assert all(401 not in counts or sum(counts.values()) > counts[401] for counts in STATS.values())
