from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("E-mail address")
    TELEGRAM = "telegram", _("Telegram chat")
    CHAT = "chat", _("Chat visitor")
    PHONE = "phone", _("Phone number")
    API = "api", _("API reference")


class VipTier(models.IntegerChoices):
    NONE = 0, _("Regular")
    SILVER = 1, _("Silver")
    GOLD = 2, _("Gold")
    PLATINUM = 3, _("Platinum")
    INSTITUTIONAL = 4, _("Institutional")
