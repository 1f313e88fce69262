"""How a sensitive action's step reads in the console (activity log, queue).

See docs/architecture.md#sensitive-actions-and-approvals.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from vigil.approvals.choices import ActionKind


def _kind(value: Any) -> str:
    try:
        return str(ActionKind(value).label)
    except ValueError:
        return str(value)


def action_summary(kind: str, params: dict[str, Any]) -> str:
    """ "Adjust a balance: credit 250.50 USDT", "Whitelist …: BTC bitcoin bc1q…"."""
    label = _kind(kind)
    if kind == ActionKind.BALANCE_ADJUST:
        return f"{label}: {params.get('sign')} {params.get('amount')} {params.get('asset')}"
    if kind == ActionKind.WHITELIST_ADDRESS:
        return f"{label}: {params.get('asset')} {params.get('chain')} {params.get('address')}"
    if kind == ActionKind.RELEASE_WITHDRAWAL:
        return f"{label}: {params.get('withdrawal_id')}"
    return label


def action_step_text(data: dict[str, Any]) -> str:
    steps = {
        "requested": _("requested"),
        "approved": _("approved"),
        "refused": _("refused"),
        "executed": _("done on the exchange"),
        "rejected": _("rejected by the exchange"),
        "failed": _("failed on the exchange"),
        "expired": _("expired"),
    }
    step = data.get("step", "")
    text = f"{_kind(data.get('kind'))}: {steps.get(step, step)}"
    extra = data.get("comment") or data.get("error") or data.get("message") or ""
    return f"{text} ({extra})" if extra else text
