"""Template helpers for permissions and sensitive actions: `{% if agent|can:"audit.read" %}`.

See docs/architecture.md#permissions.
"""

from __future__ import annotations

from typing import Any

from django import template

from vigil.accounts.models import Agent
from vigil.accounts.permissions import agent_can
from vigil.approvals.display import action_summary

register = template.Library()


@register.filter
def can(agent: Agent | None, perm: str) -> bool:
    return agent_can(agent, perm)


@register.filter
def action_text(request: Any) -> str:
    return action_summary(request.kind, request.params or {})
