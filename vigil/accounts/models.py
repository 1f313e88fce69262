"""Who works the desk: agents (a profile on Django's user), their teams, and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vigil.accounts.choices import DESK_WIDE_ROLES, Presence, Role
from vigil.core.models import TimeStampedModel


class Team(TimeStampedModel):
    """A group of agents that owns a share of the tickets, e.g. "Chinese support" or "Security".

    `languages` lists the language codes the team answers in (BCP 47, e.g. "en", "zh-hans").
    """

    name = models.CharField(max_length=100, unique=True)
    languages = models.JSONField(default=list, blank=True)
    # Ticket categories (tickets.choices.Category values) the team handles; empty = any.
    categories = models.JSONField(default=list, blank=True)
    # Where tickets go when nobody of this team who speaks the ticket's language is on shift.
    fallback = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="fallback_for"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agent(TimeStampedModel):
    """A person who answers customers. Their role is their tier and decides what they may see
    and approve; `languages` and `categories` are their skills; `capacity` is how many open
    tickets they hold at once and `chat_capacity` how many live chats; `presence` is whether
    they are reachable right now; `timezone` is where their shifts are written."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent"
    )
    display_name = models.CharField(max_length=100)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.TIER1)
    languages = models.JSONField(default=list, blank=True)
    # Ticket categories the agent is skilled in; empty = any.
    categories = models.JSONField(default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(default=5)
    chat_capacity = models.PositiveSmallIntegerField(default=3)
    timezone = models.CharField(max_length=64, default="UTC")
    presence = models.CharField(max_length=10, choices=Presence.choices, default=Presence.OFFLINE)
    presence_changed_at = models.DateTimeField(null=True, blank=True)
    # Last sign of life from a console socket or request; presence turns offline when it stops.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    teams = models.ManyToManyField(Team, related_name="agents", blank=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def sees_whole_desk(self) -> bool:
        return self.role in DESK_WIDE_ROLES


class ConsoleSocket(models.Model):
    """One open desk socket of an agent (a console tab), keyed by its channel name. When an
    agent's last socket closes they go offline after a short grace; `last_seen_at` is its
    latest heartbeat, so rows of a process that died are recognised as stale and swept."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="sockets")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.channel_name


class ApiToken(models.Model):
    """A secret an integration presents as `Authorization: Bearer <token>` to act as an agent.

    Only the SHA-256 of the token is stored; `prefix` lets people tell tokens apart.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
