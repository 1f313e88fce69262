"""The audit log search page and the permission matrix. See docs/architecture.md#audit-log
and docs/architecture.md#permissions.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from vigil.accounts.models import Agent
from vigil.accounts.permissions import ROLE_ORDER, permission_matrix, permission_require
from vigil.audit.selectors import AuditFilters, audit_search
from vigil.console.views.common import agent_required, error_page
from vigil.core.errors import ValidationFailed

PAGE_SIZE = 50


class AuditSearchForm(forms.Form):
    text = forms.CharField(label=_("Text"), required=False, max_length=200)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=80)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=40)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    since = forms.DateTimeField(label=_("From"), required=False)
    until = forms.DateTimeField(label=_("Until"), required=False)
    cursor = forms.IntegerField(required=False, min_value=1, max_value=2**62)


@require_GET
@agent_required
def audit_log(request: HttpRequest, agent: Agent) -> HttpResponse:
    permission_require(agent, "audit.read")
    form = AuditSearchForm(request.GET)
    if not form.is_valid():
        return error_page(request, ValidationFailed("; ".join(form.errors)))
    data = form.cleaned_data
    filters = AuditFilters(**{k: v for k, v in data.items() if k != "cursor" and v is not None})
    entries, cursor = audit_search(
        agent=agent, filters=filters, before_seq=data["cursor"], limit=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "console/audit.html",
        {"agent": agent, "form": form, "entries": entries, "cursor": cursor, "query": query},
    )


@require_GET
@agent_required
def permissions(request: HttpRequest, agent: Agent) -> HttpResponse:
    permission_require(agent, "permissions.read")
    return render(
        request,
        "console/permissions.html",
        {"agent": agent, "rows": permission_matrix(), "roles": ROLE_ORDER},
    )
