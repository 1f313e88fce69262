"""Inbox selectors: keyset pages walk the whole list in order, visibility holds, search forms."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories.accounts import make_agent, make_team
from tests.factories.tickets import ingest
from vigil.accounts.choices import Role
from vigil.core.errors import ValidationFailed
from vigil.tickets.choices import UNSOLVED_STATUSES, Priority
from vigil.tickets.models import Ticket
from vigil.tickets.selectors import TicketFilters, inbox_page
from vigil.tickets.services import ticket_update

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk() -> dict[str, object]:
    rng = random.Random(7)
    team_a, team_b = make_team(name="A"), make_team(name="B")
    tier1 = make_agent(role=Role.TIER1, teams=(team_a,))
    other = make_agent(role=Role.TIER1, teams=(team_b,))
    now = timezone.now()
    same_moment = now - timedelta(hours=3)
    for n in range(40):
        ticket = ingest(subject=f"Case {n}", sender_address=f"c{n % 9}@example.com").ticket
        team = [team_a, team_b, None][n % 3]
        ticket_update(
            ticket=ticket,
            actor=None,
            priority=rng.choice(Priority.values),
            team=team,
            assignee=tier1 if n % 11 == 0 else None,
            status="solved" if n % 7 == 0 else None,
        )
        # Ties on waiting_since are deliberate: the id must break them.
        waiting = same_moment if n % 4 == 0 else now - timedelta(minutes=rng.randint(1, 5000))
        Ticket.objects.filter(pk=ticket.pk).update(waiting_since=waiting)
    return {"tier1": tier1, "other": other, "sup": make_agent(role=Role.SUPERVISOR)}


def _walk(agent: object, filters: TicketFilters, limit: int = 7) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        page = inbox_page(agent=agent, filters=filters, cursor=cursor, limit=limit)  # type: ignore[arg-type]
        seen += [t.pk for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


def _expected(agent: object, *, unsolved: bool = True) -> list[int]:
    rows = Ticket.objects.all()
    if unsolved:
        rows = rows.filter(status__in=UNSOLVED_STATUSES)
    if getattr(agent, "role", None) == Role.TIER1:
        teams = set(agent.teams.values_list("pk", flat=True))  # type: ignore[attr-defined]
        rows = [
            t
            for t in rows
            if t.team_id is None or t.team_id in teams or t.assignee_id == agent.pk  # type: ignore[attr-defined]
        ]
    ordered = sorted(rows, key=lambda t: (-t.priority, t.waiting_since, t.pk))
    return [t.pk for t in ordered]


@pytest.mark.parametrize("who", ["tier1", "other", "sup"])
def test_pages_walk_the_whole_visible_list_in_inbox_order(
    desk: dict[str, object], who: str
) -> None:
    agent = desk[who]
    assert _walk(agent, TicketFilters()) == _expected(agent)
    assert _walk(agent, TicketFilters(all_statuses=True), limit=5) == _expected(
        agent, unsolved=False
    )


def test_filtered_walk_matches(desk: dict[str, object]) -> None:
    sup = desk["sup"]
    urgent = _walk(sup, TicketFilters(priority=Priority.URGENT), limit=3)
    expected = [
        pk for pk in _expected(sup) if Ticket.objects.get(pk=pk).priority == Priority.URGENT
    ]
    assert urgent == expected


def test_search_forms(desk: dict[str, object]) -> None:
    sup = desk["sup"]
    target = Ticket.objects.filter(status__in=UNSOLVED_STATUSES).order_by("pk").first()
    assert target is not None

    def found(q: str) -> set[int]:
        return {t.pk for t in inbox_page(agent=sup, filters=TicketFilters(q=q), limit=200).items}  # type: ignore[arg-type]

    assert found(f"VG-{target.pk}") == {target.pk}
    assert found(f"#vg-{target.pk}") == {target.pk}
    assert target.pk in found(str(target.pk))
    by_mail = found(target.customer.email.upper())
    assert target.pk in by_mail
    assert all(Ticket.objects.get(pk=pk).customer_id == target.customer_id for pk in by_mail)
    assert found(target.subject) >= {target.pk}
    assert found("no such words anywhere") == set()


def test_bad_cursor_is_refused(desk: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed):
        inbox_page(agent=desk["sup"], filters=TicketFilters(), cursor="not-a-cursor")  # type: ignore[arg-type]
