# ruff: noqa: F811, RUF001 - pytest fixtures are imported by name; native CJK punctuation
"""A pasted secret: redacted in what is stored, searched, served by the API and shown in the
console; the raw e-mail not kept; the ticket flagged; the customer told once, automatically."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.conftest import client_for, fast_password_hashing  # noqa: F401 - fixture
from tests.channels.email.transport import mail, sink, support, wire  # noqa: F401 - fixtures
from tests.factories.accounts import make_agent
from tests.factories.tickets import ingest
from tests.routing.test_secrets import mnemonic
from vigil.accounts.choices import Role
from vigil.channels.email.services import email_receive
from vigil.channels.models import ChannelAccount
from vigil.routing.notices import NOTICES
from vigil.routing.redaction import TOMBSTONE
from vigil.sla.selectors import sla_cache_clear
from vigil.tickets.choices import DeliveryStatus, Direction
from vigil.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sla_cache() -> Iterator[None]:
    """The SLA policies are cached per process; a flushed database invalidates them."""
    sla_cache_clear()
    yield
    sla_cache_clear()


SEED = " ".join(mnemonic(12, seed=7))
MARKER = "[redacted: seed phrase]"


def _notices(ticket: Ticket) -> list[Message]:
    return list(
        Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND).filter(
            metadata__auto="security_notice"
        )
    )


def test_a_seed_phrase_is_redacted_flagged_and_the_customer_told_once() -> None:
    result = ingest(subject="", text=f"my wallet is empty!! my seed: {SEED} please check")
    message = Message.objects.get(pk=result.message.pk)
    assert SEED.split()[3] not in message.text
    assert MARKER in message.text
    assert message.metadata["redacted"] == ["seed_phrase"]
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.security_flag
    assert SEED.split()[0] not in ticket.subject  # the subject came from the text
    reason = ticket.triage["secrets"]["reason"]
    assert "seed phrase in the text" in reason and "security notice sent" in reason
    (notice,) = _notices(ticket)
    assert notice.metadata["automatic"] is True
    assert notice.delivery_status == DeliveryStatus.PENDING
    assert notice.text.startswith(NOTICES["en"][1][:40])
    assert ticket.first_response_at is None  # an automatic message is not a response
    # A second secret on the same ticket: redacted, but no second notice.
    ingest(ticket=ticket, text=f"again: {' '.join(mnemonic(12, seed=8))}")
    later = Message.objects.filter(ticket=ticket, direction=Direction.INBOUND).last()
    assert later is not None and MARKER in later.text
    assert len(_notices(ticket)) == 1
    assert Ticket.objects.get(pk=ticket.pk).triage["updates"][-1]["secrets"] == ["seed_phrase"]
    # A secret only in the quoted part (the full text) of a later message is found too.
    quoted = ingest(ticket=ticket, text="see below", full_text=f"see below\n> seed: {SEED}")
    stored = Message.objects.get(pk=quoted.message.pk)
    assert stored.text == "see below" and MARKER in stored.full_text
    assert (
        "seed phrase in the full text"
        in Ticket.objects.get(pk=ticket.pk).triage["secrets"]["reason"]
    )
    assert len(_notices(ticket)) == 1


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh-hans", "我的钱包被盗了，助记词是 {seed} 请帮忙"),
        ("zh-hant", "我的錢包被盜了，助記詞是 {seed} 請幫忙查詢"),
        ("ja", "ウォレットの資産が消えました。シードフレーズは {seed} です。助けてください"),
    ],
)
def test_the_notice_is_in_the_customers_language(language: str, text: str) -> None:
    ticket = ingest(subject="", text=text.format(seed=SEED)).ticket
    (notice,) = _notices(ticket)
    assert Ticket.objects.get(pk=ticket.pk).language == language
    assert notice.metadata["language"] == language
    assert notice.subject == NOTICES[language][0]


def test_email_secret_is_gone_from_text_html_subject_raw_api_and_console(
    support: ChannelAccount, run_tasks: Callable[[], int], fast_password_hashing: None
) -> None:
    letter = mail(subject=f"help {SEED}", body=f"Hi, my recovery phrase is {SEED}\nThanks\n")
    letter.add_alternative(f"<p>Hi, my recovery phrase is <b>{SEED}</b></p>", subtype="html")
    received = email_receive(account=support, raw=wire(letter))
    message = Message.objects.get(pk=received.message.pk)
    word = SEED.split()[5]
    for stored in (message.text, message.full_text, message.html, message.subject):
        assert word not in stored
    assert MARKER in message.text and MARKER in message.subject
    assert not message.raw
    storage = Message.raw.field.storage
    raw_name = received.message.raw.name if received.message.raw else ""
    assert raw_name == ""  # the message no longer points at the bytes
    tombstones = [name for name in _raw_files(storage) if storage.open(name).read() == TOMBSTONE]
    assert tombstones, "the .eml was overwritten by the tombstone"
    ticket = Ticket.objects.get(pk=received.ticket.pk)
    assert word not in ticket.subject
    agent = make_agent(role=Role.SUPERVISOR)
    api = client_for(agent)
    # Search finds the ticket by its redacted subject, not by the secret.
    assert api.get("/tickets", params={"q": word}).body["items"] == []
    found = api.get("/tickets", params={"q": "redacted: seed"}).body["items"]
    assert [t["id"] for t in found] == [ticket.pk]
    # API: ticket detail and its messages.
    detail = api.get(f"/tickets/{ticket.pk}")
    assert detail.status == 200 and detail.body["security_flag"] is True
    assert detail.body["triage"]["secrets"]["value"] == ["seed_phrase"]
    messages = api.get(f"/tickets/{ticket.pk}/messages")
    assert word not in str(messages.body) and MARKER in str(messages.body)
    # Console: the thread shows the marker; the triage panel the reason.
    client = Client()
    client.force_login(agent.user)
    page = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    assert word not in page
    assert MARKER in page
    assert 'id="triage"' in page and "seed phrase in the text" in page
    run_tasks()


def _raw_files(storage: object) -> list[str]:
    names: list[str] = []
    dirs, _ = storage.listdir("raw")  # type: ignore[attr-defined]
    for d in dirs:
        _, files = storage.listdir(f"raw/{d}")  # type: ignore[attr-defined]
        names += [f"raw/{d}/{f}" for f in files]
    return names
