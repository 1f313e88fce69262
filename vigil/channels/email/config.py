"""Django's mailer (MAILERS) derived from VIGIL_EMAIL_URL. See docs/architecture.md#configuration.

* `smtp://user:pass@host:port` (plain), `smtp+tls://` (STARTTLS), `smtps://` (implicit TLS);
* `mailgun://API_KEY@sending.domain?region=eu`, `postmark://SERVER_TOKEN@`,
  `sendgrid://API_KEY@`: an Anymail provider's HTTP API;
* `console://` prints mail; without VIGIL_EMAIL_URL mail is written as .eml files to
  `VIGIL_DATA_DIR/outbox/` so an embedded desk never pretends to have sent what it could not.

Imported by vigil/settings.py before Django is set up: standard library only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

_ANYMAIL = {
    "mailgun": ("anymail.backends.mailgun.EmailBackend", "api_key"),
    "postmark": ("anymail.backends.postmark.EmailBackend", "server_token"),
    "sendgrid": ("anymail.backends.sendgrid.EmailBackend", "api_key"),
}


def email_settings(url: str | None, *, data_dir: Path) -> dict[str, Any]:
    """Django's MAILERS setting for `url` (the "default" mailer sends the desk's mail)."""
    return {"MAILERS": {"default": mailer_config(url, data_dir=data_dir)}}


def mailer_config(url: str | None, *, data_dir: Path) -> dict[str, Any]:
    if not url:
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(data_dir / "outbox")},
        }
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme in _ANYMAIL:
        backend, key_name = _ANYMAIL[scheme]
        options: dict[str, Any] = {key_name: unquote(parts.username or "")}
        if scheme == "mailgun" and parts.hostname:
            options["sender_domain"] = parts.hostname
        if scheme == "mailgun" and query.get("region") == "eu":
            options["api_url"] = "https://api.eu.mailgun.net/v3"
        return {"BACKEND": backend, "OPTIONS": options}
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or (465 if scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": scheme == "smtps",
            "use_tls": scheme == "smtp+tls",
            "timeout": float(query.get("timeout", "30")),
        },
    }
