"""HTML mail turned into readable plain text. See docs/architecture.md#e-mail.

A small converter over the stdlib `html.parser` (which never raises on bad markup): block
elements end lines, `<br>` breaks them, paragraphs are separated by a blank line (except
Outlook's `MsoNormal` paragraphs, which are lines), lists get bullets, table cells are
spaced, `<blockquote>` lines get a `> ` prefix so quote stripping sees them as quoted, and
scripts, styles and heads are dropped.

With `mark_quotes=True` the text also carries two marker lines for `quotes.strip_reply`:
`CUT` where a client's quoted-reply container starts (Gmail's gmail_quote, Outlook's
divRplyFwdMsg / appendonsend, Yahoo's yahoo_quoted, Thunderbird's moz-cite-prefix, NetEase
and QQ's quote containers, ...) and `SIG` where a signature container starts.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

CUT = "\x1e[quote]"
SIG = "\x1e[signature]"

_SKIP = {"script", "style", "head", "title", "xml", "template", "noscript", "object", "svg"}
_BLOCK = {
    "div", "p", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4",
    "h5", "h6", "pre", "hr", "section", "article", "header", "footer", "center", "address",
    "blockquote", "form", "fieldset", "main", "nav", "aside", "figure", "tbody", "thead",
}  # fmt: skip
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"}

# id / class fragments of the containers in which mail clients put the quoted message.
_CUT_IDS = ("divrplyfwdmsg", "appendonsend", "olk_src_body_section", "mail-editor-reference")
_CUT_CLASSES = (
    "gmail_quote", "gmail_attr", "yahoo_quoted", "moz-cite-prefix", "ntes-mailmaster-quote",
    "includetail", "zmail_extra", "protonmail_quote", "quote_container", "replyquote",
    "mailmaster-quote", "qqmail_quote", "x_gmail_quote", "aol_quote", "outlookmessageheader",
    "gmail_extra", "ms-outlook-mobile-reference-message", "tutanota_quote",
)  # fmt: skip
_CUT_ID_PREFIX = ("ntes-mailmaster-quote", "ntes_mailmaster_quote", "isreplycontent")
_SIG_MARKERS = ("gmail_signature", "moz-signature", "signature")


class _Converter(HTMLParser):
    def __init__(self, *, mark_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.mark_quotes = mark_quotes
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.pre = 0
        self.quote_depth = 0
        self.list_stack: list[list[int]] = []
        self.cut_done = False
        self.tag_stack: list[str] = []
        self.p_kinds: list[bool] = []  # True for Outlook's one-line MsoNormal paragraphs

    # -- output helpers -------------------------------------------------------------------
    def flush(self, *, line_break: bool = False) -> None:
        """End the current line. An empty line is only kept for an explicit `<br>`."""
        text = "".join(self.current)
        self.current = []
        if not self.pre:
            text = re.sub(r"[ \t\r\n\f\xa0\u200b]+", " ", text).strip()
        else:
            text = text.replace("\xa0", " ").rstrip()
        prefix = "> " * self.quote_depth
        if text or (line_break and self.lines):
            self.lines.append((prefix + text) if text else prefix.rstrip())

    def blank(self) -> None:
        self.flush()
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append(("> " * self.quote_depth).rstrip())

    def marker(self, line: str) -> None:
        self.flush()
        self.lines.append(line)

    # -- parser callbacks -----------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag not in _VOID:
            self.tag_stack.append(tag)
        attr = {k.lower(): (v or "") for k, v in attrs}
        if self.mark_quotes:
            self._markers(tag, attr)
        self._structure(tag, attr)

    def _markers(self, tag: str, attr: dict[str, str]) -> None:
        ident = attr.get("id", "").lower()
        classes = attr.get("class", "").lower()
        if not self.cut_done and (
            any(ident == c or ident.endswith("_" + c) for c in _CUT_IDS)
            or ident.startswith(_CUT_ID_PREFIX)
            or any(c in classes.split() for c in _CUT_CLASSES)
            or (tag == "blockquote" and attr.get("type", "").lower() == "cite")
            or attr.get("name", "").lower() == "messagereplysection"
        ):
            self.cut_done = True
            self.marker(CUT)
        elif tag == "div" and (
            any(m in classes.split() for m in _SIG_MARKERS) or ident in ("signature", "sig")
        ):
            self.marker(SIG)

    def _structure(self, tag: str, attr: dict[str, str]) -> None:
        if tag == "br":
            self.flush(line_break=True)
        elif tag == "hr":
            self.flush()
        elif tag == "blockquote":
            self.flush()
            self.quote_depth += 1
        elif tag == "pre":
            self.blank()
            self.pre += 1
        elif tag == "li":
            self.flush()
            if self.list_stack and self.list_stack[-1]:
                self.list_stack[-1][0] += 1
                self.current.append(f"{self.list_stack[-1][0]}. ")
            else:
                self.current.append("- ")
        elif tag in ("ul", "ol"):
            self.blank() if not self.list_stack else self.flush()
            self.list_stack.append([0] if tag == "ol" else [])
        elif tag in ("td", "th"):
            if self.current and not "".join(self.current).endswith(" "):
                self.current.append(" ")
        elif tag == "p":
            line_like = "msonormal" in attr.get("class", "").lower()
            self.p_kinds.append(line_like)
            self.flush() if line_like else self.blank()
        elif tag in _BLOCK:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in self.tag_stack:
            while self.tag_stack and self.tag_stack.pop() != tag:
                pass
        if tag == "blockquote":
            self.flush()
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag == "pre":
            self.flush()
            self.pre = max(0, self.pre - 1)
            self.blank()
        elif tag in ("ul", "ol"):
            self.flush()
            if self.list_stack:
                self.list_stack.pop()
            if not self.list_stack:
                self.blank()
        elif tag == "p" and self.p_kinds and self.p_kinds.pop():
            self.flush(line_break=True)
        elif tag in _PARAGRAPH:
            self.blank()
        elif tag in _BLOCK:
            self.flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            parts = data.split("\n")
            for i, part in enumerate(parts):
                if i:
                    self.flush(line_break=True)
                self.current.append(part)
        else:
            self.current.append(data)

    def result(self) -> str:
        self.flush()
        out: list[str] = []
        for line in self.lines:
            if not line.strip("> ") and out and not out[-1].strip("> "):
                continue
            out.append(line)
        while out and not out[-1].strip("> "):
            out.pop()
        while out and not out[0].strip("> "):
            out.pop(0)
        return "\n".join(out)


def html_to_text(html: str, *, mark_quotes: bool = False) -> str:
    """Readable text of an HTML mail body. Never raises."""
    if not html or not html.strip():
        return ""
    conv = _Converter(mark_quotes=mark_quotes)
    try:
        conv.feed(html)
        conv.close()
    except Exception:  # html.parser is lenient; this guards against the unforeseen
        return re.sub(r"<[^>]*>", " ", html).strip()
    return conv.result()
