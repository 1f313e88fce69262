"""What each sensitive action kind takes, and who may approve it. See
docs/architecture.md#sensitive-actions-and-approvals.

`params_clean(kind, params)` validates and normalizes an action's parameters (a ValidationFailed
names the field); `approve_permission(kind, params)` is the permission its approver needs:
`action.approve.<kind>`, or `action.approve.balance_adjust.large` for an adjustment at or over
the asset's threshold (VIGIL_APPROVAL_LARGE_AMOUNTS, "*" for any other asset).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from vigil.approvals.choices import ActionKind
from vigil.core.errors import ValidationFailed

_BASE58 = "1-9A-HJ-NP-Za-km-z"
_EVM = re.compile(r"^0x[0-9a-fA-F]{40}$")
# Rough address shapes per chain: enough to catch a pasted e-mail or a truncated address.
ADDRESS_FORMATS: dict[str, re.Pattern[str]] = {
    "bitcoin": re.compile(rf"^(bc1[02-9ac-hj-np-z]{{11,71}}|[13][{_BASE58}]{{25,34}})$"),
    "ethereum": _EVM,
    "bsc": _EVM,
    "polygon": _EVM,
    "arbitrum": _EVM,
    "tron": re.compile(rf"^T[{_BASE58}]{{33}}$"),
    "solana": re.compile(rf"^[{_BASE58}]{{32,44}}$"),
    "xrp": re.compile(rf"^r[{_BASE58}]{{24,34}}$"),
    "litecoin": re.compile(rf"^(ltc1[02-9ac-hj-np-z]{{11,71}}|[LM3][{_BASE58}]{{26,33}})$"),
}
_ASSET = re.compile(r"^[A-Z0-9]{2,10}$")
_REFERENCE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_DECIMALS = 18


def _text(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"{name}: required")
    return value.strip()


def _asset(params: dict[str, Any]) -> str:
    asset = _text(params, "asset").upper()
    if not _ASSET.match(asset):
        raise ValidationFailed("asset: 2 to 10 letters or digits, e.g. BTC")
    return asset


def _amount(params: dict[str, Any]) -> Decimal:
    raw = params.get("amount")
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValidationFailed('amount: required, as a decimal string such as "0.5"')
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationFailed(f"amount: {raw!r} is not a number") from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed("amount: must be greater than 0")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise ValidationFailed(f"amount: at most {MAX_DECIMALS} decimals")
    if amount >= Decimal(10) ** 15:
        raise ValidationFailed("amount: too large")
    return amount


def _none(params: dict[str, Any]) -> dict[str, Any]:
    return {}


def _whitelist(params: dict[str, Any]) -> dict[str, Any]:
    chain = _text(params, "chain").lower()
    pattern = ADDRESS_FORMATS.get(chain)
    if pattern is None:
        raise ValidationFailed(f"chain: one of {', '.join(ADDRESS_FORMATS)}")
    address = _text(params, "address")
    if not pattern.match(address):
        raise ValidationFailed(f"address: not a {chain} address")
    out: dict[str, Any] = {"asset": _asset(params), "chain": chain, "address": address}
    memo = params.get("memo")
    if memo not in (None, ""):
        if not isinstance(memo, str) or len(memo) > 64:
            raise ValidationFailed("memo: at most 64 characters")
        out["memo"] = memo.strip()
    return out


def _release(params: dict[str, Any]) -> dict[str, Any]:
    withdrawal_id = _text(params, "withdrawal_id")
    if not _REFERENCE.match(withdrawal_id):
        raise ValidationFailed("withdrawal_id: letters, digits and . _ : - only, at most 64")
    return {"withdrawal_id": withdrawal_id}


def _balance(params: dict[str, Any]) -> dict[str, Any]:
    sign = _text(params, "sign").lower()
    if sign not in {"credit", "debit"}:
        raise ValidationFailed("sign: credit or debit")
    return {"asset": _asset(params), "amount": str(_amount(params)), "sign": sign}


CLEANERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    ActionKind.UNLOCK_ACCOUNT: _none,
    ActionKind.RESET_2FA: _none,
    ActionKind.WHITELIST_ADDRESS: _whitelist,
    ActionKind.RELEASE_WITHDRAWAL: _release,
    ActionKind.BALANCE_ADJUST: _balance,
}


def params_clean(kind: str, params: dict[str, Any] | None) -> dict[str, Any]:
    if kind not in CLEANERS:
        raise ValidationFailed(f"kind: one of {', '.join(CLEANERS)}")
    if params is not None and not isinstance(params, dict):
        raise ValidationFailed("params: an object")
    return CLEANERS[kind](params or {})


def large_amount(asset: str) -> Decimal:
    amounts: dict[str, str] = getattr(settings, "VIGIL_APPROVAL_LARGE_AMOUNTS", {}) or {}
    return Decimal(amounts.get(asset, amounts.get("*", "10000")))


def approve_permission(kind: str, params: dict[str, Any]) -> str:
    """The permission an approver of this action needs (params already cleaned)."""
    if kind == ActionKind.BALANCE_ADJUST and Decimal(params["amount"]) >= large_amount(
        params["asset"]
    ):
        return f"action.approve.{kind}.large"
    return f"action.approve.{kind}"
