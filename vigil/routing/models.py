"""Routing rules (which team gets a ticket) and the category rule sets agents' corrections
improve. See docs/architecture.md#routing."""

from __future__ import annotations

from django.db import models

from vigil.core.models import TimeStampedModel
from vigil.routing.choices import Strategy


class RoutingRule(TimeStampedModel):
    """Maps a triaged ticket to a team: the first enabled rule, by `position`, whose conditions
    all hold wins. An empty condition list matches anything. `set_priority`, when given, raises
    the ticket's priority to at least that value."""

    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    languages = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)
    min_priority = models.PositiveSmallIntegerField(null=True, blank=True)
    tones = models.JSONField(default=list, blank=True)
    security_only = models.BooleanField(default=False)
    min_vip_tier = models.PositiveSmallIntegerField(null=True, blank=True)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    set_priority = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class CategoryRuleSet(models.Model):
    """One version of the multilingual category rules (terms and weights, the format of
    `routing/triage/rules.py`). The newest active one is used; a version learned from agents'
    corrections records how many corrections it came from."""

    version = models.PositiveIntegerField(unique=True)
    rules = models.JSONField()
    active = models.BooleanField(default=True)
    source = models.CharField(max_length=20, default="admin")  # builtin, admin, learned
    corrections = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"category rules v{self.version}"


class TeamRouting(models.Model):
    """How a team hands out its tickets: push (`least_loaded`, `round_robin`) or `pull` (agents
    press "Next ticket"). `sticky` gives a customer's new ticket to the agent who last handled
    them, if they can take it. A ticket held by an agent who has been offline for
    `return_after_minutes` goes back to the team's queue. A team without a row uses the
    defaults. `last_agent` is where round robin left off."""

    team = models.OneToOneField(
        "accounts.Team", primary_key=True, on_delete=models.CASCADE, related_name="routing"
    )
    strategy = models.CharField(
        max_length=20, choices=Strategy.choices, default=Strategy.LEAST_LOADED
    )
    sticky = models.BooleanField(default=True)
    return_after_minutes = models.PositiveIntegerField(default=15)
    last_agent = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.team_id}: {self.strategy}"
