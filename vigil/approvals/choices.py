"""Kinds and states of sensitive actions.

See docs/architecture.md#sensitive-actions-and-approvals.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionKind(models.TextChoices):
    UNLOCK_ACCOUNT = "unlock_account", _("Unlock account")
    RESET_2FA = "reset_2fa", _("Reset 2FA")
    WHITELIST_ADDRESS = "whitelist_address", _("Whitelist a withdrawal address")
    RELEASE_WITHDRAWAL = "release_withdrawal", _("Release a held withdrawal")
    BALANCE_ADJUST = "balance_adjust", _("Adjust a balance")


class ActionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    EXECUTING = "executing", _("Executing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed (retryable)")
    REJECTED = "rejected", _("Rejected by the exchange")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired")


# States from which nothing more happens.
FINAL_STATES = frozenset(
    {ActionStatus.DONE, ActionStatus.REJECTED, ActionStatus.REFUSED, ActionStatus.EXPIRED}
)
