"""Domain errors raised by services and turned into 4xx answers by entry points.

See docs/architecture.md#errors.
"""

from __future__ import annotations


class VigilError(Exception):
    """Base of every error a service raises on purpose. `code` is stable for API clients."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ValidationFailed(VigilError):
    code = "invalid"
    status = 422


class NotFound(VigilError):
    code = "not_found"
    status = 404


class PermissionDenied(VigilError):
    code = "forbidden"
    status = 403


class Conflict(VigilError):
    code = "conflict"
    status = 409


class InvalidTransition(Conflict):
    code = "invalid_transition"
