"""Typed configuration read once from the environment (docs/architecture.md#configuration).

Every setting Vigil reads from the environment is declared here, parsed and validated in one
place, so that a bad value stops start-up with a message that names the variable.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class DatabaseURL:
    engine: str
    name: str
    user: str
    password: str
    host: str
    port: int | None
    options: dict[str, str]


@dataclass(frozen=True, slots=True)
class Config:
    data_dir: Path
    database: DatabaseURL | None  # None: embedded SQLite in data_dir
    redis_url: str | None
    secret_key: str
    allowed_hosts: tuple[str, ...]
    debug: bool
    max_attachment_bytes: int
    email_url: str | None
    embedded_worker: bool
    # Sensitive actions (docs/architecture.md#sensitive-actions-and-approvals).
    approval_tiers: dict[str, str]  # action kind -> minimum approver role (overrides)
    approval_large_amounts: dict[str, str]  # asset -> amount from which an adjustment is large
    exchange_url: str | None
    exchange_secret: str | None
    # Live chat queue (docs/architecture.md#queue-and-expected-wait).
    chat_dispatch_ms: int = 200  # queue changes within this share one pass (0: inline)
    chat_counts_ttl_ms: int = 1500  # how old agent counts for a connecting visitor may be
    socket_db_threads: int = 0  # threads for the chat sockets' database calls (0: one, shared)
    database_pool_max: int = 0  # PostgreSQL: connections pooled per process (0: no pool)
    http_threads: int = 8  # threads serving HTTP requests per process (vigil/core/http.py)
    gc_full_every: int = 300  # s between full garbage collections (vigil/core/collector.py)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "vigil.sqlite3"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


def _int(env: dict[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def parse_database_url(raw: str, *, name: str = "VIGIL_DATABASE_URL") -> DatabaseURL:
    parts = urlsplit(raw)
    engines = {
        "postgres": "django.db.backends.postgresql",
        "postgresql": "django.db.backends.postgresql",
        "sqlite": "django.db.backends.sqlite3",
    }
    if parts.scheme not in engines:
        raise ConfigError(
            f"{name}={raw!r}: unsupported scheme {parts.scheme!r} "
            "(use postgresql://user:password@host:port/dbname or sqlite:///path)"
        )
    db_name = unquote(parts.path[1:] if parts.scheme != "sqlite" else parts.path)
    if not db_name:
        raise ConfigError(f"{name}={raw!r} names no database")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"{name}={raw!r} has an invalid port") from None
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return DatabaseURL(
        engine=engines[parts.scheme],
        name=db_name,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        host=parts.hostname or "",
        port=port,
        options=options,
    )


def _redis_url(env: dict[str, str]) -> str | None:
    raw = env.get("VIGIL_REDIS_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in {"redis", "rediss", "unix"} or not (parts.hostname or parts.path):
        raise ConfigError(f"VIGIL_REDIS_URL={raw!r} is not a redis:// URL")
    return raw


def _secret_key(env: dict[str, str], data_dir: Path) -> str:
    key = env.get("VIGIL_SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ConfigError("VIGIL_SECRET_KEY must be at least 32 characters long")
        return key
    # Embedded run: keep a generated key in the data directory so sessions survive restarts.
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


_ROLES = ("tier1", "tier2", "tier3", "supervisor", "admin")


def _pairs(env: dict[str, str], name: str) -> dict[str, str]:
    """`a=x,b=y` -> {"a": "x", "b": "y"}."""
    raw = env.get(name, "").strip()
    pairs: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"{name}={raw!r}: write name=value pairs separated by commas")
        pairs[key.strip()] = value.strip()
    return pairs


def _approval_tiers(env: dict[str, str]) -> dict[str, str]:
    tiers = _pairs(env, "VIGIL_APPROVAL_TIERS")
    for kind, role in tiers.items():
        if role not in _ROLES:
            raise ConfigError(
                f"VIGIL_APPROVAL_TIERS: {kind}={role!r} is not a role (one of {', '.join(_ROLES)})"
            )
    return tiers


def _large_amounts(env: dict[str, str]) -> dict[str, str]:
    amounts = {"BTC": "1", "ETH": "20", "USDT": "50000", "USDC": "50000", "*": "10000"}
    for asset, amount in _pairs(env, "VIGIL_APPROVAL_LARGE_AMOUNTS").items():
        try:
            if float(amount) <= 0:
                raise ValueError
        except ValueError:
            raise ConfigError(
                f"VIGIL_APPROVAL_LARGE_AMOUNTS: {asset}={amount!r} is not a positive amount"
            ) from None
        amounts[asset.upper()] = amount
    return amounts


def _exchange(env: dict[str, str]) -> tuple[str | None, str | None]:
    url = env.get("VIGIL_EXCHANGE_URL", "").strip().rstrip("/") or None
    secret = env.get("VIGIL_EXCHANGE_SECRET", "").strip() or None
    if url and urlsplit(url).scheme not in {"http", "https"}:
        raise ConfigError(f"VIGIL_EXCHANGE_URL={url!r} must be an http:// or https:// URL")
    if url and not secret:
        raise ConfigError("VIGIL_EXCHANGE_URL is set but VIGIL_EXCHANGE_SECRET is not")
    if secret and len(secret) < 16:
        raise ConfigError("VIGIL_EXCHANGE_SECRET must be at least 16 characters long")
    return url, secret


def load(env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("VIGIL_DATA_DIR", "var")).expanduser().resolve()
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError(f"VIGIL_DATA_DIR={str(data_dir)!r} exists and is not a directory")
    db_raw = env.get("VIGIL_DATABASE_URL", "").strip()
    hosts_raw = env.get("VIGIL_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
    hosts = tuple(h.strip() for h in hosts_raw.split(",") if h.strip())
    if not hosts:
        raise ConfigError("VIGIL_ALLOWED_HOSTS is empty; name at least one host")
    email_url = env.get("VIGIL_EMAIL_URL", "").strip() or None
    email_schemes = {"smtp", "smtps", "smtp+tls", "console", "mailgun", "postmark", "sendgrid"}
    if email_url and urlsplit(email_url).scheme not in email_schemes:
        raise ConfigError(
            f"VIGIL_EMAIL_URL={email_url!r} must be smtp://host:port, smtps://, smtp+tls://, "
            "mailgun://KEY@domain, postmark://TOKEN@, sendgrid://KEY@ or console://"
        )
    exchange_url, exchange_secret = _exchange(env)
    database = parse_database_url(db_raw) if db_raw else None
    # PostgreSQL: keep connections in a pool and run the chat sockets' calls side by side.
    # Without a pool each socket call connects anew, and one thread per process serialises
    # them: bench.chat_load at 1,000 chats on two processes took 26 s per message. SQLite
    # keeps its connections and has one writer, so it keeps channels' one thread.
    postgres = database is not None and "postgresql" in database.engine
    return Config(
        data_dir=data_dir,
        database=database,
        redis_url=_redis_url(env),
        secret_key=_secret_key(env, data_dir),
        allowed_hosts=hosts,
        debug=_bool(env, "VIGIL_DEBUG", False),
        max_attachment_bytes=_int(env, "VIGIL_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024, minimum=1),
        email_url=email_url,
        embedded_worker=_bool(env, "VIGIL_EMBEDDED_WORKER", True),
        approval_tiers=_approval_tiers(env),
        approval_large_amounts=_large_amounts(env),
        exchange_url=exchange_url,
        exchange_secret=exchange_secret,
        chat_dispatch_ms=_int(env, "VIGIL_CHAT_DISPATCH_MS", 200),
        chat_counts_ttl_ms=_int(env, "VIGIL_CHAT_COUNTS_TTL_MS", 1500),
        socket_db_threads=_int(env, "VIGIL_SOCKET_DB_THREADS", 4 if postgres else 0),
        database_pool_max=_int(env, "VIGIL_DATABASE_POOL_MAX", 30 if postgres else 0),
        http_threads=_int(env, "VIGIL_HTTP_THREADS", 8, minimum=1),
        gc_full_every=_int(env, "VIGIL_GC_FULL_EVERY", 300),
    )
