"""Channel accounts: one row per way in, e.g. the address support@exchange.com or a bot."""

from __future__ import annotations

from django.db import models

from vigil.channels.choices import ChannelKind
from vigil.core.models import TimeStampedModel


class ChannelAccount(TimeStampedModel):
    """One configured entry point of a channel: a support mailbox, a Telegram bot, the chat
    widget of one site, the REST API. Messages are deduplicated per account, so
    (account, external id) names one message for good. `settings` holds the adapter's
    options; `default_team` receives the tickets it opens unless routing says otherwise."""

    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    name = models.CharField(max_length=100)
    address = models.CharField(max_length=320, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    # Credentials (IMAP passwords, webhook signing keys, bot tokens), encrypted at rest by the
    # channel's services; never shown back in the console or the API.
    secrets_encrypted = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    default_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "address"], name="channels_account_kind_address_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.address or self.name}"


class MailboxState(models.Model):
    """How far the desk has read one IMAP folder of a support mailbox: the folder's
    UIDVALIDITY and the highest UID already stored. A new UIDVALIDITY means the server
    renumbered the folder, so reading starts over (stored mail is recognised by its
    Message-ID and not stored twice).

    The lease says which `vigil run` process watches the folder, and until when: with
    several processes one polls a mailbox at a time, renewing the lease while it works;
    when it stops (or dies) and the lease lapses, another takes over."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    folder = models.CharField(max_length=200)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    lease_owner = models.CharField(max_length=100, blank=True)  # host:pid:watcher, or ""
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "folder"], name="channels_mailbox_account_folder_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.folder} {self.uidvalidity}/{self.last_uid}"


class AutoReplyLog(models.Model):
    """One automatic mail the desk sent (an acknowledgement), kept for the per-address cap
    that stops two robots from answering each other for ever."""

    address = models.CharField(max_length=320)
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["address", "sent_at"], name="channels_autoreply_addr_idx")]

    def __str__(self) -> str:
        return f"{self.address} {self.sent_at:%Y-%m-%d %H:%M}"


class WebhookReceipt(models.Model):
    """A provider webhook the desk has already accepted, by the provider's one-time token
    (Mailgun's token, an SNS MessageId, ...). A second request with the same token is a
    replay and is refused. Rows older than the accepted timestamp window are pruned."""

    provider = models.CharField(max_length=20)
    token = models.CharField(max_length=200)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "token"], name="channels_webhook_provider_token_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.token}"


class ChatSession(TimeStampedModel):
    """One live-chat conversation of a visitor on a widget, the messages of which are those of
    `ticket`. `token_digest` is the SHA-256 of the secret the widget keeps (localStorage) to
    resume the session after a reload; the session's events are the event stream
    `chat:<id>`, so the widget resumes by sequence number. `state` moves waiting (in the queue)
    -> offered (to `offered_to`, until `offer_expires_at`) -> active (with `agent`) -> ended;
    `left_message` when the visitor left a message instead of waiting (an e-mail-followed
    ticket). `queued_at` orders the queue; `accepted_at - queued_at` is the wait."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"
        LEFT_MESSAGE = "left_message", "Left a message"

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="chat_session"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.WAITING)
    language = models.CharField(max_length=16)
    category = models.CharField(max_length=20)
    email = models.EmailField(blank=True)  # where the transcript goes
    visitor_ip = models.GenericIPAddressField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    offered_to = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_sessions",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    customer_read_seq = models.BigIntegerField(default=0)  # the visitor has seen up to here
    # The visitor's last sign of life (socket attached, ping every 25 s); a chat whose visitor
    # went quiet is ended by the system (chat_end_abandoned) instead of waiting for ever.
    visitor_seen_at = models.DateTimeField(null=True, blank=True)
    agent_read_message_id = models.BigIntegerField(default=0)  # the agent has seen up to here

    class Meta:
        indexes = [
            models.Index(fields=["state", "language", "queued_at"], name="chat_queue_idx"),
            models.Index(fields=["agent", "state"], name="chat_agent_state_idx"),
        ]

    def __str__(self) -> str:
        return f"chat {self.pk} ({self.state})"


class ChatUpload(models.Model):
    """A file the visitor uploaded (over HTTP, with the session's token) before sending the
    message that carries it; it becomes an Attachment when that message is stored and is
    deleted after a day if it never is."""

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="uploads")
    file = models.FileField(upload_to="chat-uploads/", max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename
