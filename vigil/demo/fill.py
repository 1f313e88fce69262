"""Believable details for the demo's stories: coins, networks, hashes, addresses, prices.

See docs/architecture.md#the-apps. Everything is drawn from the random.Random it is given, so the
same seed always produces the same desk.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_HEX = string.hexdigits[:16]


@dataclass(frozen=True)
class Asset:
    coin: str
    network: str
    low: float
    high: float
    decimals: int
    hash_style: str  # "evm", "hex", "b58"
    address_style: str  # "evm", "tron", "btc", "sol", "xrp"


ASSETS = (
    Asset("USDT", "TRC20", 150, 48_000, 2, "hex", "tron"),
    Asset("USDT", "ERC20", 500, 120_000, 2, "evm", "evm"),
    Asset("BTC", "Bitcoin", 0.01, 3.5, 4, "hex", "btc"),
    Asset("ETH", "ERC20", 0.2, 40, 4, "evm", "evm"),
    Asset("SOL", "Solana", 5, 2_500, 2, "b58", "sol"),
    Asset("USDC", "Arbitrum One", 200, 60_000, 2, "evm", "evm"),
    Asset("XRP", "XRP Ledger", 300, 90_000, 1, "hex", "xrp"),
)

PAIRS = (
    ("BTC/USDT", 61_000, 72_000),
    ("ETH/USDT", 2_900, 3_900),
    ("SOL/USDT", 120, 210),
    ("DOGE/USDT", 0.11, 0.19),
    ("XRP/USDT", 0.48, 0.66),
)

SIDES = {
    "en": ("long", "short"),
    "zh-hans": ("做多", "做空"),
    "zh-hant": ("做多", "做空"),
    "ja": ("ロング", "ショート"),
}

CITIES = {
    "en": (
        "Lagos, Nigeria",
        "São Paulo, Brazil",
        "Hanoi, Vietnam",
        "Moscow, Russia",
        "Frankfurt, Germany",
        "Ashburn, United States",
    ),
    "zh-hans": ("俄罗斯莫斯科", "尼日利亚拉各斯", "越南河内", "巴西圣保罗", "美国阿什本"),
    "zh-hant": ("俄羅斯莫斯科", "奈及利亞拉哥斯", "越南河內", "巴西聖保羅"),
    "ja": ("ロシア・モスクワ", "ブラジル・サンパウロ", "ナイジェリア・ラゴス", "ベトナム・ハノイ"),
}


def _chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def tx_hash(rng: random.Random, style: str) -> str:
    if style == "evm":
        return "0x" + _chars(rng, _HEX, 64)
    if style == "b58":
        return _chars(rng, _B58, 88)
    return _chars(rng, _HEX, 64)


def address(rng: random.Random, style: str) -> str:
    return {
        "evm": lambda: "0x" + _chars(rng, "0123456789abcdefABCDEF", 40),
        "tron": lambda: "T" + _chars(rng, _B58, 33),
        "btc": lambda: "bc1q" + _chars(rng, "023456789acdefghjklmnpqrstuvwxyz", 38),
        "sol": lambda: _chars(rng, _B58, 44),
        "xrp": lambda: "r" + _chars(rng, _B58, 33),
    }[style]()


def _amount(rng: random.Random, asset: Asset) -> str:
    value = rng.uniform(asset.low, asset.high)
    if asset.decimals <= 2:
        value = round(value, -1 if value > 1000 else 0)
    return f"{value:,.{asset.decimals}f}".rstrip("0").rstrip(".")


def _price(value: float) -> str:
    return f"{value:,.2f}" if value >= 10 else f"{value:.4f}"


def uid(rng: random.Random) -> str:
    return str(rng.randint(10_000_000, 499_999_999))


def values(
    rng: random.Random, *, language: str, coin: str = "", customer_uid: str | None = None
) -> dict[str, str]:
    """Every placeholder a story may use, drawn afresh for one ticket."""
    assets = [a for a in ASSETS if a.coin == coin] or list(ASSETS)
    asset = rng.choice(assets)
    txid = tx_hash(rng, asset.hash_style)
    pair, low, high = rng.choice(PAIRS)
    mark = rng.uniform(low, high)
    leverage = rng.choice((10, 20, 25, 50, 75, 100))
    long = rng.random() < 0.6
    liq = mark * (1 - 0.9 / leverage) if long else mark * (1 + 0.9 / leverage)
    hour, minute = rng.randint(0, 23), rng.randint(0, 59)
    return {
        "coin": asset.coin,
        "network": asset.network,
        "amount": _amount(rng, asset),
        "txid": txid,
        "short_tx": f"{txid[:10]}…{txid[-6:]}",
        "address": address(rng, asset.address_style),
        "order_id": str(rng.randint(10**17, 10**18 - 1)),
        "uid": customer_uid or uid(rng),
        "hours": str(rng.randint(2, 9)),
        "pair": pair,
        "side": SIDES[language][0 if long else 1],
        "leverage": str(leverage),
        "mark_price": _price(mark),
        "liq_price": _price(liq),
        "loss": f"{rng.uniform(300, 25_000):,.2f}",
        "time": f"{hour:02d}:{minute:02d}",
        "city": rng.choice(CITIES[language]),
        "ip": f"{rng.choice(('203.0.113', '198.51.100', '192.0.2'))}.{rng.randint(2, 254)}",
    }
