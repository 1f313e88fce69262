# ruff: noqa: RUF001 - native CJK punctuation is intended
"""Who works the demo desk and who writes to it. See docs/architecture.md#the-apps."""

from __future__ import annotations

from dataclasses import dataclass

from vigil.accounts.choices import Role

DEMO_DOMAIN = "vigil.test"
DEMO_PASSWORD = "demo-desk-24x7"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"

TEAM_EN = "English support"
TEAM_ZH = "中文支持"
TEAM_JA = "日本語サポート"
TEAM_SECURITY = "Security"
TEAM_VIP = "VIP desk"


@dataclass(frozen=True)
class TeamSpec:
    name: str
    languages: tuple[str, ...]
    description: str


TEAMS = (
    TeamSpec(TEAM_EN, ("en",), "Tier 1-3 support in English, around the clock."),
    TeamSpec(TEAM_ZH, ("zh-hans", "zh-hant"), "简体与繁體中文客服，7×24小时。"),
    TeamSpec(TEAM_JA, ("ja",), "日本語のお問い合わせ対応（24時間365日）。"),
    TeamSpec(TEAM_SECURITY, ("en", "zh-hans", "ja"), "Account takeovers, phishing, frozen funds."),
    TeamSpec(TEAM_VIP, ("en", "zh-hans", "zh-hant", "ja"), "Platinum and institutional clients."),
)

# Which team answers a language when nothing more specific applies.
TEAM_FOR_LANGUAGE = {"en": TEAM_EN, "zh-hans": TEAM_ZH, "zh-hant": TEAM_ZH, "ja": TEAM_JA}


@dataclass(frozen=True)
class AgentSpec:
    email: str
    name: str
    role: str
    languages: tuple[str, ...]
    teams: tuple[str, ...]
    capacity: int = 6
    online: bool = True


def _agent(
    local: str,
    name: str,
    role: str,
    langs: str,
    *teams: str,
    capacity: int = 6,
    online: bool = True,
) -> AgentSpec:
    email = f"{local}@{DEMO_DOMAIN}"
    return AgentSpec(email, name, role, tuple(langs.split(",")), teams, capacity, online)


AGENTS = (
    _agent("admin", "Alex Morgan", Role.ADMIN, "en,zh-hans,ja", capacity=3, online=False),
    _agent(
        "mei.lin", "Mei Lin", Role.SUPERVISOR, "en,zh-hans,zh-hant", TEAM_EN, TEAM_ZH, capacity=4
    ),
    _agent("sarah.collins", "Sarah Collins", Role.TIER1, "en", TEAM_EN, capacity=8),
    _agent("james.porter", "James Porter", Role.TIER1, "en", TEAM_EN, capacity=8, online=False),
    _agent("priya.nair", "Priya Nair", Role.TIER2, "en", TEAM_EN, TEAM_VIP),
    _agent("marco.bianchi", "Marco Bianchi", Role.TIER3, "en", TEAM_EN, capacity=4),
    _agent("chen.xiao", "陈晓", Role.TIER1, "zh-hans,en", TEAM_ZH, capacity=8),
    _agent("liu.ting", "刘婷", Role.TIER1, "zh-hans,zh-hant", TEAM_ZH, capacity=8),
    _agent("zhou.jie", "周杰", Role.TIER2, "zh-hans,zh-hant,en", TEAM_ZH),
    _agent("huang.li", "黄立", Role.TIER3, "zh-hans,en", TEAM_ZH, capacity=4, online=False),
    _agent("haruka.sasaki", "佐々木 遥", Role.TIER1, "ja", TEAM_JA, capacity=8),
    _agent("megumi.ishii", "石井 恵", Role.TIER1, "ja,en", TEAM_JA, capacity=8, online=False),
    _agent("kenichi.mori", "森 健一", Role.TIER2, "ja,en", TEAM_JA, TEAM_VIP),
    _agent("daniel.weiss", "Daniel Weiss", Role.TIER3, "en", TEAM_SECURITY, capacity=4),
    _agent("wang.lei", "王磊", Role.TIER3, "zh-hans,en", TEAM_SECURITY, capacity=4),
    _agent("grace.ho", "Grace Ho", Role.TIER2, "en,zh-hans,zh-hant", TEAM_VIP, capacity=5),
)


@dataclass(frozen=True)
class PersonSpec:
    """A customer: display name, how agents greet them, a handle for addresses."""

    name: str
    greeting: str
    handle: str


def _people(rows: str) -> tuple[PersonSpec, ...]:
    out = []
    for row in rows.strip().splitlines():
        name, greeting, handle = (part.strip() for part in row.split("|"))
        out.append(PersonSpec(name, greeting, handle))
    return tuple(out)


CUSTOMERS = {
    "en": _people("""
        Liam Carter | Liam | liam.carter
        Olivia Bennett | Olivia | obennett
        Noah Fischer | Noah | noah.fischer
        Emma Schulz | Emma | emma.s
        Mateo Alvarez | Mateo | mateo.alvarez
        Aisha Khan | Aisha | aisha.khan
        Daniel Okafor | Daniel | d.okafor
        Sofia Rossi | Sofia | sofia.rossi
        Lucas Martin | Lucas | lucasm
        Chloe Dubois | Chloe | chloe.dubois
        Arjun Patel | Arjun | arjun.patel
        Hannah Kowalski | Hannah | hkowalski
        Ethan Brooks | Ethan | ethan.brooks
        Isabella Costa | Isabella | bella.costa
        Mohammed Al-Farsi | Mohammed | m.alfarsi
        Grace Nguyen | Grace | grace.nguyen
        Tomás Silva | Tomás | tomas.silva
        Leah Goldberg | Leah | leah.g
        Ravi Sharma | Ravi | ravi.sharma
        Zoe Anderson | Zoe | zoe.anderson
        Jamal Wright | Jamal | jamal.w
        Mia Jensen | Mia | mia.jensen
        Oliver Hughes | Oliver | ohughes
        Kwame Mensah | Kwame | kwame.mensah
        Yusuf Demir | Yusuf | yusuf.demir
        Elif Yilmaz | Elif | elif.yilmaz
        Lars Nilsson | Lars | lars.nilsson
        Ana Petrović | Ana | ana.petrovic
    """),
    "zh-hans": _people("""
        王伟 | 王伟 | wangwei88
        李娜 | 李娜 | lina.trade
        张敏 | 张敏 | zhangmin
        刘洋 | 刘洋 | liuyang.btc
        陈静 | 陈静 | chenjing
        杨帆 | 杨帆 | yangfan
        赵磊 | 赵磊 | zhaolei
        黄晓明 | 黄晓明 | hxm
        周婷 | 周婷 | zhouting
        吴昊 | 吴昊 | wuhao
        徐佳 | 徐佳 | xujia
        孙浩然 | 孙浩然 | sunhaoran
        马丽 | 马丽 | mali
        朱晨 | 朱晨 | zhuchen
        胡斌 | 胡斌 | hubin
        郭子豪 | 郭子豪 | guozihao
    """),
    "zh-hant": _people("""
        陳冠宇 | 陳冠宇 | kuanyu.chen
        林怡君 | 林怡君 | yijun.lin
        黃志明 | 黃志明 | chiming
        張雅婷 | 張雅婷 | yating.chang
        李承翰 | 李承翰 | chenghan.li
        王美玲 | 王美玲 | meiling.wang
        吳家豪 | 吳家豪 | chiahao.wu
        蔡佩珊 | 蔡佩珊 | peishan.tsai
    """),
    "ja": _people("""
        佐藤 健太 | 佐藤 | k.sato
        鈴木 美咲 | 鈴木 | misaki.suzuki
        高橋 翔 | 高橋 | sho.takahashi
        田中 陽子 | 田中 | yoko.tanaka
        伊藤 大輔 | 伊藤 | daisuke.ito
        渡辺 さくら | 渡辺 | sakura.w
        山本 拓也 | 山本 | takuya.yamamoto
        中村 由美 | 中村 | yumi.nakamura
        小林 直樹 | 小林 | naoki.kobayashi
        加藤 彩 | 加藤 | aya.kato
        吉田 亮 | 吉田 | ryo.yoshida
        山田 花子 | 山田 | hanako.yamada
    """),
}

# Reserved names only (RFC 2606): the demo must never mail a real person.
MAIL_DOMAINS = {
    "en": ("example.com", "example.net", "example.org"),
    "zh-hans": ("cn.example.com", "example.com"),
    "zh-hant": ("tw.example.net", "example.net"),
    "ja": ("jp.example.org", "example.org"),
}
