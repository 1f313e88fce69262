"""Writes for agents, teams and API tokens. See docs/architecture.md#accounts."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from vigil.accounts.choices import Presence, Role
from vigil.accounts.events import AgentPresenceChanged
from vigil.accounts.models import Agent, ApiToken, Team
from vigil.core.errors import Conflict, ValidationFailed
from vigil.core.events import publish_on_commit
from vigil.core.languages import normalize_languages

TOKEN_PREFIX = "vgl_"


def team_create(*, name: str, languages: Iterable[str] = (), description: str = "") -> Team:
    name = name.strip()
    if not name:
        raise ValidationFailed("a team needs a name")
    with transaction.atomic():
        team, _ = Team.objects.get_or_create(
            name=name,
            defaults={"languages": normalize_languages(languages), "description": description},
        )
    return team


def agent_create(
    *,
    email: str,
    password: str,
    display_name: str = "",
    role: str = Role.TIER1,
    languages: Iterable[str] = (),
    capacity: int = 5,
    teams: Iterable[Team] = (),
    check_password: bool = True,
) -> Agent:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(f"{email!r} is not an e-mail address") from None
    if role not in Role.values:
        raise ValidationFailed(f"unknown role {role!r}; one of {', '.join(Role.values)}")
    if capacity < 1:
        raise ValidationFailed("capacity must be at least 1")
    user_model = get_user_model()
    if check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages)) from None
    # Hash before the transaction: PBKDF2 takes a good fraction of a second, and SQLite's write
    # lock would be held for all of it.
    hashed = make_password(password)
    with transaction.atomic():
        if user_model.objects.filter(username=email).exists():
            raise Conflict(f"an agent with e-mail {email} already exists")
        user = user_model(
            username=email,
            email=email,
            password=hashed,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.save()
        agent = Agent.objects.create(
            user=user,
            display_name=display_name.strip() or email.split("@")[0],
            role=role,
            languages=normalize_languages(languages),
            capacity=capacity,
        )
        agent.teams.set(list(teams))
    return agent


def agent_set_presence(*, agent: Agent, presence: str) -> Agent:
    if presence not in Presence.values:
        raise ValidationFailed(f"unknown presence {presence!r}")
    if agent.presence == presence:
        return agent
    with transaction.atomic():
        agent.presence = presence
        agent.presence_changed_at = timezone.now()
        agent.save(update_fields=["presence", "presence_changed_at", "updated_at"])
        publish_on_commit(AgentPresenceChanged(agent_id=agent.pk, presence=presence))
    return agent


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, agent: Agent, name: str = "cli") -> tuple[ApiToken, str]:
    """Create a token; the plain text is returned once and never stored."""
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        row = ApiToken.objects.create(
            agent=agent, name=name, prefix=prefix, digest=token_digest(token)
        )
    return row, token


def api_token_revoke(*, token: ApiToken) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_touch(*, token: ApiToken) -> None:
    """Record use at most once a minute, so authentication stays a read on the hot path."""
    now = timezone.now()
    if token.last_used_at and (now - token.last_used_at).total_seconds() < 60:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
