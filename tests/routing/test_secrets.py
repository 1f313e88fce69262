# ruff: noqa: RUF001 - native CJK punctuation is intended
"""Secrets: seed phrases, private keys, API secrets; transaction hashes left alone.

See docs/architecture.md#triage. Phrases and keys are generated here from random bytes with the
real BIP-39 and base58check rules, so the detector is tested on the real shapes.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from vigil.routing.triage import triage
from vigil.routing.triage.secrets import (
    WORDLIST_DIR,
    checksum_valid,
    scan_secrets,
    wordlist,
)

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
TX = "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9"
KEY = "e7f6c011776e8db7cd330b54174fd76f7d0216b612387a5ffcfb81e6f0919683"


def mnemonic(words: int, seed: int, language: str = "english") -> list[str]:
    entropy = random.Random(seed).randbytes(words * 4 // 3)
    bits = "".join(f"{b:08b}" for b in entropy)
    bits += f"{hashlib.sha256(entropy).digest()[0]:08b}"[: len(bits) // 32]
    table = wordlist(language)
    return [table[int(bits[i : i + 11], 2)] for i in range(0, len(bits), 11)]


def base58check(payload: bytes) -> str:
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number, out = int.from_bytes(raw, "big"), ""
    while number:
        number, rem = divmod(number, 58)
        out = B58[rem] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def test_wordlists_are_the_bip39_standard():
    english = (WORDLIST_DIR / "english.txt").read_bytes()
    assert hashlib.sha256(english).hexdigest() == (
        "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"
    )
    for name in ("english", "chinese_simplified", "chinese_traditional", "japanese"):
        assert len(set(wordlist(name))) == 2048
    assert wordlist("english")[:3] == ("abandon", "ability", "able")


def test_checksum():
    words = mnemonic(12, 1)
    index = {w: i for i, w in enumerate(wordlist("english"))}
    indices = [index[w] for w in words]
    assert checksum_valid(indices)
    indices[-1] ^= 1
    assert not checksum_valid(indices)


@pytest.mark.parametrize("size", [12, 15, 18, 21, 24])
def test_seed_phrase_of_each_length(size):
    words = mnemonic(size, size)
    text = "hi, here is my wallet phrase: " + " ".join(words) + " can you help?"
    result = scan_secrets(text)
    assert result.kinds == ("seed_phrase",)
    finding = result.findings[0]
    assert finding.detail == f"{size} English BIP-39 words, checksum valid"
    assert text[finding.start : finding.end] == " ".join(words)
    assert result.redacted_text == (
        "hi, here is my wallet phrase: [redacted: seed phrase] can you help?"
    )


@pytest.mark.parametrize(
    "layout",
    [
        lambda ws: "\n".join(f"{i}. {w}" for i, w in enumerate(ws, 1)),
        lambda ws: ", ".join(ws),
        lambda ws: " ".join(f"{i}){w}" for i, w in enumerate(ws, 1)),
        lambda ws: "\n".join(" ".join(ws[i : i + 4]) for i in range(0, len(ws), 4)),
        lambda ws: " ".join(w.upper() for w in ws),
    ],
    ids=["numbered", "commas", "numbered-tight", "lines", "upper"],
)
def test_seed_phrase_layouts(layout):
    words = mnemonic(12, 7)
    text = "My recovery words:\n" + layout(words)
    result = scan_secrets(text)
    assert result.kinds == ("seed_phrase",), text
    assert not any(word in result.redacted_text.lower() for word in words[1:-1])


def test_a_mistyped_word_is_still_a_seed_phrase():
    words = mnemonic(12, 3)
    words[5] = words[5][:4] + "xx"  # first four letters still name the word
    result = scan_secrets(" ".join(words))
    assert result.kinds == ("seed_phrase",)
    assert "1 misspelt" in result.findings[0].detail


def test_eleven_words_are_not_a_seed_phrase():
    assert scan_secrets(" ".join(mnemonic(12, 5)[:11])).findings == ()


@pytest.mark.parametrize(
    ("language", "separator"),
    [("chinese_simplified", " "), ("chinese_traditional", "，"), ("japanese", "\u3000")],
)
def test_chinese_and_japanese_seed_phrases(language, separator):
    words = mnemonic(12, 11, language)
    result = scan_secrets("我的助记词：" + separator.join(words))
    assert result.kinds == ("seed_phrase",)
    assert "checksum valid" in result.findings[0].detail


def test_plain_chinese_sentences_are_not_seed_phrases():
    # Common characters are BIP-39 "words" in Chinese; only separated runs count.
    assert scan_secrets(
        "我的是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"
    )
    assert scan_secrets("提现三个小时了还没到账，请帮忙查一下，谢谢").findings == ()


def test_english_prose_is_not_a_seed_phrase():
    prose = (
        "Hello team, I have been trying to withdraw my balance to my new wallet address since "
        "last week and the app says the transfer is under review. Can you also check why the "
        "fee was higher than usual? Thank you for your help, I really appreciate the quick answer."
    )
    assert scan_secrets(prose).findings == ()


@pytest.mark.parametrize(
    "text",
    [
        f"my private key is {KEY}",
        f"private key: 0x{KEY}",
        f"私钥：{KEY}",
        f"私鑰 {KEY}",
        f"秘密鍵は{KEY}です",
        f"{KEY} <- this is my private key",
    ],
)
def test_hex_private_key_in_a_key_context(text):
    result = scan_secrets(text)
    assert result.kinds == ("private_key",)
    assert KEY not in result.redacted_text
    assert "[redacted: private key]" in result.redacted_text


@pytest.mark.parametrize(
    "text",
    [
        f"txid {TX}",
        f"TxID: 0x{TX}",
        f"交易哈希 {TX}",
        f"https://etherscan.io/tx/0x{TX}",
        f"トランザクションID {TX}",
        f"withdrawal done but not received, hash {TX}",
        TX,  # a bare 64-hex value is far more often a transaction than a key
        f"my private key is safe, I only need help with tx {TX}",  # the nearest word decides
    ],
)
def test_transaction_hashes_are_not_private_keys(text):
    assert scan_secrets(text).findings == ()


def test_wif_and_extended_private_keys():
    key = random.Random(9).randbytes(32)
    wif_uncompressed = base58check(b"\x80" + key)
    wif_compressed = base58check(b"\x80" + key + b"\x01")
    xprv = base58check(bytes.fromhex("0488ade4") + random.Random(2).randbytes(74))
    assert wif_uncompressed[0] == "5" and wif_compressed[0] in "KL" and xprv.startswith("xprv")
    text = f"keys: {wif_uncompressed} and {wif_compressed}, backup {xprv}"
    result = scan_secrets(text)
    assert [f.detail for f in result.findings] == [
        "WIF private key",
        "WIF private key",
        "extended private key",
    ]
    assert result.redacted_text == (
        "keys: [redacted: private key] and [redacted: private key], backup [redacted: private key]"
    )


def test_a_base58_string_with_a_bad_checksum_is_not_a_wif_key():
    key = base58check(b"\x80" + random.Random(4).randbytes(32))
    broken = key[:-1] + ("2" if key[-1] != "2" else "3")
    assert scan_secrets(f"address {broken}").findings == ()


@pytest.mark.parametrize(
    "text",
    [
        "API key: vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
        "secret = NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
        "我的API密钥是 aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW",
        "APIシークレットは abcdEFGH1234ijklMNOP5678qrst です",
    ],
)
def test_api_secrets(text):
    result = scan_secrets(text)
    assert result.kinds == ("api_secret",)
    assert "[redacted: API secret]" in result.redacted_text


def test_words_after_api_key_are_not_secrets():
    assert scan_secrets("my API key stopped working after the maintenance").findings == ()
    assert scan_secrets("怎么创建只读的API密钥").findings == ()


def test_triage_redacts_flags_security_and_decides_on_the_redacted_text():
    words = mnemonic(12, 21)
    result = triage("help my withdrawal is stuck, my seed is " + " ".join(words))
    assert result.secrets.kinds == ("seed_phrase",)
    assert result.redacted_text == "help my withdrawal is stuck, my seed is [redacted: seed phrase]"
    assert result.needs_security
    assert result.category.category == "withdrawal"
    assert all(w not in result.category.reason.split() for w in words)
    summary = result.summary()
    secrets = summary["secrets"]
    assert isinstance(secrets, list) and secrets[0]["kind"] == "seed_phrase"
    assert summary["needs_security"] is True


def test_secrets_in_the_subject_are_redacted_too():
    result = triage("see subject", subject=f"private key {KEY}")
    assert result.redacted_subject == "private key [redacted: private key]"
    assert [f.field for f in result.secrets.findings] == ["subject"]
