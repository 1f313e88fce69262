"""Adding and configuring support addresses. See docs/architecture.md#e-mail.

`email_account_create(address=..., imap_url=...)` makes (or updates) the e-mail channel
account of one support address. Its IMAP mailbox, when given, goes into `settings["imap"]`
(host, port, TLS, folders) and the login into the encrypted secrets; provider webhook keys
are set with `email_account_secrets_set`. Secrets are never shown back.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.db import transaction

from vigil.accounts.models import Team
from vigil.channels.choices import ChannelKind
from vigil.channels.email.crypto import secrets_decrypt, secrets_encrypt
from vigil.channels.email.selectors import email_accounts_by_address
from vigil.channels.models import ChannelAccount
from vigil.core.errors import ValidationFailed
from vigil.customers.choices import IdentityKind
from vigil.customers.services import normalize_address

WEBHOOK_SECRET_NAMES = frozenset(
    {
        "mailgun_signing_key",
        "postmark_basic_auth",
        "sendgrid_verification_key",
        "sendgrid_basic_auth",
        "ses_basic_auth",
        "ses_topic_arn",
    }
)


def imap_settings_parse(url: str) -> tuple[dict[str, Any], dict[str, str]]:
    """`imaps://user:pass@host:993/INBOX?processed=Vigil&idle=1` -> (settings, secrets).

    `imaps` is implicit TLS (993), `imap` plain or STARTTLS with `?starttls=1` (143).
    `processed` names the folder processed mail is moved to; without it, mail is flagged
    \\Seen and $VigilProcessed and stays where it is."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imap", "imaps"):
        raise ValidationFailed(f"{url!r}: use imaps://user:password@host/INBOX (or imap://)")
    if not parts.hostname or not parts.username:
        raise ValidationFailed(f"{url!r} needs a user and a host")
    try:
        port = parts.port
    except ValueError:
        raise ValidationFailed(f"{url!r} has an invalid port") from None
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    tls = parts.scheme == "imaps"
    settings = {
        "host": parts.hostname,
        "port": port or (993 if tls else 143),
        "tls": tls,
        "starttls": query.get("starttls", "0") in ("1", "true", "yes"),
        "folder": unquote(parts.path.lstrip("/")) or "INBOX",
        "processed_folder": query.get("processed", ""),
        "idle": query.get("idle", "1") not in ("0", "false", "no"),
        "poll_seconds": int(query.get("poll", "60")),
    }
    secrets = {"imap_user": unquote(parts.username), "imap_password": unquote(parts.password or "")}
    return settings, secrets


def email_account_create(
    *,
    address: str,
    name: str = "",
    imap_url: str | None = None,
    default_team: Team | None = None,
    acknowledge: bool = True,
) -> tuple[ChannelAccount, bool]:
    """The e-mail account of support address `address`, created or updated; (account, created)."""
    address = normalize_address(kind=IdentityKind.EMAIL, address=address)
    if "+" in address.partition("@")[0]:
        raise ValidationFailed("a support address cannot contain '+' (it carries ticket numbers)")
    imap, secrets = imap_settings_parse(imap_url) if imap_url else (None, {})
    with transaction.atomic():
        account, created = ChannelAccount.objects.select_for_update().get_or_create(
            kind=ChannelKind.EMAIL,
            address=address,
            defaults={"name": name or address, "default_team": default_team},
        )
        values = dict(account.settings or {})
        values["acknowledge"] = acknowledge
        if imap is not None:
            values["imap"] = imap
        stored = secrets_decrypt(account.secrets_encrypted) if secrets else {}
        stored.update(secrets)
        fields = ["settings", "updated_at"]
        account.settings = values
        if secrets:
            account.secrets_encrypted = secrets_encrypt(stored)
            fields.append("secrets_encrypted")
        if name and name != account.name:
            account.name = name
            fields.append("name")
        if default_team is not None and account.default_team_id != default_team.pk:
            account.default_team = default_team
            fields.append("default_team")
        account.save(update_fields=fields)
    email_accounts_by_address(fresh=True)
    return account, created


def email_account_secrets_set(*, account: ChannelAccount, values: dict[str, str]) -> None:
    """Set (or, with an empty value, remove) webhook secrets of `account`."""
    unknown = set(values) - WEBHOOK_SECRET_NAMES - {"imap_user", "imap_password"}
    if unknown:
        raise ValidationFailed(f"unknown secret(s): {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = ChannelAccount.objects.select_for_update().get(pk=account.pk)
        stored = secrets_decrypt(locked.secrets_encrypted)
        for key, value in values.items():
            if value:
                stored[key] = value
            else:
                stored.pop(key, None)
        locked.secrets_encrypted = secrets_encrypt(stored)
        locked.save(update_fields=["secrets_encrypted", "updated_at"])
    account.secrets_encrypted = locked.secrets_encrypted


def email_account_secrets(account: ChannelAccount) -> dict[str, str]:
    return {str(k): str(v) for k, v in secrets_decrypt(account.secrets_encrypted).items()}
