"""API endpoints for triage's category rules: read, replace, learn from corrections.

See docs/architecture.md#triage. Supervisors and admins only.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Router, Schema

from vigil.api_types import ERRORS, request_agent
from vigil.routing.models import CategoryRuleSet
from vigil.routing.selectors import category_rules_get_for_agent
from vigil.routing.services import category_rules_import, category_rules_learn

router = Router(tags=["triage"])


class RuleSetOut(Schema):
    version: int
    source: str
    corrections: int


class LearnOut(Schema):
    version: int
    corrections: int
    mistakes: int
    changes: int


@router.get(
    "/triage/rules",
    response={200: dict[str, Any], **ERRORS},
    summary="The category rules in force",
    description="Terms and weights per category and language (the format of "
    "`vigil triage rules export`); version 0 is the built-in default set.",
)
def triage_rules_get(request: HttpRequest) -> dict[str, Any]:
    return category_rules_get_for_agent(request_agent(request))


@router.put(
    "/triage/rules",
    response={200: RuleSetOut, **ERRORS},
    summary="Replace the category rules",
    description="Stores the body, a complete rule set in the export format, as the newest "
    "version; triage uses it for tickets opened from then on.",
)
def triage_rules_put(request: HttpRequest, rules: dict[str, Any] = Body(...)) -> CategoryRuleSet:  # noqa: B008
    return category_rules_import(data=rules, actor=request_agent(request))


@router.post(
    "/triage/rules/learn",
    response={200: LearnOut, **ERRORS},
    summary="Learn the category rules from agents' corrections",
)
def triage_rules_learn(request: HttpRequest) -> dict[str, int]:
    learned = category_rules_learn(actor=request_agent(request))
    return {
        "version": learned.rule_set.version,
        "corrections": learned.corrections,
        "mistakes": learned.mistakes,
        "changes": learned.changes,
    }
