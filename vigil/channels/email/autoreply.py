# ruff: noqa: RUF001
"""Which mail must never get an automatic answer. See docs/architecture.md#e-mail.

`classify_automatic(parsed, own_addresses=..., own_message_ids=...)` returns an
`AutoVerdict` whose `reason` is one of:

* `"bounce"`: a delivery status notification (multipart/report; report-type=delivery-status,
  RFC 3464), mail from MAILER-DAEMON / postmaster, `X-Failed-Recipients`, or a bounce subject.
  `bounce_of` is then the Message-ID of the mail that bounced, read from the returned
  message/rfc822 or text/rfc822-headers part, or from the body.
* `"loop"`: the desk's own mail coming back: sent from one of our addresses, carrying our
  `X-Vigil-*` headers, or bearing one of our Message-IDs.
* `"auto_reply"`: RFC 3834 `Auto-Submitted` other than `no`, `X-Autoreply`, `X-Autorespond`,
  `X-Auto-Response-Suppress`, Exchange rule/OOF headers, read receipts, no-reply senders, and
  out-of-office subjects or bodies in English, Chinese, Japanese and other languages.
* `"list"`: `Precedence: bulk/junk/list`, `List-Id`, `List-Unsubscribe` with bulk traits.

Headers decide first; subject and body heuristics only run when the headers are silent, and
the body check reads the visible (quote-stripped) text only, so a human reply that quotes an
out-of-office notice, or whose subject is "Re: Automatic reply", is not an auto-reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vigil.channels.email.parsing.headers import message_ids
from vigil.channels.email.parsing.model import ParsedEmail
from vigil.channels.email.quotes import strip_parsed

AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"
LIST = "list"
LOOP = "loop"


@dataclass(frozen=True, slots=True)
class AutoVerdict:
    reason: str | None = None
    bounce_of: str | None = None
    evidence: str | None = None

    @property
    def is_automatic(self) -> bool:
        return self.reason is not None


_BOUNCE_SENDERS = re.compile(
    r"^(?:mailer-daemon|mailer_daemon|mailerdaemon|postmaster|mail-daemon|"
    r"mail\.delivery\.subsystem|bounces?|bounce-notification|dsn|nobody-dsn|maildelivery)"
    r"(?:[+-][^@]*)?@",
    re.I,
)
_BOUNCE_NAMES = re.compile(
    r"mail delivery (?:subsystem|system|failure)|mailer[- ]daemon|postmaster|"
    r"microsoft outlook|系统退信|退信|邮件系统|メールシステム",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliverable|undelivered mail|undeliverable mail|delivery status notification|"
    r"delivery (?:status notification|notification|failure|has failed|failed)|"
    r"mail delivery (?:failed|failure|system)|returned mail|failure notice|"
    r"message (?:not delivered|delivery failure|undeliverable)|nondeliverable|non-delivery|"
    r"mail system error|could not send message|delivery report|"
    r"unzustellbar|non remis|non recapitabile|no se puede entregar|"
    r"系统退信|退信|邮件投递失败|投递失败|郵件傳遞失敗|無法傳遞|无法投递|"
    r"配信不能|配信エラー|配信失敗|未配達|undelivered|returned to sender)",
    re.I,
)
_DELAY_SUBJECT = re.compile(
    r"\(delay\)|delayed \d+ hours|message delayed|delivery delayed|warning: message .* delayed|"
    r"delivery status notification \(delay\)|still being retried|延迟投递|投递延迟|配信遅延",
    re.I,
)
_NOREPLY = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|noreply-\w+|notifications?|"
    r"auto[-_.]?(?:reply|responder|confirm|mailer)|mailer|daemon)(?:[+-][^@]*)?@",
    re.I,
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:\[?(?:automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|auto[- ]?generated|"
    r"automatic response|out of (?:the )?office|ooo\b|away from (?:the )?office|"
    r"on vacation|vacation reply|holiday reply|abwesenheitsnotiz|automatische antwort|"
    r"réponse automatique|absence|respuesta automática|fuera de la oficina|"
    r"risposta automatica|resposta automática|autosvar|automatisch antwoord|"
    r"автоответ|自动回复|自動回覆|自動回复|自动答复|自動答覆|休假|不在办公室|不在辦公室|外出|"
    r"自動返信|自動応答|不在|休暇|自動回答|부재중|자동 응답))",
    re.I,
)
_HUMAN_PREFIX = re.compile(r"^\s*(?:re|fw|fwd|aw|wg|sv|vs|答复|回复|回覆|轉寄|转发)\s*[:：]", re.I)
_AUTO_BODY_STRONG = re.compile(
    r"(?:this is an? auto(?:matic|mated)(?:ally generated)? (?:reply|response|message)|"
    r"i am (?:currently )?(?:out of (?:the )?office|away|on (?:annual |parental |sick )?"
    r"(?:leave|vacation|holiday))|i'm (?:currently )?(?:out of (?:the )?office|away from|"
    r"on (?:leave|vacation|holiday))|i will be out of (?:the )?office|"
    r"(?:with )?(?:limited|no) access to (?:my )?e-?mail|"
    r"this mailbox is (?:not|no longer) monitored|"
    r"自动回复|自動回覆|自動回复|我(?:目前|现在|正在)?(?:正在)?休假|休假中|不在办公室|不在辦公室|"
    r"我目前不在|本邮件为自动回复|此邮件为自动回复|自動返信|不在にしております|休暇を(?:いただいて|取って)|"
    r"不在のため|ご返信が遅れ|出張中のため|自動送信)",
    re.I,
)
_AUTO_BODY_SECOND = re.compile(
    r"(?:auto(?:matic|mated)?|until|return(?:ing)? on|back (?:on|in the office)|"
    r"in my absence|urgent|自动|自動|返回|回来|期间|期間|戻り|戻ります|ご連絡|至\s*\d|までの間|"
    r"\d{1,2}月\d{1,2}日)",
    re.I,
)
_AUTO_HEADERS = {
    "x-autoreply": None,
    "x-autorespond": None,
    "x-autoresponder": None,
    "x-autogenerated": None,
    "x-auto-generated": None,
    "x-ms-exchange-generated-message-source": None,
    "x-ms-exchange-inbox-rules-loop": None,
    "x-ms-exchange-organization-autoreply": None,
    "x-amazon-autoreply": None,
    "x-auto-reply": None,
    "x-autoresponse": None,
    "x-autoreply-from": None,
    "x-mail-autoreply": None,
    "x-loop": None,
    "x-cron-env": None,
    "x-zammad-is-auto-response": None,
    "x-otrs-loop": None,
}
_BULK_TRAITS = (
    "list-unsubscribe-post",
    "feedback-id",
    "x-campaign",
    "x-campaign-id",
    "x-campaignid",
    "x-mailchimp-campaign",
    "x-mc-user",
    "x-sg-eid",
    "x-mailgun-tag",
    "x-csa-complaints",
    "x-mailer-recptid",
    "x-sfmc-stack",
    "x-job",
    "x-newsletter",
    "x-marketing",
    "x-bulk",
)
_BULK_MAILERS = re.compile(
    r"mailchimp|sendgrid|sendinblue|brevo|mailgun|campaign|newsletter|marketo|hubspot|"
    r"constant contact|mailjet|phplist|acumbamail|klaviyo|salesforce marketing",
    re.I,
)
_MSGID_IN_TEXT = re.compile(r"^\s*(?:>\s*)?Message-ID\s*:\s*(<[^<>\s]+>|\S+@\S+)", re.I | re.M)


def _id_checker(own_message_ids: Callable[[str], bool] | Iterable[str]) -> Callable[[str], bool]:
    if callable(own_message_ids):
        return own_message_ids
    known = {m.strip("<>").lower() for m in own_message_ids}
    return lambda mid: mid.strip("<>").lower() in known


def classify_automatic(
    parsed: ParsedEmail,
    *,
    own_addresses: set[str] | frozenset[str] = frozenset(),
    own_message_ids: Callable[[str], bool] | Iterable[str] = (),
    visible: str | None = None,
) -> AutoVerdict:
    """Say why `parsed` must get no automatic answer, or return AutoVerdict(None).
    `visible` is the quote-stripped text when the caller has it already (else stripped here)."""
    is_own = _id_checker(own_message_ids)
    own = {a.lower() for a in own_addresses}
    if evidence := _bounce_evidence(parsed):
        if _only_delayed(parsed) or _DELAY_SUBJECT.search(parsed.subject or ""):
            # a warning, not a failure: nothing to mark as failed
            return AutoVerdict(AUTO_REPLY, None, "delivery delay notification")
        return AutoVerdict(BOUNCE, _bounced_message_id(parsed, is_own), evidence)
    if evidence := _loop_evidence(parsed, own, is_own):
        return AutoVerdict(LOOP, None, evidence)
    if evidence := _auto_header_evidence(parsed):
        return AutoVerdict(AUTO_REPLY, None, evidence)
    if evidence := _list_evidence(parsed):
        return AutoVerdict(LIST, None, evidence)
    if evidence := _auto_content_evidence(parsed, visible):
        return AutoVerdict(AUTO_REPLY, None, evidence)
    return AutoVerdict()


# --- bounces -------------------------------------------------------------------------------


def _bounce_evidence(parsed: ParsedEmail) -> str | None:
    report = (parsed.report_type or "").lower()
    if parsed.content_type == "multipart/report" and report in ("delivery-status", ""):
        return "multipart/report delivery-status"
    if parsed.delivery_status:
        return "message/delivery-status part"
    if parsed.has_header("X-Failed-Recipients"):
        return "X-Failed-Recipients"
    sender = parsed.from_address or ""
    name = parsed.sender.name if parsed.sender else ""
    subject_bounce = bool(_BOUNCE_SUBJECT.match(parsed.subject or ""))
    if _BOUNCE_SENDERS.match(sender):
        return f"sender {sender}"
    return_path = (parsed.header("Return-Path") or "").strip()
    if subject_bounce and (return_path in ("<>", "") or _BOUNCE_NAMES.search(name)):
        return "bounce subject from a null sender"
    if subject_bounce and not _HUMAN_PREFIX.match(parsed.subject):
        return "bounce subject"
    return None


def _only_delayed(parsed: ParsedEmail) -> bool:
    status = (parsed.delivery_status or "").lower()
    actions = set(re.findall(r"^\s*action\s*:\s*([a-z]+)", status, re.M))
    return (
        bool(actions)
        and "failed" not in actions
        and actions
        <= {
            "delayed",
            "delivered",
            "relayed",
            "expanded",
        }
    )


def _bounced_message_id(parsed: ParsedEmail, is_own: Callable[[str], bool]) -> str | None:
    candidates: list[str] = []
    for fwd in parsed.forwarded:
        if fwd.message_id:
            candidates.append(fwd.message_id)
    for block in (parsed.returned_headers or "", parsed.text or ""):
        for m in _MSGID_IN_TEXT.finditer(block):
            candidates.extend(message_ids(m.group(1)) or [m.group(1).strip("<>")])
    candidates.extend(parsed.references)
    if parsed.in_reply_to:
        candidates.append(parsed.in_reply_to)
    candidates = [c for c in dict.fromkeys(candidates) if c != parsed.message_id]
    for candidate in candidates:
        if is_own(candidate):
            return candidate
    return candidates[0] if candidates else None


# --- loops ---------------------------------------------------------------------------------


def _loop_evidence(parsed: ParsedEmail, own: set[str], is_own: Callable[[str], bool]) -> str | None:
    if parsed.from_address and parsed.from_address in own:
        return f"sent from our own address {parsed.from_address}"
    for name, _value in parsed.headers:
        if name.lower().startswith("x-vigil-"):
            return f"our own {name} header came back"
    if parsed.message_id and is_own(parsed.message_id):
        return "our own Message-ID came back"
    return None


# --- auto-replies and lists ----------------------------------------------------------------


def _auto_header_evidence(parsed: ParsedEmail) -> str | None:
    auto = (parsed.header("Auto-Submitted") or "").strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}"
    for name, _value in parsed.headers:
        lname = name.lower()
        if lname in _AUTO_HEADERS and (_value or "").strip().lower() not in ("no", "false", "0"):
            return name
    suppress = (parsed.header("X-Auto-Response-Suppress") or "").strip()
    if suppress:
        return f"X-Auto-Response-Suppress: {suppress}"
    precedence = (parsed.header("Precedence") or parsed.header("X-Precedence") or "").lower()
    if "auto_reply" in precedence or "auto-reply" in precedence:
        return f"Precedence: {precedence}"
    if "autoresponder" in (parsed.header("X-POST-MessageClass") or "").lower():
        return "X-POST-MessageClass"
    if (parsed.report_type or "").lower() == "disposition-notification":
        return "read receipt"
    if parsed.content_type == "multipart/report":
        return f"report ({parsed.report_type})"
    if (parsed.header("Return-Path") or "").strip() == "<>":
        return "null envelope sender"
    return None


def _list_evidence(parsed: ParsedEmail) -> str | None:
    precedence = (parsed.header("Precedence") or parsed.header("X-Precedence") or "").lower()
    if precedence.strip() in ("bulk", "junk", "list"):
        return f"Precedence: {precedence.strip()}"
    for name in ("List-Id", "Mailing-List", "X-Mailing-List", "List-Post", "X-List"):
        if parsed.has_header(name):
            return name
    if parsed.has_header("List-Unsubscribe"):
        traits = [t for t in _BULK_TRAITS if parsed.has_header(t)]
        mailer = parsed.header("X-Mailer") or ""
        if traits or _BULK_MAILERS.search(mailer) or _NOREPLY.match(parsed.from_address or ""):
            return "List-Unsubscribe with bulk traits"
    return None


def _auto_content_evidence(parsed: ParsedEmail, visible: str | None) -> str | None:
    if _NOREPLY.match(parsed.from_address or ""):
        return f"no-reply sender {parsed.from_address}"
    subject = parsed.subject or ""
    if not _HUMAN_PREFIX.match(subject) and _AUTO_SUBJECT.match(subject):
        return "out-of-office subject"
    if visible is None:
        visible = strip_parsed(parsed).visible
    head = visible[:600]
    if len(visible) > 1500 or not _AUTO_BODY_STRONG.search(head):
        return None
    if _HUMAN_PREFIX.match(subject) and parsed.in_reply_to and not _AUTO_SUBJECT.search(subject):
        return None  # a human answer that mentions being away
    if _AUTO_BODY_SECOND.search(head) or _AUTO_SUBJECT.search(subject[:80]):
        return "out-of-office body"
    return None
