"""The permission matrix: which roles hold which named permission. See
docs/architecture.md#permissions.

Services ask `permission_require(agent, "routing.edit")` (raises `PermissionDenied`, a 403 at
every entry point) or `agent_can(agent, perm)` (a bool, for showing a button). Roles are ordered
tier 1 < tier 2 < tier 3 < supervisor < admin; most permissions are held from a minimum role up.
The approver tier of each sensitive action kind (`action.approve.<kind>`) can be changed with
`VIGIL_APPROVAL_TIERS` (e.g. `balance_adjust=admin,unlock_account=tier3`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from vigil.accounts.choices import Role
from vigil.config import ConfigError
from vigil.core.errors import PermissionDenied

ROLE_ORDER: tuple[str, ...] = (
    Role.TIER1,
    Role.TIER2,
    Role.TIER3,
    Role.SUPERVISOR,
    Role.ADMIN,
)


def role_rank(role: str) -> int:
    """0 for tier 1 … 4 for admin; an unknown role ranks below everyone."""
    try:
        return ROLE_ORDER.index(role)
    except ValueError:
        return -1


def role_at_least(role: str, minimum: str) -> bool:
    return role_rank(role) >= role_rank(minimum) >= 0


@dataclass(frozen=True, slots=True)
class Permission:
    name: str
    minimum: str  # the lowest role holding it; every role above holds it too
    description: str | Promise


# Sensitive action kinds (vigil.approvals.choices.ActionKind values) and who approves them by
# default. `balance_adjust.large` is a balance adjustment at or over the asset's large-amount
# threshold (VIGIL_APPROVAL_LARGE_AMOUNTS).
APPROVER_DEFAULTS: dict[str, str] = {
    "unlock_account": Role.TIER2,
    "reset_2fa": Role.TIER2,
    "whitelist_address": Role.TIER3,
    "release_withdrawal": Role.TIER3,
    "balance_adjust": Role.SUPERVISOR,
    "balance_adjust.large": Role.ADMIN,
}

_BASE: tuple[Permission, ...] = (
    Permission("ticket.read", Role.TIER1, _("Read the tickets of one's teams")),
    Permission("ticket.reply", Role.TIER1, _("Reply to customers and add notes")),
    Permission("ticket.status", Role.TIER1, _("Change a ticket's status")),
    Permission("ticket.assign_self", Role.TIER1, _("Take a ticket")),
    Permission("ticket.assign_any", Role.TIER2, _("Assign a ticket to another agent or team")),
    Permission("ticket.read_all", Role.SUPERVISOR, _("Read every ticket on the desk")),
    Permission("customer.read", Role.TIER1, _("Read customer profiles")),
    Permission("routing.edit", Role.SUPERVISOR, _("Edit routing rules and teams' categories")),
    Permission("sla.edit", Role.SUPERVISOR, _("Edit SLA policies and calendars")),
    Permission("shifts.edit", Role.SUPERVISOR, _("Edit agents' shifts")),
    Permission("team.edit", Role.SUPERVISOR, _("Create teams and change their members")),
    Permission("agent.manage", Role.ADMIN, _("Create agents, change roles, revoke tokens")),
    Permission("channel.manage", Role.ADMIN, _("Add and configure channel accounts")),
    Permission("action.request", Role.TIER1, _("Request a sensitive action on a customer")),
    Permission("action.read", Role.TIER1, _("See the approvals queue")),
    Permission("audit.read", Role.SUPERVISOR, _("Search the audit log")),
    Permission("audit.verify", Role.ADMIN, _("Verify the audit log's hash chain")),
    Permission("permissions.read", Role.TIER1, _("See this permission matrix")),
)

_APPROVE_TEXT: dict[str, str | Promise] = {
    "unlock_account": _("Approve unlocking a customer's account"),
    "reset_2fa": _("Approve resetting a customer's 2FA"),
    "whitelist_address": _("Approve whitelisting a withdrawal address"),
    "release_withdrawal": _("Approve releasing a held withdrawal"),
    "balance_adjust": _("Approve a balance adjustment"),
    "balance_adjust.large": _("Approve a balance adjustment over the large-amount threshold"),
}


def approver_tiers() -> dict[str, str]:
    """The minimum approver role per action kind: the defaults, then VIGIL_APPROVAL_TIERS."""
    tiers = dict(APPROVER_DEFAULTS)
    configured: Mapping[str, str] = getattr(settings, "VIGIL_APPROVAL_TIERS", {}) or {}
    for kind, role in configured.items():
        if kind not in APPROVER_DEFAULTS:
            raise ConfigError(
                f"VIGIL_APPROVAL_TIERS names an unknown action {kind!r}; "
                f"one of {', '.join(APPROVER_DEFAULTS)}"
            )
        tiers[kind] = role
    return tiers


def permissions() -> tuple[Permission, ...]:
    """Every named permission with the lowest role holding it, in display order."""
    approve = tuple(
        Permission(f"action.approve.{kind}", role, _APPROVE_TEXT[kind])
        for kind, role in approver_tiers().items()
    )
    return _BASE + approve


def permission_get(name: str) -> Permission:
    for perm in permissions():
        if perm.name == name:
            return perm
    raise KeyError(f"unknown permission {name!r}")


def roles_holding(name: str) -> list[str]:
    minimum = permission_get(name).minimum
    return [role for role in ROLE_ORDER if role_at_least(role, minimum)]


def permission_matrix() -> list[dict[str, object]]:
    """One row per permission: its name, description and a bool per role (for display)."""
    return [
        {
            "name": perm.name,
            "description": str(perm.description),
            "minimum": perm.minimum,
            "roles": {role: role_at_least(role, perm.minimum) for role in ROLE_ORDER},
        }
        for perm in permissions()
    ]


class _HasRole(Protocol):
    @property
    def role(self) -> str: ...


def agent_can(agent: _HasRole | None, perm: str) -> bool:
    """Whether the agent's role holds `perm`. An unknown permission is a programming error
    (KeyError), never a silent False."""
    minimum = permission_get(perm).minimum
    if agent is None:
        return False
    return role_at_least(str(agent.role), minimum)


def permission_require(agent: _HasRole | None, perm: str) -> None:
    """Raise PermissionDenied (403) unless the agent holds `perm`."""
    if not agent_can(agent, perm):
        raise PermissionDenied(f"your role may not do this ({perm})")
