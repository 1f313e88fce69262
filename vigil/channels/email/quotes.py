# ruff: noqa: RUF001, RUF002
"""Reply and signature stripping: keep only the new text of a mail. See
docs/architecture.md#e-mail.

`strip_reply(text, html=...)` splits a body into what the sender wrote now (`visible`), the
quoted earlier mail (`quoted`) and a trailing signature (`signature`). It recognises:

* quote headers ("splitters"): `On <date>, X <a@b> wrote:` in many languages and wrapped over
  up to three lines, `在 ... 写道：`, `於 ... 寫道：`, `2024年1月1日(月) 10:00 山田 <a@b>:`,
  `... のメール:`, date-then-address lines, `-----Original Message-----`, `---- 原始邮件 ----`,
  `元のメッセージ`, and Outlook-style header blocks (`From:/Sent:/To:/Subject:`, `发件人：`,
  `寄件者：`, `差出人:` ...), optionally under a line of underscores;
* `>` quoted blocks, top-posted, bottom-posted or interleaved (an interleaved reply keeps its
  quotes, since the answers make no sense without them);
* signatures: the `-- ` delimiter, mobile taglines (`Sent from my iPhone`, `从我的iPhone发送`,
  `iPhoneから送信`, `Get Outlook for iOS` ...), trailing list footers under underscores;
* in HTML-only mail, the containers clients put quotes and signatures in (see
  `parsing.html`).

Forwarded mail (`Begin forwarded message:`, `---------- Forwarded message ---------`) is new
content and is kept. The visible text is never empty when the mail has any text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vigil.channels.email.parsing.html import CUT, SIG, html_to_text
from vigil.channels.email.parsing.model import ParsedEmail


@dataclass(frozen=True, slots=True)
class StrippedReply:
    visible: str
    quoted: str
    signature: str


# --- line patterns -------------------------------------------------------------------------

_QUOTE = re.compile(r"^[ \t]{0,3}(?:>|＞)")

_ORIGINAL = re.compile(
    r"^\s*[*_]*\s*-{2,}\s*(?:original message|reply message|original e-?mail|"
    r"ursprüngliche nachricht|antwort nachricht|message d'origine|mensaje original|"
    r"messaggio originale|mensagem original|oorspronkelijk bericht|originalmeddelande|"
    r"oprindelig meddelelse|opprinnelig melding|alkuperäinen viesti|исходное сообщение|"
    r"原始邮件|原始郵件|原始信件|回复的原邮件|原邮件|邮件原文|原郵件|元のメッセージ|"
    r"オリジナル ?メッセージ|원본 메시지|original)\s*-{2,}\s*[*_]*\s*$",
    re.I,
)
_FORWARD = re.compile(
    r"^\s*(?:[*_]*\s*-{2,}\s*(?:forwarded message|forwarded e-?mail|weitergeleitete nachricht|"
    r"message transféré|mensaje reenviado|messaggio inoltrato|转发的邮件|轉寄的郵件|转发邮件|"
    r"転送されたメッセージ|転送メッセージ|전달된 메시지)\s*-{2,}[*_]*|"
    r"begin forwarded message\s*:|début du message réexpédié\s*:|开始转发的邮件\s*[:：]|"
    r"開始轉寄的郵件\s*[:：]|転送されたメッセージ\s*[:：]|"
    r"anfang der weitergeleiteten nachricht\s*:)"
    r"\s*$",
    re.I,
)
_COPY_BELOW = re.compile(
    r"^\s*-{2,}\s*(?:below this line is a copy of the message\.?|this is a copy of the message, "
    r"including all the headers\.?\s*-*|original message follows\.?\s*-*)\s*$",
    re.I,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")

_FROM_NAMES = (
    r"from|发件人|發件人|寄件者|寄件人|差出人|送信者|de|von|van|da|fra|från|от|보낸 사람|"
    r"expéditeur|remitente"
)
_OTHER_NAMES = (
    r"sent|date|to|cc|bcc|subject|reply-to|enviada em|enviado em|data|发送时间|發送時間|"
    r"时间|時間|日期|收件人|收件者|抄送|副本|"
    r"主题|主題|主旨|寄件日期|傳送時間|送信日時|日時|宛先|件名|envoyé|à|objet|gesendet|an|"
    r"betreff|datum|enviado|enviada|para|asunto|assunto|inviato|oggetto|a|verzonden|aan|"
    r"onderwerp|skickat|till|ämne|sendt|til|emne|отправлено|кому|тема|보낸 날짜|받는 사람|제목"
)
_HEADER = re.compile(
    rf"^\s*[*_]*(?P<name>{_FROM_NAMES}|{_OTHER_NAMES})[*_]*\s*[:：][*_]*(?P<value>.*)$", re.I
)
_FROM_HEADER = re.compile(rf"^(?:{_FROM_NAMES})$", re.I)
_SUBJECT_OR_DATE = re.compile(
    r"^(?:subject|sent|date|主题|主題|主旨|件名|发送时间|發送時間|寄件日期|傳送時間|送信日時|日期|"
    r"时间|時間|日時|objet|betreff|asunto|assunto|oggetto|onderwerp|ämne|emne|тема|제목|"
    r"envoyé|gesendet|enviado|enviada em|enviado em|data|inviato|verzonden|skickat|sendt|"
    r"отправлено|보낸 날짜|datum)$",
    re.I,
)
_CRYPTO_ADDRESS = re.compile(r"\b(?:0x[0-9a-f]{16,}|[13bcmnLT][1-9A-HJ-NP-Za-km-z]{25,})\b", re.I)

_WROTE = (
    r"wrote|writes|a écrit|schrieb|escribió|escreveu|ha scritto|schreef|napisał\(a\)|"
    r"napisała|napisał|skrev|kirjoitti|написал\(а\)|написала|написал|yazdı|έγραψε|"
    r"het volgende geschreven|geschreven|đã viết|írta|napsal|scrise"
)
_OPENERS = r"on|le|am|el|em|il|op|w dniu|dnia|den|på|at|in message|el día|pada|vào|dne"
_ON_WROTE = re.compile(rf"^[\s>-]*(?:{_OPENERS})\s.{{3,400}}?(?:{_WROTE})\s*[:：]?[\s-]*$", re.I)
_ANY_WROTE = re.compile(rf"^.{{2,400}}?\b(?:{_WROTE})\s*[:：]\s*-*$", re.I)
_WROTE_SMB = re.compile(rf"^.{{2,300}}?\b(?:{_WROTE})\b.{{1,250}}?[:：]\s*$", re.I)
_CJK_WROTE = re.compile(
    r"^.{0,400}?(?:写道|寫道|撰写|撰寫|のメール|のメッセージ|は書きました|書きました|"
    r"님이 작성|작성)\s*[:：]\s*$"
)
_DATE_EMAIL = re.compile(
    r"^[\s>]*(?:\d{4}\s*[年/.-]|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|"
    r"\w{2,10},?\s+\d{1,2}\s+\w{3,10}\.?\s+\d{4}).{0,200}?"
    r"<?[\w.+'-]+@[\w-]+(?:\.[\w-]+)+>?\s*[:：]\s*$"
)
_DATE_EMAIL_NOCOLON = re.compile(
    r"^[\s>]*\d{4}[/-]\d{1,2}[/-]\d{1,2}\s.{0,120}<[\w.+'-]+@[\w-]+(?:\.[\w-]+)+>\s*$"
)
_DASHED_WROTE = re.compile(rf"^\s*-{{2,}}\s*.{{1,120}}\b(?:{_WROTE})\s*-{{2,}}\s*$", re.I)
_SHARED_LINE = re.compile(r"^(?P<pre>.*?\S)(?P<on>\s*-*\s*On\s.{5,300}?\bwrote:)\s*$")

_SIG_DELIMITER = re.compile(r"^(?:-- ?|--|—|__|_{2,}|-{2,3} ?)\s*$")
_SIG_DASH_NAME = re.compile(r"^-\w[\w.' ]{0,40}$")
_MOBILE = re.compile(
    r"^\s*(?:"
    r"[(<]*\s*sent (?:from|via|with|using|by) [^,;:!?\n]{1,60}?[)>]*\.?|"
    r"get outlook for \w+.*|"
    r"(?:获取|取得|獲取) ?outlook for \w+.*|"
    r"outlook for (?:ios|android)\S* ?(?:を入手|(?:から|より)?送信).*|"
    r"(?:从|從|来自|來自|寄自)我的.{1,30}?(?:发送|傳送|發送|送出)?|"
    r"(?:发自|發自|来自|來自)(?:我的)?.{1,24}|"
    r".{1,30}?(?:から送信|より送信|からの送信|から送られました|から送信されました)|"
    r"envoyé (?:de|depuis) (?:mon|ma|yahoo).{0,40}|"
    r"von meinem .{1,40} gesendet|"
    r"enviado (?:desde|do) (?:mi|meu) .{1,40}|"
    r"inviato da .{1,40}|verzonden (?:vanaf|met) .{1,40}|skickat från .{1,40}|"
    r"sendt fra min .{1,40}|отправлено с .{1,40}"
    r")\s*$",
    re.I,
)
_MAX_SIG_LINES = 15


def _is_quote(line: str) -> bool:
    return bool(_QUOTE.match(line))


def _is_blank(line: str) -> bool:
    return not line.strip()


def _header_name(line: str) -> str | None:
    m = _HEADER.match(line)
    if not m or not m.group("value").strip():
        return None
    return m.group("name").strip().lower()


def _header_block(lines: list[str], i: int) -> bool:
    """Is lines[i] the first line of an embedded header block (Outlook, QQ, Foxmail ...)?"""
    first = _HEADER.match(lines[i])
    if not first or not first.group("value").strip():
        return False
    names = [first.group("name").strip().lower()]
    values = [first.group("value")]
    j, seen_blank = i + 1, 0
    while j < len(lines) and j < i + 9 and len(names) < 4:
        if _is_blank(lines[j]):
            seen_blank += 1
            if seen_blank > 1:
                break
        elif name := _header_name(lines[j]):
            names.append(name)
            values.append(lines[j])
        j += 1
    if len(names) < 2:
        return False
    if not any(_FROM_HEADER.match(n) for n in names):
        return bool(_SUBJECT_OR_DATE.match(names[0])) and any("@" in v for v in values)
    from_value = next(v for n, v in zip(names, values, strict=True) if _FROM_HEADER.match(n))
    if _CRYPTO_ADDRESS.search(from_value) and "@" not in from_value:
        return False
    has_subject_or_date = any(_SUBJECT_OR_DATE.match(n) for n in names)
    return has_subject_or_date or "@" in from_value


_INLINE_HEADERS = re.compile(
    r"^\s*(?:date|sent|from)\s*:.{1,120}\b(?:from|to)\s*:.{1,200}\bsubject\s*:", re.I
)


def _joined(lines: list[str], i: int, span: int) -> str | None:
    chunk = lines[i : i + span]
    if len(chunk) < span or any(_is_blank(x) or (k and _is_quote(x)) for k, x in enumerate(chunk)):
        return None
    return " ".join(x.strip() for x in chunk)


_WROTE_WORD = re.compile(rf"(?:{_WROTE})", re.I)
_VIA_WROTE = re.compile(r"^.{1,120} via .{1,120} (?:wrote|schrieb|a écrit|escribió)\s*:?\s*$", re.I)
_GMT_SOMEONE = re.compile(r"^[\s>]*20\d\d-\d\d-\d\d \d\d?:\d\d GMT[+-]\d\d?:\d\d [^\d:<>@]{1,60}$")
_CJK_HINT = re.compile(r"写道|寫道|撰写|撰寫|のメール|のメッセージ|書きました|작성")


def _wrote_line(text: str) -> bool:
    """Is `text` (one line, or up to three joined) an attribution line of a quote?"""
    if len(text) > 500:
        return False
    if _WROTE_WORD.search(text):
        if _DASHED_WROTE.match(text) or _VIA_WROTE.match(text):
            return True
        if _ON_WROTE.match(text):
            return bool(re.search(r"\d|@", text)) or text.rstrip(" -").endswith((":", "："))
        if _ANY_WROTE.match(text):
            return bool(re.search(r"\d|@", text))
        if _WROTE_SMB.match(text) and re.search(r"\d", text):
            return "@" in text or bool(re.match(rf"^[\s>-]*(?:{_OPENERS})\s", text, re.I))
    if _CJK_HINT.search(text) and _CJK_WROTE.match(text):
        return bool(re.search(r"\d|@", text))
    if "@" in text:
        return bool(_DATE_EMAIL.match(text) or _DATE_EMAIL_NOCOLON.match(text))
    return bool(_GMT_SOMEONE.match(text))


def splitter_at(lines: list[str], i: int) -> tuple[str, int] | None:
    """('reply'|'forward', number of lines) when a quote or forward header starts at i."""
    line = lines[i]
    if _is_blank(line) or _is_quote(line):
        return None
    if _FORWARD.match(line):
        return ("forward", 1)
    if _ORIGINAL.match(line) or _COPY_BELOW.match(line):
        return ("reply", 1)
    if _UNDERSCORES.match(line):
        for k in range(i + 1, min(i + 4, len(lines))):
            if not _is_blank(lines[k]):
                return ("reply", 1) if _header_block(lines, k) else None
        return None
    if _header_block(lines, i) or _INLINE_HEADERS.match(line):
        return ("reply", 1)
    for span in (1, 2, 3):
        text = _joined(lines, i, span)
        if text is None:
            break
        if span > 1 and not _can_open(line, lines[i + 1]):
            break
        if _wrote_line(text):
            return ("reply", span)
    return None


def _can_open(line: str, following: str) -> bool:
    """May a quote header that starts on `line` continue on the next line?"""
    starts = re.match(rf"^[\s>-]*(?:(?:{_OPENERS})\s|\d|在|於|于)", line, re.I)
    if starts:
        return True
    if _wrote_line(following.strip()):
        return False  # the header starts on the next line
    return bool(re.search(r"\d|[<@]", line))


# --- the algorithm -------------------------------------------------------------------------


def _trim(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and _is_blank(lines[start]):
        start += 1
    while end > start and _is_blank(lines[end - 1]):
        end -= 1
    return lines[start:end]


def _has_text(lines: list[str]) -> bool:
    return any(not _is_blank(x) and not _is_quote(x) for x in lines)


def _signature_start(lines: list[str]) -> int | None:
    """Index where a trailing signature starts, or None. Only a short tail counts."""
    n = len(lines)
    last = n - 1
    while last >= 0 and _is_blank(lines[last]):
        last -= 1
    if last < 0:
        return None
    for k in range(last, max(-1, last - 4), -1):  # mobile taglines close the mail
        if _MOBILE.match(lines[k]):
            tail = [x for x in lines[k + 1 : last + 1] if not _is_blank(x)]
            if all(_MOBILE.match(x) or _short_name(x) for x in tail):
                return k
    if _SIG_DASH_NAME.match(lines[last].strip()) and len(lines[last].split()) <= 4:
        return last
    for k in range(last, max(-1, last - _MAX_SIG_LINES - 1), -1):
        if _SIG_DELIMITER.match(lines[k].rstrip("\n")) and not _is_quote(lines[k]):
            return k
    return None


def _short_name(line: str) -> bool:
    return len(line.strip()) <= 30 and len(line.split()) <= 4 and not line.strip().endswith("?")


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    start = _signature_start(lines)
    if start is None or not _has_text(lines[:start]):
        return lines, []
    return lines[:start], lines[start:]


def _peel(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Repeatedly peel a trailing signature and trailing quoted lines off `lines`."""
    quoted: list[str] = []
    signature: list[str] = []
    while True:
        lines = _trim(lines)
        end = len(lines)
        while end > 0 and (_is_quote(lines[end - 1]) or _is_blank(lines[end - 1])):
            end -= 1
        if end < len(lines) and _has_text(lines[:end]):
            quoted = lines[end:] + quoted
            lines = lines[:end]
            continue
        body, sig = _split_signature(lines)
        if sig:
            signature = sig + signature
            lines = body
            continue
        return lines, quoted, signature


MAX_LINES = 5000  # quote headers are looked for in the first lines only (bounded work)


def _first_splitter(lines: list[str]) -> tuple[str, int, int] | None:
    for i in range(min(len(lines), MAX_LINES)):
        found = splitter_at(lines, i)
        if found:
            return found[0], i, found[1]
    return None


def _split_shared_line(lines: list[str]) -> list[str]:
    """`reply text On <date>, X wrote:` on one line: put the quote header on its own line."""
    out: list[str] = []
    for line in lines:
        m = _SHARED_LINE.match(line) if "wrote:" in line and not _is_quote(line) else None
        if m and _wrote_line(m.group("on").strip()) and not _ON_WROTE.match(line):
            out.extend([m.group("pre"), m.group("on").strip()])
        else:
            out.append(line)
    return out


def _blocks(lines: list[str]) -> list[tuple[bool, int, int]]:
    """Runs of quoted / unquoted non-blank lines: (is_quote, start, end)."""
    runs: list[tuple[bool, int, int]] = []
    for k, line in enumerate(lines):
        if _is_blank(line):
            continue
        quoted = _is_quote(line)
        if runs and runs[-1][0] == quoted:
            runs[-1] = (quoted, runs[-1][1], k + 1)
        else:
            runs.append((quoted, k, k + 1))
    return runs


_RULE = re.compile(r"^\s*[-_=*—]{10,}\s*$")


def _include_rule_above(lines: list[str], i: int, span: int) -> tuple[int, int]:
    """A horizontal rule just above a quote header belongs to the quoted part."""
    k = i - 1
    while k >= 0 and _is_blank(lines[k]) and i - k <= 2:
        k -= 1
    if k >= 0 and _RULE.match(lines[k]):
        return k, span + (i - k)
    return i, span


def _strip_lines(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    found = _first_splitter(lines)
    if found and found[0] == "forward":  # a forwarded mail is new content: keep it all
        return lines, [], []
    if not found:
        return _peel(lines)
    _kind, i, span = found
    i, span = _include_rule_above(lines, i, span)
    start = i + span
    while start < len(lines) and _is_blank(lines[start]):
        start += 1
    after = lines[start:]
    body, _q, _s = _peel(after) if after and _is_quote(after[0]) else ([], [], [])
    runs = _blocks(body)
    texts = [r for r in runs if not r[0]]
    if texts and runs[0][0] and not _first_splitter(body):
        if len(runs) == 2:  # quote, then text: a sign-off under a top-post, or a bottom-post
            tail = body[runs[1][1] :]
            visible, quoted, signature = _peel(lines[:i] + tail)
            return visible, lines[i : start + runs[1][1]] + quoted, signature
        last = start + texts[-1][2]  # quotes and answers interleaved: quotes give context
        visible, quoted, signature = _peel(lines[:last])
        return visible, quoted + lines[last:], signature
    visible, quoted, signature = _peel(lines[:i])
    return visible, quoted + lines[i:], signature


def _join(lines: list[str]) -> str:
    return "\n".join(_trim(lines)).rstrip()


def _strip_text(text: str) -> StrippedReply:
    lines = _split_shared_line(text.split("\n"))
    visible, quoted, signature = _strip_lines(lines)
    if not _join(visible):
        return StrippedReply(text.strip(), "", "")
    return StrippedReply(_join(visible), _join(quoted), _join(signature))


def _strip_html(html: str) -> StrippedReply | None:
    marked = html_to_text(html, mark_quotes=True)
    lines = marked.split("\n")
    quoted: list[str] = []
    if CUT in lines:
        cut = lines.index(CUT)
        if _has_text([x for x in lines[:cut] if x != SIG]):
            quoted = [x for x in lines[cut + 1 :] if x not in (CUT, SIG)]
            lines = lines[:cut]
    signature: list[str] = []
    if SIG in lines:
        s = lines.index(SIG)
        if _has_text(lines[:s]) and _has_text(lines[s + 1 :]):
            signature = lines[s + 1 :]
            lines = lines[:s]
    lines = [x for x in lines if x not in (CUT, SIG)]
    if not _has_text(lines):
        return None
    inner = _strip_text("\n".join(lines))
    return StrippedReply(
        inner.visible,
        _join([inner.quoted, *quoted]) if inner.quoted else _join(quoted),
        _join([inner.signature, *signature]) if inner.signature else _join(signature),
    )


def _normalize(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def strip_reply(text: str, *, html: str | None = None) -> StrippedReply:
    """Split a mail body into the new text, the quoted history and the signature.

    `text` is the plain body (`ParsedEmail.text`). Pass `html` when the mail's only body was
    HTML (`ParsedEmail.text_from_html`): the HTML's quote containers are then used too. If
    everything looks quoted, the whole text is returned as visible.
    """
    text = _normalize(text or "")
    if html and not text.strip():
        from_html = _strip_html(html)
        if from_html is not None:
            return from_html
        text = html_to_text(html)
    result = _strip_text(text)
    if html and not result.quoted and not result.signature:
        from_html = _strip_html(html)
        if from_html is not None and (from_html.quoted or from_html.signature):
            return from_html
    return result


def strip_parsed(parsed: ParsedEmail) -> StrippedReply:
    """`strip_reply` for a parsed mail: the HTML's quote containers are used when the mail's
    only body was HTML."""
    return strip_reply(parsed.text, html=parsed.html if parsed.text_from_html else None)
