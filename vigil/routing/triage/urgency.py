"""How urgent a message is: the priority it suggests and why.

See docs/architecture.md#triage. Start at normal (low when the message has nothing to solve:
thanks, praise, a partnership offer). Each sign raises it:

- liquidation or margin-call risk → urgent;
- an account compromise ("someone withdrew my funds", 被盗, 不正アクセス) → urgent;
- a withdrawal pending longer than the threshold (2 hours unless configured) → at least high
  (a duration counts when the message also says the customer is still waiting);
- a VIP tier at or above the configured tier → one level up.

Levels and their numbers match `vigil.tickets.choices.Priority` (1 low … 4 urgent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from vigil.routing.triage.durations import longest

LEVELS: tuple[str, ...] = ("low", "normal", "high", "urgent")
LOW, NORMAL, HIGH, URGENT = 1, 2, 3, 4

_I = re.IGNORECASE | re.ASCII  # ASCII word boundaries: "hack咗" is "hack" + Cantonese
LIQUIDATION = re.compile(
    r"liquidat|margin[\s-]*call|margin\s+ratio|auto[\s-]*deleverag|\badl\b|blow(?:s|n)?\s+up|"
    r"爆仓|爆倉|强平|強平|强制平仓|強制平倉|穿仓|穿倉|追加保证金|追加保證金|保证金率|保證金率|"
    r"ロスカット|強制決済|追証|維持率",
    _I,
)
COMPROMISE = re.compile(
    r"someone\s+(?:withdrew|logged|accessed|took|stole|transferred|sold|drained|changed)|"
    r"hack(?:ed|er|ing)?\b|\bstolen\b|\bstole\b|unauthori[sz]ed|compromised|sim[\s-]*swap|"
    r"(?:was|wasn'?t|it'?s)\s+not\s+me|wasn'?t\s+me|never\s+did\s+(?:that|this)|"
    r"didn'?t\s+(?:make|authori[sz]e|do)\s+(?:this|that|these|it|any)|drained|"
    r"被盗|被盜|盗号|盜號|被黑|被駭|被人?(?:转走|轉走|卖|賣|盗|盜|偷)|异地登录|異地登入|"
    r"不是我本人|不是我|没操作|沒操作|没有操作|沒有操作|未经授权|未經授權|陌生(?:设备|裝置|設備)|"
    r"不正アクセス|不正ログイン|不正出金|乗っ取|ハッキング|覚えのない|心当たりのない|勝手に(?:売|出金|送金|ログイン|取引|引き出|注文)|盗まれ|"
    r"知らない(?:ログイン|デバイス)|(?:没有|沒有|没|沒)(?:登录|登入|登陆|登陸)|売られ|"
    r"勝手に.{0,12}?(?:売|出金|送金|ログイン|取引|引き出|注文)",
    _I,
)
WITHDRAWAL = re.compile(
    r"withdr[ae]w|withdrawl|cash\s*out|payout|transfer\s+out|提现|提現|提币|提幣|提款|提领|提領|"
    r"出金|出款|転出|引き?出|送金|出庫|提(?=[a-zA-Z]|的|了)",
    _I,
)
# Words that say the customer is still waiting, so a duration is how long it has been pending
# ("stuck for 6 hours"), not a rule being asked about ("do I have to wait 24h to withdraw?").
WAITING = re.compile(
    r"pending|stuck|processing|still|not\s+(?:arrived|received|here|there|yet)|\byet\b|been|"
    r"since|\bago\b|waiting|waited|\bnow\b|已经|已經|还没|還沒|没到|沒到|未到|等了|等咗|卡了|卡住|"
    r"处理中|處理中|审核中|審核中|一直|都|快|还是|還是|まだ|もう|保留|処理中|届か|経って|着いて|待た",
    _I,
)
_NOTHING_TO_SOLVE = re.compile(
    r"thank|problem\s+solved|all\s+good|great\s+(?:support|service|job)|partnership|"
    r"谢谢|謝謝|多谢|多謝|感谢|感謝|点赞|點讚|解决了|解決了|合作|"
    r"ありがとう|解決しました|丁寧な対応|提携",
    _I,
)


@dataclass(frozen=True, slots=True)
class UrgencyResult:
    priority: int  # 1 low, 2 normal, 3 high, 4 urgent
    bump: int  # levels above normal (negative for low)
    reasons: tuple[str, ...]
    liquidation: bool
    compromise: bool
    pending_hours: float | None  # how long a withdrawal has been pending, when said

    @property
    def level(self) -> str:
        return LEVELS[self.priority - 1]


def _quote(match: re.Match[str]) -> str:
    return f"“{match.group(0)}”"


def assess_urgency(
    text: str,
    *,
    category: str | None = None,
    vip_tier: int = 0,
    pending_threshold: timedelta = timedelta(hours=2),
    vip_min_tier: int = 1,
    now: datetime | None = None,
) -> UrgencyResult:
    reasons: list[str] = []
    level = NORMAL
    liquidation = LIQUIDATION.search(text)
    if liquidation:
        level = URGENT
        reasons.append(f"liquidation or margin risk: {_quote(liquidation)}")
    compromise = COMPROMISE.search(text)
    if compromise:
        level = URGENT
        reasons.append(f"account compromise: {_quote(compromise)}")
    pending_hours = None
    withdrawal = WITHDRAWAL.search(text)
    if withdrawal or category == "withdrawal":
        duration = longest(text, now=now) if WAITING.search(text) else None
        if duration is not None:
            pending_hours = duration.hours
            threshold = pending_threshold.total_seconds() / 3600
            if duration.hours >= threshold:
                level = max(level, HIGH)
                reasons.append(
                    f"withdrawal pending “{duration.text}” ({duration.hours:g} h, "
                    f"threshold {threshold:g} h)"
                )
    if level == NORMAL and category in (None, "other"):
        calm = _NOTHING_TO_SOLVE.search(text)
        if calm:
            level = LOW
            reasons.append(f"nothing to solve: {_quote(calm)}")
    if vip_tier >= vip_min_tier and vip_min_tier > 0:
        level = min(URGENT, level + 1)
        reasons.append(f"VIP tier {vip_tier}")
    return UrgencyResult(
        priority=level,
        bump=level - NORMAL,
        reasons=tuple(reasons),
        liquidation=bool(liquidation),
        compromise=bool(compromise),
        pending_hours=pending_hours,
    )
