"""Django settings, derived once from vigil.config (docs/architecture.md#configuration)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vigil import config as _config
from vigil.channels.email.config import email_settings
from vigil.realtime.layers import channel_layers_config

CONFIG = _config.load()

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
CSRF_TRUSTED_ORIGINS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "django_tasks_db",
    "vigil.core",
    "vigil.accounts",
    "vigil.customers",
    "vigil.channels",
    "vigil.tickets",
    "vigil.routing",
    "vigil.sla",
    "vigil.audit",
    "vigil.approvals",
    "vigil.realtime",
    "vigil.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "vigil.urls"
ASGI_APPLICATION = "vigil.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _databases() -> dict[str, Any]:
    db = CONFIG.database
    if db is None or db.engine.endswith("sqlite3"):
        path = CONFIG.sqlite_path if db is None else Path(db.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "default": {
                "ENGINE": "vigil.core.sqlite",
                "NAME": str(path),
                # Keep a thread's connection between calls: opening one (WAL, mmap and cache
                # pragmas) was half of every chat socket's database call (bench.chat_load).
                "CONN_MAX_AGE": 300,
                "OPTIONS": {
                    # Writers take the lock up front so concurrent ingestion never deadlocks on
                    # a lock upgrade; WAL lets readers run beside the writer.
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 30,
                    "init_command": (
                        "PRAGMA journal_mode=WAL;"
                        "PRAGMA synchronous=NORMAL;"
                        "PRAGMA foreign_keys=ON;"
                        "PRAGMA busy_timeout=30000;"
                        "PRAGMA cache_size=-65536;"
                        "PRAGMA mmap_size=268435456;"
                    ),
                },
                "TEST": {"NAME": str(path.with_name("test_" + path.name))},
            }
        }
    # VIGIL_DATABASE_POOL_MAX > 0: a psycopg pool per process; each thread borrows a connection
    # per call and hands it back instead of connecting per call (CONN_MAX_AGE stays 0).
    pool_max = CONFIG.database_pool_max
    pool = {"min_size": 1, "max_size": pool_max, "timeout": 30} if pool_max > 0 else False
    options: dict[str, Any] = {"pool": pool}
    options.update(db.options)
    return {
        "default": {
            "ENGINE": db.engine,
            "NAME": db.name,
            "USER": db.user,
            "PASSWORD": db.password,
            "HOST": db.host,
            "PORT": str(db.port or ""),
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Live events: Redis pub/sub across processes when VIGIL_REDIS_URL is set, else in-memory
# (see vigil/realtime/layers.py for the tuning).
CHANNEL_LAYERS = channel_layers_config(redis_url=CONFIG.redis_url, secret_key=SECRET_KEY)

if CONFIG.redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CONFIG.redis_url,
            "KEY_PREFIX": "vigil",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "outbound", "maintenance"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:inbox"
LOGOUT_REDIRECT_URL = "console:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = CONFIG.data_dir / "static"
MEDIA_ROOT = CONFIG.media_dir
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Room for one full-size attachment sent base64-encoded (4/3 of its size) in a JSON body.
DATA_UPLOAD_MAX_MEMORY_SIZE = CONFIG.max_attachment_bytes * 4 // 3 + 1024 * 1024
VIGIL_MAX_ATTACHMENT_BYTES = CONFIG.max_attachment_bytes

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"vigil": {"level": "INFO"}, "django.tasks": {"level": "WARNING"}},
}

NINJA_PAGINATION_MAX_LIMIT = 200

# Outbound mail: Django's MAILERS, derived from VIGIL_EMAIL_URL.
globals().update(email_settings(CONFIG.email_url, data_dir=CONFIG.data_dir))

# Sensitive actions: approver tiers, large amounts, the exchange's action endpoint.
VIGIL_APPROVAL_TIERS = CONFIG.approval_tiers
VIGIL_APPROVAL_LARGE_AMOUNTS = CONFIG.approval_large_amounts
VIGIL_EXCHANGE_URL = CONFIG.exchange_url
VIGIL_EXCHANGE_SECRET = CONFIG.exchange_secret

# Live chat queue (docs/architecture.md#queue-and-expected-wait): queue changes within this many
# seconds share one offering-and-frames pass per language (0: a pass per change, inline), and
# agent counts for a connecting visitor may be this many seconds old.
VIGIL_CHAT_DISPATCH_S = CONFIG.chat_dispatch_ms / 1000
VIGIL_CHAT_COUNTS_TTL_S = CONFIG.chat_counts_ttl_ms / 1000
# Threads running the chat sockets' database calls (vigil/realtime/db_pool.py; 0: channels' one).
VIGIL_SOCKET_DB_THREADS = CONFIG.socket_db_threads
# Threads serving HTTP requests, each request whole in one of them (vigil/core/http.py).
VIGIL_HTTP_THREADS = CONFIG.http_threads
