# ruff: noqa: RUF001
"""Charset decoding: labels, aliases, mislabelled bytes, CP50220 and the last-resort fallback."""

from __future__ import annotations

import pytest

from vigil.channels.email.charsets import (
    codec_for,
    decode_bytes,
    decode_iso2022jp,
    encode_iso2022jp_cp50220,
    plausibility,
)

ZH = "提币申请已经两天了还没有到账，请帮忙处理。"
HANT = "提幣申請已經兩天了還沒有到賬，請幫忙處理。"
JA = "出金申請から二日経ちましたが、まだ着金していません。"
KO = "안녕하세요, 출금 요청이 아직 처리되지 않았습니다."


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GB_2312-80", "gb18030"),
        ('"GBK"', "gb18030"),
        ("big5", "big5hkscs"),
        ("shift-jis", "cp932"),
        ("x-sjis", "cp932"),
        ("Shift_JIS", "cp932"),
        ("ks_c_5601-1987", "cp949"),
        ("euc-kr", "cp949"),
        ("utf8", "utf-8"),
        ("cp-850", "cp850"),
        ("windows-1251", "cp1251"),
        ("win-1250", "cp1250"),
        ("iso-8859-1", "cp1252"),
        ("ISO_8859-15", "iso8859_15"),
        ("koi8-r", "koi8_r"),
        ("iso-2022-jp", "iso-2022-jp"),
        ("x-unknown", None),
        ("", None),
        ("no-such-charset", None),
    ],
)
def test_labels_map_to_codecs(label: str, codec: str | None) -> None:
    assert codec_for(label) == codec


@pytest.mark.parametrize(
    ("text", "encoding", "label"),
    [
        (ZH, "gbk", "gb2312"),
        (ZH + "镕", "gb18030", "gb2312"),
        (ZH, "gbk", "iso-8859-1"),
        (ZH, "gbk", None),
        (ZH, "utf-8", "us-ascii"),
        (ZH, "utf-8", "gb2312"),
        (HANT, "big5", "big5"),
        (HANT, "big5", "gb2312"),
        (JA, "cp932", "shift_jis"),
        (JA + "①", "cp932", "x-unknown"),
        (JA, "euc_jp", "euc-jp"),
        (JA, "iso2022_jp", None),
        (KO, "cp949", "ks_c_5601-1987"),
        ("Привет, мир", "koi8_r", "koi8-r"),
        ("Привет, мир", "cp1251", "windows-1251"),
        ("Café “quoted” – ok", "cp1252", "iso-8859-1"),
        ("Preis: 5 €", "utf-7", "utf-7"),
    ],
)
def test_decodes_labelled_and_mislabelled_text(text: str, encoding: str, label: str | None) -> None:
    assert decode_bytes(text.encode(encoding), label).text == text


def test_never_raises_and_keeps_every_byte() -> None:
    data = bytes(range(256))
    decoded = decode_bytes(data, "utf-8")
    assert len(decoded.text) == 256
    assert "\ufffd" not in decoded.text
    assert decoded.charset == "cp1252"


def test_a_few_broken_bytes_in_utf8_stay_utf8() -> None:
    data = ("提币" * 200).encode() + b"\xff"
    decoded = decode_bytes(data, "utf-8")
    assert decoded.charset == "utf-8"
    assert decoded.text.startswith("提币提币")


def test_latin1_labelled_utf8_is_not_replaced() -> None:
    decoded = decode_bytes("Un café, s'il vous plaît".encode("latin-1"), "utf-8")
    assert decoded.text == "Un café, s'il vous plaît"


def test_guess_is_reported() -> None:
    assert decode_bytes(ZH.encode("gbk"), "iso-8859-1").guessed
    assert not decode_bytes(ZH.encode("gbk"), "gbk").guessed


def test_cp50220_roundtrip_with_nec_characters() -> None:
    text = "お世話になっております。①②㈱髙﨑ｱｲｳ"
    data = encode_iso2022jp_cp50220(text)
    assert data.isascii()
    assert decode_iso2022jp(data) == text
    assert decode_bytes(data, "iso-2022-jp").text == text


def test_plausibility_prefers_real_text_to_mojibake() -> None:
    right = ZH
    wrong = ZH.encode("gbk").decode("cp932", errors="replace")
    assert plausibility(right) > plausibility(wrong) + 1
