"""Writes for agents, teams and API tokens. See docs/architecture.md#accounts."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from vigil.accounts.choices import Presence, Role
from vigil.accounts.events import AgentPresenceChanged
from vigil.accounts.models import Agent, ApiToken, ConsoleSocket, Team
from vigil.accounts.permissions import permission_require, role_rank
from vigil.core.errors import Conflict, PermissionDenied, ValidationFailed
from vigil.core.events import publish_on_commit
from vigil.core.languages import normalize_languages

TOKEN_PREFIX = "vgl_"
UNSET = object()  # "leave as it is" where None is a value (a team without a fallback)


def team_create(
    *,
    name: str,
    languages: Iterable[str] = (),
    description: str = "",
    actor: Agent | None = None,
) -> Team:
    """Create a team (or return the one of that name). `actor`, when given (the API and
    console), must hold `team.edit`; the command line passes none."""
    if actor is not None:
        permission_require(actor, "team.edit")
    name = name.strip()
    if not name:
        raise ValidationFailed("a team needs a name")
    with transaction.atomic():
        if actor is not None and Team.objects.filter(name=name).exists():
            raise Conflict(f"a team named {name} already exists")
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


# --- teams and skills (supervisors and admins) ---------------------------------------------


def check_categories(values: Iterable[str]) -> list[str]:
    from vigil.tickets.choices import Category  # tickets depends on accounts, not the reverse

    cleaned = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    unknown = [v for v in cleaned if v not in Category.values]
    if unknown:
        raise ValidationFailed(
            f"unknown categories {', '.join(unknown)}; one of {', '.join(Category.values)}"
        )
    return cleaned


def _check_fallback(team: Team, fallback: Team | None) -> None:
    """A fallback chain must end: the new fallback may not lead back to the team."""
    seen = {team.pk}
    current = fallback
    while current is not None:
        if current.pk in seen:
            raise ValidationFailed(f"{fallback} falls back to {team}: a loop")
        seen.add(current.pk)
        current = current.fallback


def team_update(
    *,
    actor: Agent,
    team: Team,
    name: str | None = None,
    languages: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
    fallback: Team | object | None = UNSET,
    members: Iterable[Agent] | None = None,
    description: str | None = None,
) -> Team:
    """Change a team; None (UNSET for the fallback) leaves a field as it is."""
    permission_require(actor, "team.edit")
    fields: list[str] = []
    if name is not None:
        if not name.strip():
            raise ValidationFailed("a team needs a name")
        team.name, fields = name.strip(), [*fields, "name"]
    if languages is not None:
        team.languages, fields = normalize_languages(languages), [*fields, "languages"]
    if categories is not None:
        team.categories, fields = check_categories(categories), [*fields, "categories"]
    if description is not None:
        team.description, fields = description, [*fields, "description"]
    with transaction.atomic():
        if fallback is not UNSET:
            assert fallback is None or isinstance(fallback, Team)
            _check_fallback(team, fallback)
            team.fallback, fields = fallback, [*fields, "fallback"]
        if fields:
            if (
                name is not None
                and Team.objects.filter(name=team.name).exclude(pk=team.pk).exists()
            ):
                raise Conflict(f"a team named {team.name} already exists")
            team.save(update_fields=[*fields, "updated_at"])
        if members is not None:
            team.agents.set(list(members))
    return team


def agent_skills_update(
    *,
    actor: Agent,
    agent: Agent,
    languages: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
    role: str | None = None,
    capacity: int | None = None,
    chat_capacity: int | None = None,
    timezone_name: str | None = None,
) -> Agent:
    """Change an agent's skills, tier and capacities; None leaves a field as it is. Nobody
    grants a role above their own."""
    permission_require(actor, "team.edit")
    fields: list[str] = []
    if languages is not None:
        agent.languages, fields = normalize_languages(languages), [*fields, "languages"]
    if categories is not None:
        agent.categories, fields = check_categories(categories), [*fields, "categories"]
    if role is not None and role != agent.role:
        if role not in Role.values:
            raise ValidationFailed(f"unknown role {role!r}; one of {', '.join(Role.values)}")
        if role_rank(role) > role_rank(actor.role) or role_rank(agent.role) > role_rank(actor.role):
            raise PermissionDenied("you may not change a role above your own")
        agent.role, fields = role, [*fields, "role"]
    for field, value in (("capacity", capacity), ("chat_capacity", chat_capacity)):
        if value is not None:
            if not 0 <= value <= 100:
                raise ValidationFailed(f"{field} must be between 0 and 100")
            setattr(agent, field, value)
            fields.append(field)
    if timezone_name is not None:
        try:
            ZoneInfo(timezone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(f"unknown time zone {timezone_name!r}") from None
        agent.timezone, fields = timezone_name, [*fields, "timezone"]
    if fields:
        with transaction.atomic():
            agent.save(update_fields=[*fields, "updated_at"])
    return agent


# --- presence ------------------------------------------------------------------------------
# Agents set online / away / offline themselves. A console socket's heartbeat keeps
# last_seen_at fresh; the last socket closing takes the agent offline after a grace, and a
# periodic sweep does the same for agents whose heartbeat stopped (a process that died).


def presence_grace() -> timedelta:
    return timedelta(seconds=getattr(settings, "VIGIL_PRESENCE_GRACE_SECONDS", 15))


def presence_stale_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "VIGIL_PRESENCE_STALE_SECONDS", 90))


HEARTBEAT_EVERY = timedelta(seconds=20)  # write last_seen_at at most this often per socket


def agent_set_presence(*, agent: Agent, presence: str, reason: str = "set by the agent") -> Agent:
    """Set the agent's presence; going online also counts as a sign of life."""
    if presence not in Presence.values:
        raise ValidationFailed(f"unknown presence {presence!r}")
    now = timezone.now()
    fields = ["updated_at"]
    if presence != Presence.OFFLINE:
        agent.last_seen_at = now
        fields.append("last_seen_at")
    if agent.presence == presence:
        if len(fields) > 1:
            Agent.objects.filter(pk=agent.pk).update(last_seen_at=now)
        return agent
    with transaction.atomic():
        agent.presence = presence
        agent.presence_changed_at = now
        agent.save(update_fields=["presence", "presence_changed_at", *fields])
        publish_on_commit(AgentPresenceChanged(agent_id=agent.pk, presence=presence, reason=reason))
    return agent


def _presence_drop(*, agent_id: int, reason: str, unless_seen_since: datetime | None) -> bool:
    """Offline, unless already, or (with `unless_seen_since`) seen since then; one winner
    among processes (a conditional UPDATE). Returns whether this call changed it."""
    now = timezone.now()
    with transaction.atomic():
        rows = Agent.objects.filter(pk=agent_id).exclude(presence=Presence.OFFLINE)
        if unless_seen_since is not None:
            rows = rows.filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=unless_seen_since))
        if not rows.update(presence=Presence.OFFLINE, presence_changed_at=now, updated_at=now):
            return False
        publish_on_commit(
            AgentPresenceChanged(agent_id=agent_id, presence=Presence.OFFLINE, reason=reason)
        )
    return True


def presence_socket_opened(*, agent_id: int, channel_name: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        ConsoleSocket.objects.update_or_create(
            channel_name=channel_name,
            defaults={"agent_id": agent_id, "connected_at": now, "last_seen_at": now},
        )
        Agent.objects.filter(pk=agent_id).update(last_seen_at=now)


def presence_heartbeat(*, agent_id: int, channel_name: str = "", seen: datetime | None) -> datetime:
    """A sign of life from the agent (a socket ping, an API call). Writes at most every
    HEARTBEAT_EVERY given the previous write `seen`; returns the time last written."""
    now = timezone.now()
    if seen is not None and now - seen < HEARTBEAT_EVERY:
        return seen
    with transaction.atomic():
        Agent.objects.filter(pk=agent_id).update(last_seen_at=now)
        if channel_name:
            ConsoleSocket.objects.filter(channel_name=channel_name).update(last_seen_at=now)
    return now


def _live_sockets(agent_id: int, now: datetime) -> bool:
    return ConsoleSocket.objects.filter(
        agent_id=agent_id, last_seen_at__gte=now - presence_stale_after()
    ).exists()


def presence_socket_closed(*, channel_name: str) -> int | None:
    """Forget the socket. When it was the agent's last one, returns the agent's id: the caller
    schedules presence_check_gone after presence_grace()."""
    with transaction.atomic():
        socket = ConsoleSocket.objects.filter(channel_name=channel_name).first()
        if socket is None:
            return None
        socket.delete()
        if _live_sockets(socket.agent_id, timezone.now()):
            return None
    return socket.agent_id


def presence_check_gone(*, agent_id: int, closed_at: datetime) -> bool:
    """After the grace: offline if no console socket came back and nothing was seen since the
    last one closed. Idempotent."""
    if _live_sockets(agent_id, timezone.now()):
        return False
    return _presence_drop(
        agent_id=agent_id,
        reason="console closed",
        unless_seen_since=closed_at + timedelta(seconds=1),
    )


def presence_sweep() -> list[int]:
    """Offline for agents (not offline) with no sign of life for presence_stale_after(), and
    forget sockets whose heartbeat stopped. Safe with several processes. Returns the ids."""
    now = timezone.now()
    cutoff = now - presence_stale_after()
    ConsoleSocket.objects.filter(last_seen_at__lt=cutoff).delete()
    stale = Agent.objects.exclude(presence=Presence.OFFLINE).filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=cutoff)
    )
    return [
        agent_id
        for agent_id in stale.values_list("pk", flat=True)
        if _presence_drop(agent_id=agent_id, reason="no heartbeat", unless_seen_since=cutoff)
    ]


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
