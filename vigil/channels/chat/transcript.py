"""The transcript of an ended chat, e-mailed to the visitor. See docs/architecture.md#live-chat.

Written in the chat's language (English, 简体中文, 日本語) and stored as an automatic outbound
e-mail message of the chat's ticket (once per session), then sent through the e-mail outbox
like any reply: from the first active support address, threaded to the ticket, retried on a
temporary failure.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from vigil.channels.chat.selectors import chat_transcript
from vigil.channels.choices import ChannelKind
from vigil.channels.email.outbound import AUTO_KIND_KEY
from vigil.channels.models import ChannelAccount, ChatSession
from vigil.core.events import on_commit
from vigil.tickets.choices import ActivityKind, DeliveryStatus, Direction
from vigil.tickets.models import Message
from vigil.tickets.services import activity_add

logger = logging.getLogger(__name__)

TRANSCRIPT = "chat_transcript"

STRINGS = {
    "en": {
        "subject": "Your chat with {desk} ({reference})",
        "intro": "Here is the transcript of your chat with {desk} on {date} (UTC).",
        "you": "You",
        "agent": "Support",
        "files": "files",
        "outro": "Reply to this e-mail if you need anything else; it reaches the same ticket.",
    },
    "zh-hans": {
        "subject": "您与{desk}的聊天记录（{reference}）",  # noqa: RUF001
        "intro": "以下是您于 {date}（UTC）与{desk}的聊天记录。",  # noqa: RUF001
        "you": "您",
        "agent": "客服",
        "files": "附件",
        "outro": "如需进一步帮助，请直接回复此邮件，回复将归入同一工单。",  # noqa: RUF001
    },
    "ja": {
        "subject": "{desk}とのチャット記録（{reference}）",  # noqa: RUF001
        "intro": "{date}（UTC）の{desk}とのチャットの記録です。",  # noqa: RUF001
        "you": "お客様",
        "agent": "サポート",
        "files": "ファイル",
        "outro": "ほかにご用件があれば、このメールにご返信ください。同じチケットに届きます。",
    },
}


def transcript_render(*, session: ChatSession, desk: str) -> tuple[str, str]:
    """(subject, text) of a chat's transcript in its language."""
    words = STRINGS.get(session.language, STRINGS["en"])
    started = session.queued_at or session.created_at
    lines = [words["intro"].format(desk=desk, date=f"{started:%Y-%m-%d}"), ""]
    for item in chat_transcript(session):
        at = datetime.fromisoformat(item["at"]).astimezone(UTC)
        who = words["you"] if item["author"] == "customer" else item["agent_name"] or words["agent"]
        lines.append(f"[{at:%H:%M}] {who}: {item['text']}".rstrip())
        if item["attachments"]:
            names = ", ".join(a["filename"] for a in item["attachments"])
            lines.append(f"    ({words['files']}: {names})")
    lines += ["", words["outro"]]
    subject = words["subject"].format(desk=desk, reference=session.ticket.reference)
    return subject, "\n".join(lines)


def chat_transcript_send(*, session_id: int) -> Message | None:
    """Store the transcript mail once and send it after the commit; None when there is
    nobody to send it to (no e-mail given) or nothing to send it from (no support address)."""
    from vigil.tickets.tasks import deliver_message_now

    session = ChatSession.objects.select_related("ticket", "account").get(pk=session_id)
    if not session.email:
        return None
    sender = (
        ChannelAccount.objects.filter(kind=ChannelKind.EMAIL, is_active=True).order_by("id").first()
    )
    if sender is None:
        logger.warning("chat %s: no support e-mail address to send the transcript from", session_id)
        return None
    with transaction.atomic():
        ChatSession.objects.select_for_update().filter(pk=session.pk).first()
        message = Message.objects.filter(
            ticket_id=session.ticket_id, **{f"metadata__{AUTO_KIND_KEY}": TRANSCRIPT}
        ).first()
        if message is None:
            desk = (session.account.settings or {}).get("title") or session.account.name
            subject, text = transcript_render(session=session, desk=desk)
            message = Message.objects.create(
                ticket=session.ticket,
                direction=Direction.OUTBOUND,
                channel=ChannelKind.EMAIL,
                channel_account=sender,
                subject=subject[:300],
                text=text,
                delivery_status=DeliveryStatus.PENDING,
                metadata={AUTO_KIND_KEY: TRANSCRIPT, "automatic": True, "chat": session.pk},
                created_at=timezone.now(),
            )
            activity_add(
                ticket=session.ticket,
                kind=ActivityKind.MESSAGE,
                data={"message_id": message.pk, "direction": Direction.OUTBOUND, "automatic": True},
            )
        if message.delivery_status == DeliveryStatus.PENDING:
            message_id = message.pk
            on_commit(lambda: deliver_message_now(message_id=message_id))
    return message
