"""The e-mail ChannelAdapter: outbound delivery. See docs/architecture.md#e-mail.

`deliver()` is called by the outbox task (tickets.tasks.deliver_message) after the reply
committed. It registers the mail's Message-ID as a thread key of the ticket before sending,
so the customer's answer threads even if it arrives before the delivery is recorded, then
sends through Django's default mailer (SMTP from VIGIL_EMAIL_URL, or an Anymail
provider). A 4xx, a timeout or a refused connection is temporary (retried with back-off);
a 5xx refusal of every recipient is permanent and shown on the ticket.
"""

from __future__ import annotations

import smtplib
import ssl

from django.core.mail import mailers

from vigil.channels.base import Capability, ChannelAdapter, DeliveryError, DeliveryReceipt
from vigil.channels.choices import ChannelKind
from vigil.channels.email import tasks as _tasks  # noqa: F401 - registers periodic jobs
from vigil.channels.email.outbound import build_mail, email_outbound_prepare, envelope_for
from vigil.channels.models import ChannelAccount
from vigil.channels.registry import register
from vigil.tickets.models import Message


@register
class EmailAdapter(ChannelAdapter):
    kind = ChannelKind.EMAIL
    capabilities = frozenset(
        {
            Capability.OUTBOUND,
            Capability.THREADS,
            Capability.ATTACHMENTS,
            Capability.HTML,
            Capability.SUBJECT,
        }
    )

    def deliver(self, *, account: ChannelAccount | None, message: Message) -> DeliveryReceipt:
        plan = email_outbound_prepare(account=account, message=message)
        envelope = envelope_for(
            account=plan.account,
            message=message,
            ticket=message.ticket,
            recipients=plan.to,
            cc=plan.cc,
            message_id=plan.message_id,
            thread_ids=plan.thread_ids,
            parent_id=plan.parent_id,
        )
        mail = build_mail(envelope=envelope, message=message)
        try:
            with mailers.default as connection:
                sent = connection.send_messages([mail])
        except Exception as exc:
            raise classify_send_error(exc) from exc
        if not sent:
            raise DeliveryError("the mail backend accepted nothing", permanent=False)
        return DeliveryReceipt(external_id=plan.message_id)


def classify_send_error(exc: Exception) -> DeliveryError:
    """Temporary (retry later) or permanent (show on the ticket), by what the server said."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        detail = "; ".join(
            f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items()
        )
        return DeliveryError(f"recipients refused: {detail}", permanent=permanent)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryError(f"mail server login failed: {exc.smtp_code}", permanent=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        permanent = 500 <= exc.smtp_code < 600
        return DeliveryError(
            f"mail server said {exc.smtp_code} {_text(exc.smtp_error)}", permanent=permanent
        )
    if isinstance(exc, (OSError, smtplib.SMTPException, ssl.SSLError)):
        return DeliveryError(f"mail server unreachable: {exc}", permanent=False)
    return _anymail_error(exc)


def _anymail_error(exc: Exception) -> DeliveryError:
    from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused

    if isinstance(exc, AnymailRecipientsRefused):
        return DeliveryError(f"provider refused the recipients: {exc}", permanent=True)
    if isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None)
        permanent = status is not None and 400 <= status < 500 and status not in (408, 429)
        return DeliveryError(f"provider error {status}: {exc}", permanent=permanent)
    return DeliveryError(f"sending failed: {type(exc).__name__}: {exc}", permanent=False)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
