"""Background jobs of the e-mail channel. See docs/architecture.md#tasks.

Outbound mail needs no task of its own: replies and acknowledgements go through the outbox
(`tickets.tasks.deliver_message` -> `EmailAdapter.deliver`). These jobs only forget what is
no longer needed; running one twice changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from vigil.channels.email.acknowledgements import ACK_WINDOW
from vigil.channels.email.webhooks import webhook_receipts_prune
from vigil.channels.models import AutoReplyLog
from vigil.core.registry import periodic


@periodic(every=timedelta(hours=1))
@task(queue_name="maintenance")
def prune_email_state() -> int:
    """Drop webhook replay tokens past their window and auto-reply log rows past the cap's
    window. No retry: the next run catches up."""
    cutoff = timezone.now() - ACK_WINDOW - timedelta(hours=1)
    logs, _ = AutoReplyLog.objects.filter(sent_at__lt=cutoff).delete()
    return webhook_receipts_prune() + logs
