from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending customer")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


# The statuses in which a ticket still needs the desk.
UNSOLVED_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.PENDING,
    TicketStatus.ON_HOLD,
)


class Priority(models.IntegerChoices):
    """Stored as a number so the inbox can order by it with an index."""

    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


PRIORITY_BY_NAME = {p.name.lower(): p for p in Priority}


class Category(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    ACCOUNT_ACCESS = "account_access", _("Account access and 2FA")
    TRADING = "trading", _("Trading and liquidation")
    API = "api", _("API")
    KYC = "kyc", _("KYC")
    SECURITY = "security", _("Security")
    FEES = "fees", _("Fees")
    OTHER = "other", _("Other")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("From customer")
    OUTBOUND = "outbound", _("To customer")
    NOTE = "note", _("Internal note")


class DeliveryStatus(models.TextChoices):
    NOT_APPLICABLE = "n/a", _("Not applicable")
    PENDING = "pending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class ActivityKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    PRIORITY = "priority", _("Priority changed")
    ASSIGNEE = "assignee", _("Assignee changed")
    TEAM = "team", _("Team changed")
    TAGS = "tags", _("Tags changed")
    CATEGORY = "category", _("Category changed")
    LANGUAGE = "language", _("Language changed")
    SUBJECT = "subject", _("Subject changed")
    MESSAGE = "message", _("Message added")
    DELIVERY = "delivery", _("Delivery")
    SLA = "sla", _("SLA")
    ACTION = "action", _("Sensitive action")
