"""Channel secrets encrypted at rest. See docs/architecture.md#e-mail.

IMAP passwords and webhook signing keys live in `ChannelAccount.secrets_encrypted` as a
Fernet token (AES-128-CBC + HMAC-SHA256). The key is derived from Django's SECRET_KEY with
HKDF, so the database alone does not reveal them; rotating SECRET_KEY means entering the
secrets again.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from vigil.core.errors import ValidationFailed

_INFO = b"vigil channel secrets v1"


@functools.cache
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"vigil.channels", info=_INFO).derive(
        secret_key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def secrets_encrypt(values: dict[str, Any]) -> str:
    """The encrypted form of `values` (a JSON object), or "" when there is nothing to keep."""
    if not values:
        return ""
    payload = json.dumps(values, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return _fernet(settings.SECRET_KEY).encrypt(payload).decode("ascii")


def secrets_decrypt(token: str) -> dict[str, Any]:
    """The secrets stored in `token`. Raises ValidationFailed if SECRET_KEY changed since."""
    if not token:
        return {}
    try:
        payload = _fernet(settings.SECRET_KEY).decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        raise ValidationFailed(
            "the channel's secrets cannot be decrypted (was VIGIL_SECRET_KEY changed?); "
            "enter them again",
            code="secrets_unreadable",
        ) from None
    value = json.loads(payload)
    return value if isinstance(value, dict) else {}
