"""Choices of the SLA app: target kinds, ticket SLA states, shift exception kinds. See
docs/architecture.md#slas."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class SlaState(models.TextChoices):
    """Ticket.sla_state: how its earliest open target stands ("" = no target)."""

    NONE = "", _("No SLA")
    OK = "ok", _("On time")
    WARNING = "warning", _("Due soon")
    BREACHED = "breached", _("Breached")
    PAUSED = "paused", _("Paused")


class ExceptionKind(models.TextChoices):
    OFF = "off", _("Time off")
    EXTRA = "extra", _("Extra shift")
