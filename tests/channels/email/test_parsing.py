"""parse_message, header decoding and HTML to text on small hand-written mails."""

# ruff: noqa: E501
from __future__ import annotations

import base64
from datetime import UTC, datetime

from vigil.channels.email.parsing import (
    decode_encoded_words,
    html_to_text,
    message_ids,
    parse_addresses,
    parse_date,
    parse_message,
)


def test_encoded_words_split_inside_a_character() -> None:
    data = "提币未到账".encode("gbk")
    header = (
        "=?GBK?B?"
        + base64.b64encode(data[:3]).decode()
        + "?= =?GBK?B?"
        + base64.b64encode(data[3:]).decode()
        + "?="
    )
    assert decode_encoded_words(header) == "提币未到账"


def test_encoded_words_tolerate_junk() -> None:
    assert decode_encoded_words("=?utf-8?Q?caf=C3=A9?= au lait") == "café au lait"
    assert decode_encoded_words("=?UTF-8?B?5o+Q5biB?=") == "提币"
    assert decode_encoded_words("=?utf-8?B?5o+Q5biB") == "提币"  # lost its ?=
    assert decode_encoded_words("plain") == "plain"


def test_addresses_with_encoded_comma_in_name() -> None:
    name = "=?utf-8?B?" + base64.b64encode("陈, 大文".encode()).decode() + "?="
    pairs = parse_addresses(f"{name} <Chen@Example.HK>, other@example.hk")
    assert pairs == [("陈, 大文", "chen@example.hk"), ("", "other@example.hk")]


def test_message_ids_and_dates() -> None:
    assert message_ids("<a@b> <c@d>\n <a@b>") == ["a@b", "c@d"]
    assert message_ids("bare@id") == ["bare@id"]
    assert parse_date("Tue, 02 Jan 2024 09:15:00 +0800") == datetime(2024, 1, 2, 1, 15, tzinfo=UTC)
    assert parse_date("not a date") is None
    assert parse_date("Tue, 02 Jan 2024 09:15:00 -0000").tzinfo is UTC


def test_non_ascii_message_ids_stay_distinct_exact_and_ascii() -> None:
    first, second = "<提币@例子.测试>", "<充值@例子.测试>"
    (a,), (b,) = message_ids(first), message_ids(second)
    assert a != b  # both used to read "??@??.??": one mail de-duplicated as the other
    assert a.isascii() and b.isascii()
    assert a == "%E6%8F%90%E5%B8%81@%E4%BE%8B%E5%AD%90.%E6%B5%8B%E8%AF%95"
    # The same bytes read raw (8-bit, as the parser keeps them) give the same id.
    raw = first.encode().decode("ascii", "surrogateescape")
    assert message_ids(raw) == [a]
    # Bytes that are no UTF-8 at all (GBK) are kept too, and differ from their neighbours.
    gbk = "<提币@x>".encode("gbk").decode("ascii", "surrogateescape")
    other = "<提现@x>".encode("gbk").decode("ascii", "surrogateescape")
    assert message_ids(gbk) != message_ids(other)
    assert message_ids(gbk) == ["%CC%E1%B1%D2@x"]
    # A literal "%" in a non-ASCII id cannot be mistaken for an encoded byte; ASCII ids are
    # kept as they are.
    assert message_ids("<%E6é@x>") == ["%25E6%C3%A9@x"]
    assert message_ids("<50%off@x>") == ["50%off@x"]


def test_mail_with_utf8_message_id_parses_to_its_exact_id() -> None:
    raw = (
        "From: li@example.cn\r\nTo: support@vigil.test\r\nSubject: x\r\n"
        "Message-ID: <提币.1@例子.测试>\r\nIn-Reply-To: <提币.0@例子.测试>\r\n\r\nbody\r\n"
    ).encode()
    parsed = parse_message(raw)
    assert parsed.message_id == message_ids("<提币.1@例子.测试>")[0]
    assert parsed.in_reply_to == message_ids("<提币.0@例子.测试>")[0]


def test_html_to_text_structure() -> None:
    html = "<style>p{}</style><p>One</p><p>Two<br>lines</p><ul><li>a</li><li>b</li></ul><blockquote>q</blockquote>"
    assert html_to_text(html) == "One\n\nTwo\nlines\n\n- a\n- b\n\n> q"


def test_multipart_alternative_prefers_plain() -> None:
    raw = (
        b'From: a@b.c\nContent-Type: multipart/alternative; boundary="x"\n\n'
        b"--x\nContent-Type: text/plain\n\nplain body\n--x\nContent-Type: text/html\n\n<p>html body</p>\n--x--\n"
    )
    parsed = parse_message(raw)
    assert parsed.text == "plain body"
    assert parsed.html == "<p>html body</p>"
    assert not parsed.text_from_html


def test_html_only_becomes_text() -> None:
    parsed = parse_message(
        b"From: a@b.c\nContent-Type: text/html; charset=utf-8\n\n<div>Hi&nbsp;there</div>"
    )
    assert parsed.text == "Hi there"
    assert parsed.text_from_html


def test_raw_8bit_headers_use_the_body_charset() -> None:
    raw = "Subject: 出金について\r\nFrom: 山田 <y@example.jp>\r\nContent-Type: text/plain; charset=shift_jis\r\n\r\n本文".encode(
        "cp932"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "出金について"
    assert parsed.sender is not None and parsed.sender.name == "山田"
    assert parsed.text == "本文"


def test_attachment_names_are_made_safe() -> None:
    raw = (
        b'From: a@b.c\nContent-Type: multipart/mixed; boundary="x"\n\n--x\nContent-Type: text/plain\n\nsee file\n'
        b'--x\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="../../etc/passwd"\n\nroot\n--x--\n'
    )
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == ["passwd"]
    assert parsed.attachments[0].content == b"root"


def test_defects_are_listed_not_raised() -> None:
    parsed = parse_message(
        b'Content-Type: multipart/mixed; boundary="a"\n\n--a\nContent-Type: text/plain\n\ntext'
    )
    assert parsed.text == "text"
    assert parsed.defects
