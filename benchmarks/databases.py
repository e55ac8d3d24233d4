"""Where benchmark databases live: cached SQLite fixtures under var/bench, a throw-away PostgreSQL.

Imports no Django: the runner uses it to prepare each measuring process's environment.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "var" / "bench"
FIXTURES_DIR = BENCH_DIR / "fixtures"
PG_SERVER = os.environ.get("TANDEM_BENCH_PG", "postgres://postgres@127.0.0.1:5432/")
# Workers benchmarking side by side each name their own database.
PG_DATABASE = os.environ.get("TANDEM_BENCH_PG_DATABASE", "tandem_bench")


def pg_url(database: str = PG_DATABASE) -> str:
    parts = urlparse(PG_SERVER)
    return urlunparse(parts._replace(path=f"/{database}"))


def _pg_admin():
    import psycopg

    return psycopg.connect(pg_url("postgres"), autocommit=True)


def pg_available() -> str | None:
    """None when the server answers, else why not."""
    try:
        with _pg_admin() as connection:
            connection.execute("SELECT 1")
    except Exception as error:  # any failure to connect means: skip PostgreSQL
        return f"{type(error).__name__}: {error}".strip()
    return None


def pg_server_version() -> str:
    with _pg_admin() as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


def recreate_pg_database(name: str = PG_DATABASE) -> None:
    drop_pg_database(name)
    with _pg_admin() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_pg_database(name: str = PG_DATABASE) -> None:
    with _pg_admin() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_fixture_home(tickets: int, fingerprint: str) -> Path:
    """The TANDEM_HOME whose tandem.sqlite3 holds the cached fixture of this size and schema."""
    return FIXTURES_DIR / f"sqlite-{tickets}-{fingerprint}"


def prune_stale_fixtures(keep: set[Path]) -> list[Path]:
    """Cached fixtures of an older schema are useless and big: remove them."""
    removed = []
    if FIXTURES_DIR.exists():
        for path in FIXTURES_DIR.iterdir():
            if path.is_dir() and path.name.startswith("sqlite-") and path not in keep:
                tickets = path.name.split("-")[1]
                if any(k.name.split("-")[1] == tickets for k in keep):
                    shutil.rmtree(path)
                    removed.append(path)
    return removed


def child_environment(*, db: str, home: Path) -> dict[str, str]:
    """The environment of one measuring process: settings come from TANDEM_* variables only."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TANDEM_") or key.startswith("TANDEM_BENCH_PG")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tandem.settings",
            "TANDEM_HOME": str(home),
            # The in-process test client calls itself "testserver".
            "TANDEM_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "TANDEM_LOG_LEVEL": "WARNING",
            "TANDEM_DEMO": "0",
        }
    )
    if db == "postgres":
        env["TANDEM_DATABASE_URL"] = pg_url()
    return env
