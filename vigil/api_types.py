"""Shared pieces of the REST API: safe input types, the error body, the requesting agent.

See docs/architecture.md#entry-points. Kept apart from vigil/api.py (which mounts every app's
router) so that the routers can import them without an import cycle.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Schema
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from vigil.accounts.models import Agent

# The largest primary key a 64-bit column holds; bigger ids are rejected before any query.
MAX_ID = 2**63 - 1
# Digits that always fit MAX_ID, for ids carried inside strings ("me", "none" or an id).
ID_DIGITS = "[1-9][0-9]{0,17}"


def _clean_text(value: str) -> str:
    """PostgreSQL refuses NUL in text and lone surrogates in UTF-8: reject both up front."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain NUL (\\u0000) characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "invalid_unicode", "must be valid Unicode text (no lone surrogates)"
        ) from None
    return value


# Every string the API accepts goes through Text.
Text = Annotated[
    str, AfterValidator(_clean_text), Field(json_schema_extra={"pattern": "^[^\\u0000]*$"})
]
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
LanguageCode = Annotated[
    Text,
    Field(max_length=16, description='A BCP 47 language code such as "en", "zh-hans" or "ja".'),
]


class ErrorOut(Schema):
    """Every 4xx/5xx answer: a stable `code` for programs, a `message` for people."""

    code: str
    message: str
    errors: list[dict[str, Any]] | None = None


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


class Page[T](Schema):
    """One page of a list; pass `next_cursor` back as `cursor` for the next one (null = end)."""

    items: list[T]
    next_cursor: str | None = None


def request_agent(request: HttpRequest) -> Agent:
    """The agent the request authenticated as (set by the API's auth classes)."""
    agent = getattr(request, "auth", None)
    if not isinstance(agent, Agent):  # the API refuses unauthenticated requests before this
        raise TypeError("request is not authenticated as an agent")
    return agent
