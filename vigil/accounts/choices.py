from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TIER1 = "tier1", _("Tier 1")
    TIER2 = "tier2", _("Tier 2")
    TIER3 = "tier3", _("Tier 3")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Admin")


# Roles that see every ticket on the desk, whatever its team.
DESK_WIDE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")
