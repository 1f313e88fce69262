from django.db import models
from django.utils.translation import gettext_lazy as _


class Strategy(models.TextChoices):
    """How a team's new tickets reach its agents."""

    LEAST_LOADED = "least_loaded", _("Least loaded (push)")
    ROUND_ROBIN = "round_robin", _("Round robin (push)")
    PULL = "pull", _("Agents pull with Next ticket")
