"""Settings come from TANDEM_* variables only; checked in a fresh interpreter each time."""

import json
import os
import subprocess
import sys

SNIPPET = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({"engine": db["ENGINE"], "name": str(db["NAME"]), "debug": settings.DEBUG,
    "huey": settings.HUEY["huey_class"], "secret": settings.SECRET_KEY,
    "hosts": settings.ALLOWED_HOSTS, "email": settings.EMAIL_BACKEND,
    "init": db.get("OPTIONS", {}).get("init_command", ""),
    "pool": db.get("OPTIONS", {}).get("pool"), "max_age": db["CONN_MAX_AGE"]}))
"""


def load(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    clean.update({"TANDEM_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tandem.settings"})
    clean.update(env)
    output = subprocess.run(
        [sys.executable, "-c", SNIPPET], env=clean, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_defaults_are_sqlite_wal_no_debug_and_a_generated_secret(tmp_path):
    first = load(tmp_path)
    assert first["engine"] == "tandem.core.db.sqlite"  # Django's, with a connection pool
    assert first["name"] == str(tmp_path / "tandem.sqlite3")
    assert "journal_mode=WAL" in first["init"]
    assert first["debug"] is False
    assert first["huey"] == "huey.SqliteHuey"
    assert first["email"] == "tandem.mail.outbox.file_backend.EmlFileBackend"
    assert len(first["secret"]) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert load(tmp_path)["secret"] == first["secret"]  # survives restarts


def test_database_redis_and_mail_urls_switch_the_shape(tmp_path):
    loaded = load(
        tmp_path,
        TANDEM_DATABASE_URL="postgres://tandem:pw@db.internal:5432/desk",
        TANDEM_REDIS_URL="redis://127.0.0.1:6379/3",
        TANDEM_EMAIL_URL="smtp://u:p@mail.internal:587?tls=1",
        TANDEM_SECRET_KEY="k" * 50,
        TANDEM_ALLOWED_HOSTS="desk.example.com, 10.0.0.5",
        TANDEM_DEBUG="1",
    )
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "desk"
    # Pooled, never persistent: under ASGI a persistent connection leaks per request.
    assert loaded["max_age"] == 0
    assert loaded["pool"]["max_size"] == 20
    assert loaded["huey"] == "huey.RedisHuey"
    assert loaded["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["secret"] == "k" * 50
    assert loaded["hosts"] == ["desk.example.com", "10.0.0.5"]
    assert loaded["debug"] is True
