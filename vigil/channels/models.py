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
