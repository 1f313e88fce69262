"""Decoding mail bytes whose charset label may be missing, misspelt or wrong.

See docs/architecture.md#e-mail. Mail in the wild says `gb2312` and carries GBK, says
`iso-8859-1` or `us-ascii` and carries UTF-8 or GBK, says `ks_c_5601-1987`, `x-sjis` or
nothing at all. `decode_bytes` never raises: it tries the declared charset (through an alias
table that maps each label to the superset codec real clients use), then UTF-8, then scores
candidate CJK codecs by how plausible their output is, and finally falls back to
windows-1252 / latin-1 so that no byte is ever dropped.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# Labels seen in real mail, mapped to the Python codec that decodes what clients really send.
_ALIASES: dict[str, str] = {
    # Simplified Chinese: every GB label is decoded as GB18030, the superset of GB2312/GBK.
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gb2312-80": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "euccn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "chinese": "gb18030",
    "iso-ir-58": "gb18030",
    "gb18030": "gb18030",
    "gb-18030": "gb18030",
    "hz-gb-2312": "hz",
    # Traditional Chinese: Big5 with the Hong Kong extensions.
    "big5": "big5hkscs",
    "big-5": "big5hkscs",
    "big-five": "big5hkscs",
    "bigfive": "big5hkscs",
    "cn-big5": "big5hkscs",
    "csbig5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "cp950": "big5hkscs",
    "ms950": "big5hkscs",
    # Japanese: Shift_JIS is decoded as Microsoft's cp932 (NEC and IBM extensions).
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "shiftjis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "s-jis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "cp932": "cp932",
    "ms932": "cp932",
    "x-ms-cp932": "cp932",
    "shift_jisx0213": "cp932",
    "euc-jp": "euc_jp",
    "x-euc-jp": "euc_jp",
    "eucjp": "euc_jp",
    "ujis": "euc_jp",
    "x-euc": "euc_jp",
    "cseucpkdfmtjapanese": "euc_jp",
    "iso-2022-jp": "iso-2022-jp",
    "csiso2022jp": "iso-2022-jp",
    "iso-2022-jp-1": "iso-2022-jp",
    "iso-2022-jp-2": "iso-2022-jp",
    "iso-2022-jp-3": "iso-2022-jp",
    "iso-2022-jp-ms": "iso-2022-jp",
    "iso-2022-jp-ext": "iso-2022-jp",
    "cp50220": "iso-2022-jp",
    "cp50221": "iso-2022-jp",
    "cp50222": "iso-2022-jp",
    # Korean: EUC-KR labels are decoded as cp949 (Unified Hangul Code), its superset.
    "euc-kr": "cp949",
    "euckr": "cp949",
    "x-euc-kr": "cp949",
    "cseuckr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ks_c_5601-1989": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "korean": "cp949",
    "cp949": "cp949",
    "uhc": "cp949",
    "x-windows-949": "cp949",
    "windows-949": "cp949",
    "iso-2022-kr": "iso2022_kr",
    # Unicode.
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "x-utf8": "utf-8",
    "x-utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "unicode-2-0-utf-8": "utf-8",
    "utf-7": "utf-7",
    "utf7": "utf-7",
    "x-unicode-2-0-utf-7": "utf-7",
    "unicode-1-1-utf-7": "utf-7",
    # Cyrillic and others.
    "koi8-r": "koi8_r",
    "koi8r": "koi8_r",
    "koi8": "koi8_r",
    "cskoi8r": "koi8_r",
    "koi8-u": "koi8_u",
    "koi8u": "koi8_u",
    "koi8-ru": "koi8_u",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "iso-8859-11": "cp874",
    # Western: ISO-8859-1 and ASCII labels are decoded as windows-1252, as browsers do.
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "iso-8859-1:1987": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "cp819": "cp1252",
    "ibm819": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso646-us": "cp1252",
    "us": "cp1252",
    "ansi": "cp1252",
    "windows-1252": "cp1252",
    "x-cp1252": "cp1252",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-8-e": "iso8859_8",
    "iso-8859-6-i": "iso8859_6",
    "iso-8859-6-e": "iso8859_6",
    "gb18030-2000": "gb18030",
    "gb18030-2005": "gb18030",
    "big5-2003": "big5hkscs",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "x-mac-cyrillic": "mac_cyrillic",
    "cp-850": "cp850",
    "ibm850": "cp850",
    "ibm-850": "cp850",
}

# Labels that carry no real information: the bytes decide.
_UNKNOWN = {
    "",
    "x-unknown",
    "unknown",
    "unknown-8bit",
    "x-user-defined",
    "default",
    "charset",
    "none",
    "binary",
    "8bit",
    "_autodetect_all",
    "auto",
}

# Labels under which 8-bit bytes are very often something else (so a clean decode proves little).
_WEAK = {"cp1252", "latin-1"}

_CJK_CANDIDATES = ("gb18030", "big5hkscs", "cp932", "euc_jp", "cp949")

# The most frequent Han characters of written Chinese and Japanese (both scripts), plus the
# words of our domain; a decode full of them is plausible, one full of rare ideographs is not.
_COMMON_HAN = set(
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学"
    "对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头"
    "面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向"
    "情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信"
    "北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难"
    "神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物"
    "台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指"
    "思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步"
    "完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双"
    "历越史商千片容研像找友孩站广改议形委早房音火际则首单您谢币充值账户易所包冻审核证名到址链哈"
    "希款客订码登录验号绑送已经处理帮助联系复回答时候麻烦急谢附件截图附上邮箱确认失败成功完成问题"
    "們這個來說為時對學會後裡點還麼於與開關發現經過電話帳號請問謝謝幣錢凍結審核認證實名戶額處麼"
    "當應從將無問題幫聯繫確認失敗完成附圖郵箱寫讓給沒見覺樣種嗎哪裏嘛啊吧呀喔"
    "出入口座確認申請承認取引暗号資産送振込円様御願申訳届件返信連絡先日本語私当社弊社営業時間"
    "休暇不在中戻予定急用場合携帯電話宛先件名差出人送信日時本文添付資料宜敷願致候株式会社"
    "自動答覆内容以下通知受付"
)
_COMMON_HANGUL = set(
    "이다는의에가을를하고서지기한도로사니요습있어수그것들해게나면주대자시라안녕하세요감사합니다"
    "입금출금계좌확인요청문의드립니다거래소지갑주소처리완료실패번호비밀인증"
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, with the codec actually used and whether it was a guess."""

    text: str
    charset: str
    guessed: bool


def normalize_label(label: str | None) -> str:
    """Lower-case a charset label and strip quotes, comments and stray punctuation."""
    if not label:
        return ""
    label = label.strip().strip("\"'").strip().lower()
    label = label.split("*", 1)[0]  # RFC 2231 language suffix: "utf-8*en"
    label = re.sub(r"[\s;,]+$", "", label)
    return label


def codec_for(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when the label names nothing usable."""
    name = normalize_label(label)
    if name in _UNKNOWN:
        return None
    if name in _ALIASES:
        return _ALIASES[name]
    for candidate in (name, name.replace("_", "-"), name.replace("x-", "", 1)):
        if candidate in _ALIASES:
            return _ALIASES[candidate]
        if m := re.fullmatch(r"(?:windows|win|cp|x-cp|ms)-?(125\d)", candidate):
            return f"cp{m.group(1)}"
        if m := re.fullmatch(r"iso[-_ ]?8859[-_ ]?(\d{1,2})", candidate):
            return "cp1252" if m.group(1) == "1" else f"iso8859_{m.group(1)}"
        try:
            return codecs.lookup(candidate).name
        except (LookupError, ValueError):
            continue
    return None


def plausibility(text: str) -> float:
    """Average per-character score of the non-ASCII part of `text` (higher is more plausible).

    Common Han/Hangul characters and kana score high; rare ideographs score low; private-use,
    replacement, control characters and half-width katakana (the tell-tale of GBK read as
    Shift_JIS) score negative. Text with no non-ASCII characters scores 0.
    """
    total = 0.0
    count = 0
    for ch in text[:4000]:
        o = ord(ch)
        if o < 0x80:
            if o < 0x20 and ch not in "\t\r\n\x0c":
                total -= 3
                count += 1
            continue
        count += 1
        total += _char_score(ch, o)
    return total / count if count else 0.0


def _char_score(ch: str, o: int) -> float:
    if ch in _COMMON_HAN or ch in _COMMON_HANGUL:
        return 3.0
    if 0x3040 <= o <= 0x30FF:  # hiragana, katakana
        return 2.0
    if 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E:  # CJK punctuation, full-width forms
        return 1.5
    if 0x4E00 <= o <= 0x9FFF:
        return 0.6
    if 0xAC00 <= o <= 0xD7A3:
        return 0.4
    if 0xFF61 <= o <= 0xFF9F:  # half-width katakana
        return -1.0
    if 0xE000 <= o <= 0xF8FF or o == 0xFFFD or 0x80 <= o < 0xA0:
        return -5.0
    if 0x3400 <= o <= 0x4DBF or o > 0xFFFF:
        return -2.0
    if 0x2500 <= o <= 0x259F:  # box drawing: typical mojibake
        return -1.0
    if 0xA0 <= o <= 0x24F or 0x370 <= o <= 0x52F or 0x2000 <= o <= 0x206F:
        return 1.0  # Latin, Greek, Cyrillic letters and general punctuation
    return 0.0


def _strict(data: bytes, codec: str) -> str | None:
    try:
        if codec == "iso-2022-jp":
            return decode_iso2022jp(data)
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def decode_iso2022jp(data: bytes) -> str:
    """Decode ISO-2022-JP, including the CP50220 extensions (NEC row 13, IBM kanji, JIS X 0201
    half-width katakana) that Outlook and many Japanese phones send under this label.

    The standard codecs are tried first; failing those, each JIS X 0208 run is converted to
    Shift_JIS arithmetically and decoded as cp932. Raises UnicodeDecodeError if nothing fits.
    """
    for codec in ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_3"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return _iso2022jp_via_cp932(data)


def _iso2022jp_via_cp932(data: bytes) -> str:
    out: list[str] = []
    mode = "ascii"
    i = 0
    while i < len(data):
        if data[i] == 0x1B:
            seq = data[i : i + 4]
            if seq[:3] in (b"\x1b$B", b"\x1b$@"):
                mode, i = "jis", i + 3
            elif seq == b"\x1b$(D" or seq == b"\x1b$(Q" or seq == b"\x1b$(O":
                mode, i = "jis", i + 4
            elif seq[:3] in (b"\x1b(B", b"\x1b(J"):
                mode, i = "ascii", i + 3
            elif seq[:3] == b"\x1b(I":
                mode, i = "kana", i + 3
            else:
                raise UnicodeDecodeError("iso-2022-jp", data, i, i + 1, "unknown escape")
            continue
        if data[i] in (0x0E, 0x0F):  # SO/SI half-width katakana shifts
            mode = "kana" if data[i] == 0x0E else "ascii"
            i += 1
            continue
        if mode == "jis" and data[i] not in b"\r\n":
            out.append(_jis_pair_to_sjis(data, i).decode("cp932"))
            i += 2
        elif mode == "kana" and 0x21 <= data[i] <= 0x5F:
            out.append(bytes([data[i] + 0x80]).decode("cp932"))
            i += 1
        else:
            if data[i] > 0x7F:
                raise UnicodeDecodeError("iso-2022-jp", data, i, i + 1, "8-bit byte")
            out.append(chr(data[i]))
            i += 1
    return "".join(out)


def _jis_pair_to_sjis(data: bytes, i: int) -> bytes:
    if i + 1 >= len(data):
        raise UnicodeDecodeError("iso-2022-jp", data, i, i + 1, "truncated")
    j1, j2 = data[i], data[i + 1]
    if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
        raise UnicodeDecodeError("iso-2022-jp", data, i, i + 2, "not a JIS pair")
    s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
    s2 = j2 + (0x1F if j1 & 1 else 0x7E)
    if j1 & 1 and s2 >= 0x7F:
        s2 += 1
    return bytes([s1, s2])


def encode_iso2022jp_cp50220(text: str) -> bytes:
    """Encode text as CP50220-style ISO-2022-JP (JIS X 0208 runs taken from cp932), the way
    Outlook writes characters such as ① that plain ISO-2022-JP lacks. Used by the fixture
    generator and by tests; the inverse of `decode_iso2022jp`'s fallback."""
    out = bytearray()
    mode = "ascii"
    for ch in text:
        if ord(ch) < 0x80:
            if mode != "ascii":
                out += b"\x1b(B"
                mode = "ascii"
            out += ch.encode("ascii")
            continue
        s = ch.encode("cp932")
        if len(s) == 1:  # half-width katakana: map to full-width would change text; use ESC ( I
            if mode != "kana":
                out += b"\x1b(I"
                mode = "kana"
            out.append(s[0] - 0x80)
            continue
        if mode != "jis":
            out += b"\x1b$B"
            mode = "jis"
        s1, s2 = s[0], s[1]
        j1 = ((s1 - (0x70 if s1 < 0xA0 else 0xB0)) << 1) - (1 if s2 < 0x9F else 0)
        j2 = s2 - (0x1F if s2 < 0x9F else 0x7E)
        if s2 < 0x9F and s2 > 0x7F:
            j2 -= 1
        out += bytes([j1, j2])
    if mode != "ascii":
        out += b"\x1b(B"
    return bytes(out)


def _is_ascii(data: bytes) -> bool:
    return data.isascii()


def guess_cjk(data: bytes) -> tuple[str, str] | None:
    """The best strictly-decoding CJK codec for `data` and its text, or None if none is
    plausible enough."""
    best: tuple[float, str, str] | None = None
    for codec in _CJK_CANDIDATES:
        text = _strict(data, codec)
        if text is None:
            continue
        score = plausibility(text)
        if best is None or score > best[0]:
            best = (score, codec, text)
    if best is None or best[0] < 1.0:
        return None
    return best[1], best[2]


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded:
    """Decode `data` labelled `declared`; never raises and never loses a byte silently.

    Order: ISO-2022 escapes in 7-bit data; the declared codec (unless the bytes are valid
    UTF-8 that the label cannot explain); UTF-8; a plausibility contest among CJK codecs; the
    declared codec with replacement characters; windows-1252 with latin-1 for its holes.
    """
    codec = codec_for(declared)
    if _is_ascii(data):
        if b"\x1b$" in data or b"\x1b(" in data:
            text = _strict(data, "iso-2022-jp")
            if text is not None:
                return Decoded(text, "iso-2022-jp", codec != "iso-2022-jp")
        if codec == "utf-7" or (codec and codec.startswith(("hz", "iso2022"))):
            text = _strict(data, codec)
            if text is not None:
                return Decoded(text, codec, False)
        return Decoded(data.decode("ascii"), codec or "ascii", False)
    return _decode_8bit(data, codec)


def _decode_8bit(data: bytes, codec: str | None) -> Decoded:
    utf8 = _strict(data, "utf-8")
    if codec == "utf-8" and utf8 is not None:
        return Decoded(utf8, "utf-8", False)
    if codec and codec not in _WEAK and codec != "utf-8":
        text = _strict(data, codec)
        if text is not None and utf8 is None:
            better = _better_cjk(data, codec, text)
            if better is not None:
                return better
            return Decoded(text, codec, False)
    if utf8 is not None:
        return Decoded(utf8, "utf-8", codec not in (None, "utf-8"))
    guess = guess_cjk(data)
    if guess is not None:
        return Decoded(guess[1], guess[0], True)
    if codec and codec not in _WEAK:
        text = _lenient(data, codec)
        if text is not None and (codec != "utf-8" or _mostly_utf8(data, text)):
            return Decoded(text, codec, False)
    return Decoded(_cp1252_or_latin1(data), "cp1252", codec not in (None, "cp1252"))


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _mostly_utf8(data: bytes, text: str) -> bool:
    """UTF-8 with a few broken sequences keeps its label; bytes with no valid UTF-8 sequence
    at all (latin-1 text labelled UTF-8) or many broken ones are not UTF-8."""
    valid = len(_UTF8_SEQUENCE.findall(data))
    broken = text.count("\ufffd")
    return valid > 0 and broken <= max(1, valid // 20)


def _better_cjk(data: bytes, codec: str, text: str) -> Decoded | None:
    """When a CJK label decodes cleanly but implausibly (Big5 labelled GB2312, GBK labelled
    Shift_JIS), prefer a candidate that is clearly more plausible."""
    if codec not in _CJK_CANDIDATES and codec != "iso-2022-jp":
        return None
    score = plausibility(text)
    if score >= 1.5:
        return None
    guess = guess_cjk(data)
    if guess is None or guess[0] == codec:
        return None
    if plausibility(guess[1]) >= score + 0.75:
        return Decoded(guess[1], guess[0], True)
    return None


def _lenient(data: bytes, codec: str) -> str | None:
    try:
        if codec == "iso-2022-jp":
            return data.decode("iso2022_jp_ext", errors="replace")
        return data.decode(codec, errors="replace")
    except (LookupError, ValueError):
        return None


def _cp1252_or_latin1(data: bytes) -> str:
    """windows-1252, with the five bytes it leaves undefined mapped as latin-1 does."""
    if not any(b in _CP1252_HOLES for b in data):
        return data.decode("cp1252")
    return "".join(_cp1252_char(b) for b in data)


_CP1252_HOLES = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})


def _cp1252_char(b: int) -> str:
    if b in _CP1252_HOLES:
        return chr(b)
    return bytes([b]).decode("cp1252")
