"""HTTP entry points of the e-mail channel: provider inbound webhooks. See
docs/architecture.md#e-mail.

Thin: find the support account named in the URL, hand the request to
`webhooks.email_webhook_receive`, answer 200 after the commit, a 4xx when the request is
refused (bad signature 403, bad payload 400, replay 409), 503 when storage failed so the
provider retries.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from vigil.channels.choices import ChannelKind
from vigil.channels.email.webhooks import WebhookRefused, email_webhook_receive
from vigil.channels.models import ChannelAccount
from vigil.core.errors import VigilError

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def inbound_webhook(request: HttpRequest, provider: str, account_id: int) -> JsonResponse:
    account = ChannelAccount.objects.filter(
        pk=account_id, kind=ChannelKind.EMAIL, is_active=True
    ).first()
    if account is None:
        return JsonResponse({"detail": "no such support address"}, status=404)
    try:
        received = email_webhook_receive(provider=provider, account=account, request=request)
    except WebhookRefused as exc:
        logger.warning("%s webhook for %s refused: %s", provider, account, exc.message)
        return JsonResponse({"detail": exc.message}, status=exc.status)
    except VigilError as exc:
        return JsonResponse({"detail": exc.message, "code": exc.code}, status=422)
    except DatabaseError:
        logger.exception("%s webhook for %s: storage failed", provider, account)
        response = JsonResponse({"detail": "temporarily unavailable, retry"}, status=503)
        response["Retry-After"] = "60"
        return response
    return JsonResponse(
        {
            "stored": [
                {
                    "ticket": r.ticket.reference,
                    "message": r.message.pk,
                    "duplicate": r.duplicate,
                }
                for r in received
            ]
        }
    )
