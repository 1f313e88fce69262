"""SLA policies, business calendars, per-ticket SLA targets, agents' shifts.

See docs/architecture.md#slas and docs/architecture.md#shifts-and-coverage.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from vigil.core.models import TimeStampedModel
from vigil.sla.choices import ExceptionKind, TargetKind


class Calendar(TimeStampedModel):
    """When the SLA clock runs: business hours per weekday in a time zone, minus holidays.

    `hours` maps a weekday ("0" Monday … "6" Sunday) to intervals of local wall time,
    e.g. {"0": [["09:00", "12:00"], ["13:00", "18:00"]]}; "24:00" ends a day. A calendar
    with `always_open` ignores hours and holidays: the clock runs 24/7 (the default).
    """

    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    always_open = models.BooleanField(default=True)
    hours = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A day (in the calendar's own time zone) on which the calendar's clock stands still."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="sla_holiday_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(TimeStampedModel):
    """The promise for tickets of one priority arriving on one channel: how soon the first
    answer, each next answer (after a customer's message) and the resolution are due, counted
    in business minutes of `calendar`. Priority 0 / an empty channel match any; the most
    specific active policy wins (priority and channel, then priority, then channel).

    A target is warned about at `warn_percent` of its time (or `warn_minutes` before it, when
    set); on breach the escalation runs: an event to the team and supervisors (always), then
    optionally the priority raised one step, the ticket unassigned back to its team's queue,
    or moved to `escalate_team`.
    """

    name = models.CharField(max_length=100)
    priority = models.PositiveSmallIntegerField(default=0)  # 0 = any priority
    channel = models.CharField(max_length=16, blank=True)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="policies")
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    warn_percent = models.PositiveSmallIntegerField(default=80)
    warn_minutes = models.PositiveIntegerField(null=True, blank=True)
    escalate_raise_priority = models.BooleanField(default=False)
    escalate_unassign = models.BooleanField(default=False)
    escalate_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["channel", "-priority", "name"]
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["priority", "channel"],
                condition=Q(is_active=True),
                name="sla_policy_active_uniq",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TicketSla(models.Model):
    """One SLA target of one ticket: its first response, a next response (one per customer
    message that waits for an answer) or its resolution.

    `due_at` is null while the clock is paused (the ticket waits on the customer); then
    `remaining_seconds` holds the business time that was left. `warn_at` is when the warning
    is due. A target is done when met (`met_at`) or cancelled (the ticket was solved before
    it was answered); `breached_at` stays set when a breached target is met late.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla_targets"
    )
    # No database constraint: the policy is a record of where the minutes came from, and a
    # process whose policy cache is a few seconds stale must not fail to store a ticket.
    policy = models.ForeignKey(
        SlaPolicy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    kind = models.CharField(max_length=16, choices=TargetKind.choices)
    target_minutes = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.BigIntegerField(null=True, blank=True)
    paused_seconds = models.BigIntegerField(default=0)  # wall time spent paused
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "kind"], name="sla_target_ticket_idx"),
            # The breach scan: open, running targets by due time / warning time.
            models.Index(
                fields=["due_at"],
                condition=Q(
                    met_at__isnull=True, cancelled_at__isnull=True, breached_at__isnull=True
                ),
                name="sla_target_due_idx",
            ),
            models.Index(
                fields=["warn_at"],
                condition=Q(
                    met_at__isnull=True,
                    cancelled_at__isnull=True,
                    breached_at__isnull=True,
                    warned_at__isnull=True,
                ),
                name="sla_target_warn_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of ticket {self.ticket_id}"

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None


class ShiftPattern(models.Model):
    """A weekly shift of an agent, in the agent's own time zone (Agent.timezone): every
    `weekday` (0 Monday … 6 Sunday) from `start` to `end`. An end at or before the start
    crosses midnight into the next day (22:00 to 06:00)."""

    agent = models.ForeignKey(
        "accounts.Agent", on_delete=models.CASCADE, related_name="shift_patterns"
    )
    weekday = models.PositiveSmallIntegerField()
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["agent", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="sla_shift_weekday_range")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.weekday} {self.start}-{self.end}"


class ShiftException(models.Model):
    """A dated change to an agent's shifts: time off (not on shift even during a pattern) or
    an extra shift (on shift outside the patterns), from `starts_at` to `ends_at`."""

    agent = models.ForeignKey(
        "accounts.Agent", on_delete=models.CASCADE, related_name="shift_exceptions"
    )
    kind = models.CharField(max_length=8, choices=ExceptionKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["ends_at"], name="sla_shiftexc_ends_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="sla_shiftexc_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.agent_id} {self.starts_at}-{self.ends_at}"


class CoverageNotice(models.Model):
    """A coverage gap already announced (a language with nobody on shift from `starts_at`),
    so the periodic check announces each gap once."""

    language = models.CharField(max_length=16)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["language", "starts_at"], name="sla_coverage_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.language} {self.starts_at}"
