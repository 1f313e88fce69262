"""Tickets and what they are made of. One ticket is one customer problem, whatever channels
its messages arrive on."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Func, Q

from vigil.core.models import TimeStampedModel
from vigil.tickets.choices import (
    UNSOLVED_STATUSES,
    ActivityKind,
    Category,
    DeliveryStatus,
    Direction,
    Priority,
    TicketStatus,
)

TICKET_PREFIX = "VG-"

# Most urgent first: -priority, written without a query parameter so that SQLite matches it to
# the indexes below. The inbox sorts by (URGENCY, waiting_since, id); see selectors.inbox_page.
URGENCY = Func(F("priority"), template="(-%(expressions)s)", output_field=models.IntegerField())
INBOX_KEY = (URGENCY, F("waiting_since"), F("id"), F("priority"))


class Tag(models.Model):
    """A free label agents put on tickets ("chargeback", "vip-escalation")."""

    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(TimeStampedModel):
    """One customer problem. Its reference (VG-123) is what the customer and agents quote.

    `waiting_since` is when the ticket last started to need the desk's attention (its arrival,
    or the customer's latest unanswered message); the inbox serves the highest priority first
    and, within a priority, the ticket that has waited longest.
    """

    subject = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    language = models.CharField(max_length=16, blank=True)
    channel = models.CharField(max_length=16)  # ChannelKind of the first message
    channel_account = models.ForeignKey(
        "vigil_channels.ChannelAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="tickets"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    waiting_since = models.DateTimeField()
    awaiting_agent = models.BooleanField(default=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # When the current assignee took it (handling times; returning it when they go offline).
    assigned_at = models.DateTimeField(null=True, blank=True)
    # Triage on arrival: each decision (language, category, urgency, tone, secrets, route) with
    # its value and the reason, e.g. {"category": {"value": "withdrawal", "reason": "..."}}.
    triage = models.JSONField(default=dict, blank=True)
    tone = models.CharField(max_length=12, blank=True)  # "", "distressed" or "abusive"
    security_flag = models.BooleanField(default=False)  # a secret was pasted, or a compromise
    fallback_routed = models.BooleanField(default=False)  # nobody for its language was on shift
    # SLA: the next target's deadline (first/next response or resolution) and its state.
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_state = models.CharField(max_length=10, blank=True)  # "", ok, warning, breached, paused
    solved_at = models.DateTimeField(null=True, blank=True)
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )

    class Meta:
        # The inbox order is (URGENCY, waiting_since, id), all ascending, so that a keyset
        # cursor is one row comparison an index can seek to, on PostgreSQL and SQLite alike.
        # The trailing `priority` lets SQLite test the cursor on the index alone. Unsolved
        # tickets (a small, busy share) get partial indexes; queries name the unsolved
        # statuses literally (selectors.unsolved()) so that SQLite recognises them.
        indexes = [
            models.Index(
                *INBOX_KEY, condition=Q(status__in=UNSOLVED_STATUSES), name="tickets_unsolved_idx"
            ),
            models.Index(
                F("team"),
                *INBOX_KEY,
                # Trailing status and assignee: the unsolved counts per status (the console's
                # sidebar) read this index alone, with or without the visibility test.
                F("status"),
                F("assignee"),
                condition=Q(status__in=UNSOLVED_STATUSES),
                name="tickets_unsolved_team_idx",
            ),
            models.Index(
                F("language"),
                *INBOX_KEY,
                condition=Q(status__in=UNSOLVED_STATUSES),
                name="tickets_unsolved_language_idx",
            ),
            # Every ticket, for lists beyond the unsolved ones (solved, closed, all), and an
            # agent's tickets in any status (an agent's share is small enough to walk).
            models.Index(*INBOX_KEY, name="tickets_order_idx"),
            models.Index(F("assignee"), *INBOX_KEY, name="tickets_assignee_order_idx"),
            # The inbox sorted "SLA due first" (selectors.inbox_page(sort="sla")): unsolved
            # tickets with a running SLA clock by (sla_due_at, id).
            models.Index(
                F("sla_due_at"),
                F("id"),
                condition=Q(status__in=UNSOLVED_STATUSES, sla_due_at__isnull=False),
                name="tickets_unsolved_sla_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"{TICKET_PREFIX}{self.pk}"


class TicketParticipant(models.Model):
    """Someone besides the customer who takes part in a ticket, e.g. a CC on an e-mail thread;
    replies go to them too."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(max_length=16)  # an IdentityKind, e.g. "email"
    address = models.CharField(max_length=320)
    name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind", "address"], name="tickets_participant_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.address}"


class ThreadKey(models.Model):
    """A key a channel uses to tie a later message to this ticket: an e-mail Message-ID, a
    chat session id, a Telegram chat id. Unique per channel account."""

    channel_account = models.ForeignKey(
        "vigil_channels.ChannelAccount", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=500)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="thread_keys")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_account", "key"], name="tickets_threadkey_account_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.key


class Message(models.Model):
    """One message of a ticket: from the customer, to the customer, or an internal note.

    `external_id` is the channel's own id for it (an e-mail Message-ID, a chat client id);
    the same (channel account, external id) is stored once however often it is delivered.
    `html` is always sanitized before it is stored.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    channel = models.CharField(max_length=16)
    channel_account = models.ForeignKey(
        "vigil_channels.ChannelAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    author_agent = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=300, blank=True)
    # What agents read: the new text, with quoted history and signatures stripped.
    text = models.TextField(blank=True)
    # The whole original text, one click away; empty when it equals `text`.
    full_text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    # The bytes as received (e.g. the .eml), kept so nothing is lost to a parser's mistake.
    raw = models.FileField(upload_to="raw/", max_length=200, blank=True)
    # Why this inbound message got no automatic acknowledgement (auto_reply, bounce, list,
    # loop, rate_limited, ...); empty when it got one or none was due.
    no_ack_reason = models.CharField(max_length=20, blank=True)
    # NULL, not "", for "the channel gave no id", so the unique constraint ignores those rows.
    external_id = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.NOT_APPLICABLE
    )
    delivery_error = models.TextField(blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_account", "external_id"],
                condition=Q(external_id__isnull=False),
                name="tickets_message_account_external_uniq",
            )
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="tickets_message_thread_idx")
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.direction} message {self.pk} on ticket {self.ticket_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Content-addressed: the same bytes land on the same name, so a retried store is harmless.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    """A file that came with a message: a screenshot, a PDF statement. `content_type` is
    sniffed from the bytes, not taken from the sender."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    inline = models.BooleanField(default=False)
    content_id = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return self.filename


class TicketActivity(models.Model):
    """The ticket's history: every change, who made it and when. Written by services only."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=ActivityKind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "ticket activities"

    def __str__(self) -> str:
        return f"{self.kind} on ticket {self.ticket_id}"
