from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Live chat")
    TELEGRAM = "telegram", _("Telegram")
    WEBFORM = "webform", _("Web form")
    PORTAL = "portal", _("Customer portal")
    API = "api", _("API")
