"""Configuration from the environment: defaults, parsing, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.config import ConfigError, load, parse_database_url


def test_defaults_are_embedded(tmp_path: Path) -> None:
    cfg = load({"VIGIL_DATA_DIR": str(tmp_path)})
    assert cfg.database is None and cfg.redis_url is None
    assert cfg.sqlite_path == tmp_path / "vigil.sqlite3"
    # The generated secret key is kept, so sessions survive a restart.
    assert load({"VIGIL_DATA_DIR": str(tmp_path)}).secret_key == cfg.secret_key
    assert len(cfg.secret_key) >= 32


def test_postgres_url_is_parsed() -> None:
    db = parse_database_url("postgresql://vigil:p%40ss@db.internal:6432/desk?sslmode=require")
    assert (db.engine, db.name, db.user, db.password, db.host, db.port) == (
        "django.db.backends.postgresql",
        "desk",
        "vigil",
        "p@ss",
        "db.internal",
        6432,
    )
    assert db.options == {"sslmode": "require"}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"VIGIL_DATABASE_URL": "mysql://x/y"}, "VIGIL_DATABASE_URL"),
        ({"VIGIL_DATABASE_URL": "postgresql://host:99999/db"}, "VIGIL_DATABASE_URL"),
        ({"VIGIL_DATABASE_URL": "postgresql://host/"}, "VIGIL_DATABASE_URL"),
        ({"VIGIL_REDIS_URL": "http://localhost"}, "VIGIL_REDIS_URL"),
        ({"VIGIL_SECRET_KEY": "short"}, "VIGIL_SECRET_KEY"),
        ({"VIGIL_DEBUG": "maybe"}, "VIGIL_DEBUG"),
        ({"VIGIL_MAX_ATTACHMENT_BYTES": "lots"}, "VIGIL_MAX_ATTACHMENT_BYTES"),
        ({"VIGIL_ALLOWED_HOSTS": " , "}, "VIGIL_ALLOWED_HOSTS"),
        ({"VIGIL_EMAIL_URL": "ftp://mail"}, "VIGIL_EMAIL_URL"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], named: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=named):
        load({"VIGIL_DATA_DIR": str(tmp_path), **env})


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(ConfigError, match="VIGIL_DATA_DIR"):
        load({"VIGIL_DATA_DIR": str(path)})


def test_postgres_pools_connections_and_sockets_run_side_by_side(tmp_path: Path) -> None:
    embedded = load({"VIGIL_DATA_DIR": str(tmp_path)})
    assert (embedded.database_pool_max, embedded.socket_db_threads) == (0, 0)
    url = "postgresql://vigil@db/desk"
    pg = load({"VIGIL_DATA_DIR": str(tmp_path), "VIGIL_DATABASE_URL": url})
    assert (pg.database_pool_max, pg.socket_db_threads) == (30, 4)
    chosen = load(
        {
            "VIGIL_DATA_DIR": str(tmp_path),
            "VIGIL_DATABASE_URL": url,
            "VIGIL_DATABASE_POOL_MAX": "0",
            "VIGIL_SOCKET_DB_THREADS": "0",
        }
    )
    assert (chosen.database_pool_max, chosen.socket_db_threads) == (0, 0)
