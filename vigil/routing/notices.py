# ruff: noqa: RUF001 - native CJK punctuation is intended
"""The automatic security notice a customer gets after pasting a secret. See
docs/architecture.md#triage.

Sent once per ticket, in the customer's language (en, zh-hans, zh-hant, ja; English otherwise),
through the channel an agent's reply would take, like the e-mail acknowledgement: an outbound
message with a pending delivery, delivered by the outbox after the commit. It is marked
`metadata["automatic"] = True` (and `auto`, which e-mail turns into `Auto-Submitted`), so it
never counts as an agent's response for SLAs and never sets `first_response_at`.
"""

from __future__ import annotations

from django.db.transaction import on_commit
from django.utils import timezone

from vigil.channels.selectors import reply_route
from vigil.core.services import rows_insert
from vigil.tickets.choices import ActivityKind, DeliveryStatus, Direction
from vigil.tickets.models import Message, Ticket
from vigil.tickets.services import activity_add, publish_message_added

SECURITY_NOTICE = "security_notice"

NOTICES: dict[str, tuple[str, str]] = {
    "en": (
        "Security notice: never share your recovery phrase or keys",
        "For your safety we removed the secret you sent (a recovery phrase, private key or API "
        "secret) from your message. Our support desk will never ask for your seed phrase, "
        "private keys or API secrets.\n\nIf anyone else may have seen it, treat it as exposed: "
        "move your funds to a new wallet now and revoke or replace the keys. An agent will "
        "continue with your request.",
    ),
    "zh-hans": (
        "安全提醒：请勿分享助记词或密钥",
        "为了您的安全，我们已从您的消息中删除了您发送的敏感信息（助记词、私钥或 API 密钥）。"
        "我们的客服绝不会向您索要助记词、私钥或 API 密钥。\n\n"
        "如果该信息可能已被他人看到，请视为已泄露：请立即将资产转移到新钱包，并撤销或更换相关密钥。"
        "客服人员会继续处理您的问题。",
    ),
    "zh-hant": (
        "安全提醒：請勿分享助記詞或金鑰",
        "為了您的安全，我們已從您的訊息中刪除您傳送的敏感資訊（助記詞、私鑰或 API 金鑰）。"
        "我們的客服絕不會向您索取助記詞、私鑰或 API 金鑰。\n\n"
        "如果該資訊可能已被他人看到，請視為已外洩：請立即將資產轉移到新錢包，並撤銷或更換相關金鑰。"
        "客服人員會繼續處理您的問題。",
    ),
    "ja": (
        "セキュリティのお知らせ：リカバリーフレーズや秘密鍵を共有しないでください",
        "お客様の安全のため、送信されたリカバリーフレーズ・秘密鍵・APIシークレットをメッセージから"
        "削除しました。サポートデスクがシードフレーズ、秘密鍵、APIシークレットをお尋ねすることは"
        "決してありません。\n\n第三者に見られた可能性がある場合は漏洩したものとして扱い、"
        "直ちに資産を新しいウォレットへ移し、キーを無効化または再発行してください。"
        "担当者が引き続きご対応いたします。",
    ),
}


def notice_text(language: str) -> tuple[str, str]:
    """(subject, body) of the security notice in `language`, English when not served."""
    return NOTICES.get(language, NOTICES["en"])


def security_notice_queue(*, ticket: Ticket, language: str) -> Message | None:
    """Store the notice with a pending delivery (sent after the commit); None when the customer
    cannot be reached on any channel that sends. Runs inside the caller's transaction."""
    route = reply_route(ticket=ticket)
    if route is None:
        return None
    code = language if language in NOTICES else "en"
    title, body = notice_text(code)
    message = Message(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        channel=route.kind,
        channel_account=route.account,
        subject=title[:300],
        text=body + "\n",
        delivery_status=DeliveryStatus.PENDING,
        metadata={"automatic": True, "auto": SECURITY_NOTICE, "language": code},
        created_at=timezone.now(),
    )
    rows_insert([message])
    activity_add(
        ticket=ticket,
        kind=ActivityKind.MESSAGE,
        data={"message_id": message.pk, "direction": Direction.OUTBOUND, "automatic": True},
    )
    publish_message_added(ticket=ticket, message=message)
    from vigil.tickets.tasks import deliver_message

    message_id = message.pk
    on_commit(lambda: deliver_message.enqueue(message_id=message_id))
    return message
