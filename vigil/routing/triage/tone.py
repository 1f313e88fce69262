"""Tone: abusive and distressed messages, in English, Chinese and Japanese.

See docs/architecture.md#triage. An abusive message (insults aimed at the desk, threats) is handled
by policy; a distressed one (panic, lost savings, a hint of self-harm) goes to a senior agent.
Each cue has a weight; a flag is raised at 2. Swearing alone ("I lost my fucking savings") weighs
1 and is not abuse. A hint of self-harm always means distressed and never abusive, whatever else
the message says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE | re.ASCII  # ASCII word boundaries: "hack咗" is "hack" + Cantonese

# (pattern, weight). Insults aimed at people or the company and threats weigh 2; swearing and
# harsh words that are often just frustration weigh 1.
_ABUSIVE: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(pattern, _I), weight)
    for pattern, weight in (
        (
            r"\b(?:idiots?|morons?|imbeciles?|retard(?:s|ed)?|bastards?|assholes?|dickheads?|"
            r"scumbags?|clowns|cunts?|bitch(?:es)?)\b",
            2,
        ),
        (r"\bfuck\s+(?:you|off|this|your)\b|\bf\W*u\W*c\W*k\s+you\b|\bstfu\b|go\s+to\s+hell", 2),
        (
            r"\byou\s+(?:people\s+are\s+|guys\s+are\s+|are\s+)?(?:a\s+)?(?:stupid|useless|"
            r"scammers?|thieves|thief|liars?|crooks?|criminals?|joke|pathetic|trash|garbage)\b",
            2,
        ),
        (
            r"\b(?:shit|crap|garbage|trash|scam|fucking|stupid|useless)\s+(?:exchange|platform|"
            r"company|support|service|app|bot|agents?|team)\b",
            2,
        ),
        (
            r"\bi\s+know\s+where\s+(?:you|your)|you(?:'ll|\s+will)\s+regret|\b(?:kill|hurt|find)\s+"
            r"you\b|burn\s+(?:down\s+)?your|watch\s+your\s+back",
            2,
        ),
        (r"\bfuck\w*|\bshit(?!coin)\w*|\bwtf\b|\bdamn\b|\bbullshit\b|\bscammers\b|\bpathetic\b", 1),
        (
            r"傻逼|傻b|煞笔|sb客服|脑残|腦殘|废物|廢物|混蛋|王八蛋|去死|白痴|白癡|人渣|狗屎|畜生|"
            r"操你|草泥马|草泥馬|你妈|你媽|幹你娘|干你娘|弄死你|杀了你|殺了你|等着瞧|等著瞧",
            2,
        ),
        (
            r"(?:你们|你們)(?:这些|這些|这群|這群)?(?:骗子|騙子|强盗|強盜)|"
            r"垃圾(?:平台|交易所|客服|公司)|(?:骗子|騙子)(?:平台|交易所|公司)",
            2,
        ),
        (r"妈的|媽的|他妈|他媽|尼玛|靠北|垃圾|骗子|騙子", 1),
        (
            r"バカ|馬鹿|ばか|アホ|死ね|殺す|ぶっ殺|カス|役立たず|詐欺師|クソ(?:取引所|野郎|サポート|みたい)|"
            r"ゴミ(?:取引所|サポート|会社)",
            2,
        ),
        (r"クソ|ゴミ|ふざけるな|ふざけんな|無能|最悪", 1),
    )
)
_SELF_HARM = re.compile(
    r"kill\s+myself|end\s+(?:my\s+life|it\s+all)|suicid|(?:don'?t|do\s+not)\s+want\s+to\s+live|"
    r"want\s+to\s+die|no\s+reason\s+to\s+live|jump\s+off|"
    r"不想活|想死|自杀|自殺|跳楼|跳樓|活不下去|轻生|輕生|"
    r"死にたい|自殺|生きていけない|消えたい|命を絶",
    _I,
)
_DISTRESSED: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(pattern, _I), weight)
    for pattern, weight in (
        (
            r"life\s+savings|lost\s+everything|everything\s+i\s+(?:have|had|own)|all\s+my\s+(?:money|"
            r"savings)|entire\s+savings|desperate|panick?(?:ing|ed)?\b|terrified|i'?m\s+scared|"
            r"can'?t\s+(?:sleep|breathe)|ruined|losing\s+my\s+(?:house|home|job)|begging",
            2,
        ),
        (
            r"please\s+help|help\s+me|please\s+please|don'?t\s+know\s+what\s+to\s+do|need\s+this\s+"
            r"money|surgery|hospital|\brent\b|my\s+(?:family|kids|children)|freaking\s+out|shaking",
            1,
        ),
        (
            r"救命|全部积蓄|全部積蓄|积蓄|積蓄|血汗钱|血汗錢|倾家荡产|傾家蕩產|崩溃|崩潰|绝望|絕望|"
            r"一辈子|一輩子|求求你们|求求你們|全没了|全沒了",
            2,
        ),
        (r"帮帮我|幫幫我|拜托|拜託|急死|怎么办啊|怎麼辦啊|医药费|醫藥費|救急", 1),
        (r"助けて|全財産|貯金が全部|人生終わ|絶望|パニック|震えて|眠れない", 2),
        (r"どうしよう|どうしたらいい|お願いします助け|貯金|生活費", 1),
    )
)


@dataclass(frozen=True, slots=True)
class ToneResult:
    abusive: bool
    distressed: bool
    self_harm: bool
    reasons: tuple[str, ...]


def _score(text: str, cues: tuple[tuple[re.Pattern[str], int], ...]) -> tuple[int, list[str]]:
    score, hits = 0, []
    for pattern, weight in cues:
        for match in pattern.finditer(text):
            score += weight
            hits.append(match.group(0))
    return score, hits


def assess_tone(text: str) -> ToneResult:
    reasons: list[str] = []
    self_harm = _SELF_HARM.search(text)
    distress_score, distress_hits = _score(text, _DISTRESSED)
    distressed = bool(self_harm) or distress_score >= 2
    if self_harm:
        reasons.append(f"self-harm hint: “{self_harm.group(0)}” (senior agent, never abusive)")
    if distress_score >= 2:
        reasons.append("distress: " + ", ".join(f"“{h}”" for h in distress_hits))
    abuse_score, abuse_hits = _score(text, _ABUSIVE)
    abusive = abuse_score >= 2 and not self_harm
    if abusive:
        reasons.append("abuse: " + ", ".join(f"“{h}”" for h in abuse_hits))
    elif abuse_score and self_harm:
        reasons.append("harsh words ignored: the message hints at self-harm")
    return ToneResult(abusive, distressed, bool(self_harm), tuple(reasons))
