"""Reply stripping on bodies written the way each client and language quotes."""

# ruff: noqa: RUF001, E501
from __future__ import annotations

import pytest

from vigil.channels.email.quotes import strip_reply

NEW = "Thanks, it arrived."


@pytest.mark.parametrize(
    "tail",
    [
        "On Mon, Jan 1, 2024 at 10:00 AM Support <s@vigil.test> wrote:\n> old",
        "On Mon, Jan 1, 2024 at 10:00 AM Support <\ns@vigil.test> wrote:\n\n> old",
        "On 1 Jan 2024, at 10:00,\nSupport <s@vigil.test>\nwrote:\n\n> old",
        "-----Original Message-----\nFrom: Support\nSent: Monday\nTo: me\nSubject: x\n\nold",
        "________________________________\nFrom: Support <s@vigil.test>\nSent: Monday, January 1, 2024 10:00 AM\nTo: me\nSubject: x\n\nold",
        "From: Support <s@vigil.test>\nSent: Monday\nTo: me\nSubject: x\n\nold",
        "  *From:* s@vigil.test [mailto:\n  s@vigil.test]\n  *Sent:* Monday\n  *Subject:* x",
        '------------------ 原始邮件 ------------------\n发件人: "Support"<s@vigil.test>;\n发送时间: 2024年1月1日\n主题: x\n\nold',
        "发件人: Support <s@vigil.test>\n发送时间: 2024年1月1日 10:00\n收件人: 我\n主题: 答复: x\n\nold",
        "寄件者: Support <s@vigil.test>\n寄件日期: 2024年1月1日 上午 10:00\n收件者: 我\n主旨: 回覆: x\n\nold",
        "差出人: Support <s@vigil.test>\n送信日時: 2024年1月1日 10:00\n宛先: 私\n件名: RE: x\n\nold",
        '在 2024-01-01 10:00:00，"Support" <s@vigil.test> 写道：\n>old',
        "Support <s@vigil.test> 于2024年1月1日周一 10:00写道：\n\n> old",
        "Support <s@vigil.test> 於 2024年1月1日 週一 上午10:00寫道：\n\n> old",
        "於 2024/1/1 上午 10:00, Support 寫道:\n> old",
        "2024年1月1日(月) 10:00 Support <s@vigil.test>:\n\n> old",
        "2024年1月1日(月) 10:00 Support <\ns@vigil.test>:\n\n> old",
        "2024/01/01 10:00、Support <s@vigil.test>のメール:\n\n> old",
        "2024/01/01 10:00 に Support さんは書きました:\n> old",
        "---- 回复的原邮件 ----\n| 发件人 | Support<s@vigil.test> |\nold",
        "-----元のメッセージ-----\n差出人: Support\nold",
        "Am Mo., 4. Juli 2022 um 08:13 Uhr schrieb Support <\ns@vigil.test>:\n\n> old",
        "Le 23 janv. 2015 à 22:03, Support <s@vigil.test> a écrit :\n\n> old",
        "El lun, 1 ene 2024 a las 10:00, Support (<s@vigil.test>) escribió:\n> old",
        "---- Support wrote ----\n\n> old",
        "support via Vigil Desk wrote:\n\n> old",
        "2016-03-03 17:21 GMT+01:00 Some One\n\n> old",
        "суббота, 14 марта 2015 г. пользователь Support написал:\n\n> old",
        "2024년 1월 1일 (월) 오전 10:00, Support <s@vigil.test>님이 작성:\n\n> old",
        "Il giorno lun 1 gen 2024 alle ore 10:00 Support <s@vigil.test> ha scritto:\n\n> old",
        "> On Jan 1, 2024, at 10:00, Support <s@vigil.test> wrote:\n> \n> old",
    ],
)
def test_quote_headers_are_cut(tail: str) -> None:
    result = strip_reply(f"{NEW}\n\n{tail}\n")
    assert result.visible == NEW
    assert result.quoted


@pytest.mark.parametrize(
    ("signature", "body"),
    [
        ("Sent from my iPhone", NEW),
        ("从我的iPhone发送", NEW),
        ("發自我的 iPhone", NEW),
        ("iPhoneから送信", NEW),
        ("Get Outlook for iOS<https://aka.ms/o0ukef>", NEW),
        ("发自网易邮箱大师", NEW),
        ("-- \nAlex Morgan\nExample Capital", NEW),
        ("-Alex", NEW),
    ],
)
def test_signatures_are_separated(signature: str, body: str) -> None:
    result = strip_reply(f"{body}\n\n{signature}\n")
    assert result.visible == body
    assert result.signature == signature


def test_sentence_starting_like_a_tagline_is_kept() -> None:
    text = "Here it is\n\nSent from my desk, is much easier than my phone."
    assert strip_reply(text).visible == text


def test_forwarded_mail_is_kept_whole() -> None:
    text = "FYI\n\n---------- Forwarded message ---------\nFrom: a@b.c\nDate: Mon\nSubject: x\nTo: d@e.f\n\nbody"
    assert strip_reply(text).visible == text


def test_interleaved_answers_keep_their_context() -> None:
    text = "On Mon, Jan 1, 2024, Support wrote:\n> UID?\n\n123\n\n> TxID?\n\n0xabc\n"
    assert strip_reply(text).visible == text.strip()


def test_sign_off_under_a_top_post_is_kept() -> None:
    text = "Answer\n\nOn 04/19/2011 07:10 AM, Support wrote:\n\n> question\n\nRegards, Alex"
    assert strip_reply(text).visible == "Answer\n\nRegards, Alex"


def test_all_quoted_returns_everything() -> None:
    text = "> only\n> quoted\n"
    assert strip_reply(text).visible == "> only\n> quoted"


def test_wallet_addresses_are_not_a_header_block() -> None:
    text = "From: 0x1234567890abcdef1234567890abcdef12345678\nTo: 0xabcdefabcdefabcdefabcdef1234567890abcdef\nAmount: 5 ETH"
    assert strip_reply(text).visible == text


def test_paragraph_starting_with_on_is_not_a_header() -> None:
    text = "On your side you can run:\n\n    telnet 127.0.0.1 80\n\nThen tell me."
    assert strip_reply(text).visible == text


def test_html_only_uses_quote_containers() -> None:
    html = (
        '<div dir="ltr">Fixed, thanks!</div><div class="gmail_quote">'
        '<div class="gmail_attr">On Mon Support wrote:</div><blockquote>old</blockquote></div>'
    )
    result = strip_reply("", html=html)
    assert result.visible == "Fixed, thanks!"
    assert "old" in result.quoted


def test_html_outlook_web_divrplyfwdmsg() -> None:
    html = (
        "<div>Done.</div><div id='appendonsend'></div><hr><div id='divRplyFwdMsg'>"
        "<b>From:</b> Support<br><b>Sent:</b> Monday</div><div>old</div>"
    )
    assert strip_reply("", html=html).visible == "Done."


def test_rule_above_an_outlook_header_is_quoted() -> None:
    text = (
        "Done, thanks.\n\n ------------------------------\n\n From: Support <s@vigil.test>\n"
        " Sent: Friday, January 18, 2013 4:00 PM\n To: Me <me@example.com>\n Subject: Re: x\n\nold"
    )
    assert strip_reply(text).visible == "Done, thanks."


def test_mobile_tagline_then_quote_header() -> None:
    text = "Yes.\n\nSent from my Verizon Wireless BlackBerry\n\nOn Mon, Jan 1, 2024, Support <s@vigil.test> wrote:\n> old"
    result = strip_reply(text)
    assert (result.visible, result.signature) == (
        "Yes.",
        "Sent from my Verizon Wireless BlackBerry",
    )
