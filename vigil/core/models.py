"""Core records: the ordered, durable event log behind real-time updates.

See docs/architecture.md#events.
"""

from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    """Abstract base: every business record knows when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class EventStream(models.Model):
    """A named, gapless sequence of events (the agents' desk, one chat session, ...).

    `last_seq` is advanced under a row lock in the same transaction that stores the event, so
    sequence numbers are handed out in commit order: a client that has seen N and asks for
    everything after N never misses one and never gets one twice.
    """

    name = models.CharField(max_length=120, unique=True)
    last_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}@{self.last_seq}"


class Event(models.Model):
    """One published event, kept for a while so reconnecting clients can catch up."""

    stream = models.ForeignKey(EventStream, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    type = models.CharField(max_length=80)
    payload = models.JSONField()
    # Who may receive it: members of team_id, plus agent_id; both None = everyone on the stream.
    team_id = models.BigIntegerField(null=True, blank=True)
    agent_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="core_event_stream_seq_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.stream_id}#{self.seq} {self.type}"


class PeriodicRun(models.Model):
    """When a periodic job was last enqueued. Processes race to advance `last_enqueued_at`
    with a conditional update, so each period enqueues the job once however many schedulers
    run."""

    name = models.CharField(max_length=200, unique=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
