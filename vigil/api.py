"""The REST API under /api/v1: one NinjaAPI, its authentication and its error answers.

See docs/architecture.md#entry-points. Each app contributes a router (vigil/<app>/apis.py); this
module only mounts them, decides who is calling, and turns every failure into a JSON 4xx.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import Operation
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from vigil.accounts.apis import router as accounts_router
from vigil.accounts.models import Agent
from vigil.accounts.selectors import agent_for_user, api_token_lookup
from vigil.accounts.services import api_token_touch
from vigil.approvals.apis import router as approvals_router
from vigil.audit.apis import router as audit_router
from vigil.core.errors import VigilError
from vigil.customers.apis import router as customers_router
from vigil.routing.apis import router as triage_router
from vigil.routing.assignment_apis import router as assignment_router
from vigil.sla.apis import router as sla_router
from vigil.tickets.apis import router as tickets_router

logger = logging.getLogger("vigil.api")

DESCRIPTION = """\
Vigil's REST API for integrations and tools.

**Authentication.** Send `Authorization: Bearer <token>`; create a token with
`vigil token create --email ADDRESS`. A browser logged in to the console may call the API with
its session cookie instead, sending the `csrftoken` cookie's value as `X-CSRFToken` on writes.

**Errors.** Every error is JSON: `{"code": "...", "message": "..."}` with a 4xx status;
validation errors (422) add `errors`, one entry per offending field.

**Lists** are cursor-paginated: pass the `next_cursor` of one page as `cursor` to get the next;
`null` means there is no more. Tickets come most urgent first, then longest waiting.

**Attachments** travel inside the JSON body, base64-encoded:
`"attachments": [{"filename": "statement.pdf", "content_base64": "JVBERi0..."}]`. The content type
is sniffed from the bytes. Each file is limited to the desk's attachment size limit and the
whole request body to the server's upload limit (base64 adds a third). Download a stored
attachment from its `url`.
"""


class TokenAuth(HttpBearer):
    """`Authorization: Bearer vgl_...`, an agent's API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Agent | None:
        row = api_token_lookup(token.strip())
        if row is None:
            return None
        api_token_touch(token=row)
        return row.agent


class ConsoleSessionAuth(APIKeyCookie):
    """An agent logged in to the console; writes must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Agent | None:
        agent = agent_for_user(request.user)
        if agent is None:
            return None  # no session: the caller is unauthenticated, not forbidden
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed: send the csrftoken cookie as X-CSRFToken")
        return agent

    def authenticate(self, request: HttpRequest, key: str | None) -> Agent | None:
        return agent_for_user(request.user)  # pragma: no cover (see __call__)


class VigilAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        return operation.view_func.__name__  # unique across the routers: ticket_get, me, ...


api = VigilAPI(
    title="Vigil",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[TokenAuth(), ConsoleSessionAuth()],
)
api.add_router("", accounts_router)
api.add_router("", tickets_router)
api.add_router("", customers_router)
api.add_router("", assignment_router)
api.add_router("", approvals_router)
api.add_router("", audit_router)
api.add_router("", triage_router)
api.add_router("", sla_router)


# --- errors ---------------------------------------------------------------------------------

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "throttled",
}


def error_response(
    request: HttpRequest, status: int, code: str, message: str, **extra: Any
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(VigilError)
def on_vigil_error(request: HttpRequest, exc: VigilError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "payload", "customer", "email") -> "customer.email"; ("query", "limit") ->
    "limit"; the source and the ninja parameter name are noise to a client."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "filters", "query"}:
            parts = parts[1:]
    return ".".join(parts) or "request"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": _location(e.get("loc", ())),
            "message": str(e.get("msg", "is invalid")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors
    ]
    message = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]) or "invalid input"
    return error_response(request, 422, "invalid", message, errors=errors)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = HTTP_CODES.get(exc.status_code, "error")
    message = exc.message
    if isinstance(exc, AuthenticationError):
        message = "authentication required: send Authorization: Bearer <token>"
    elif message.startswith("Cannot parse request body"):
        message = "the request body is not valid JSON"
    response = error_response(request, exc.status_code, code, message)
    if exc.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="vigil"'
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "not found")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, 413, "too_large", "the request body is too large")


@api.exception_handler(TooManyFieldsSent)
def on_too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
    return error_response(request, 400, "bad_request", "too many parameters")


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # Input validation should have caught this; the database is the last line of defence.
    logger.warning("database refused API input on %s: %s", request.path, exc)
    return error_response(request, 422, "invalid", "a value is out of range or too long")


@api.exception_handler(IntegrityError)
def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    logger.warning("integrity conflict on %s: %s", request.path, exc)
    return error_response(request, 409, "conflict", "the change conflicts with existing data")


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(request, 500, "server_error", "an unexpected error; it was logged")
