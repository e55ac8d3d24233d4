"""Background WAL checkpoints: commits append to the log, a thread copies it into the file."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.db import connection

from tandem.core.db import checkpoints
from tandem.core.db.checkpoints import checkpoints_beside


def _wal_frames(database: sqlite3.Connection) -> tuple[int, int]:
    """(frames in the log, frames of them already copied into the database file)."""
    _, logged, copied = database.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return logged, copied


def test_the_thread_checkpoints_what_commits_left_in_the_log(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "INTERVAL_SECONDS", 0.01)
    path = str(tmp_path / "desk.sqlite3")
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # as inside checkpoints_beside
    writer.execute("CREATE TABLE mail (raw BLOB)")
    stop = threading.Event()
    thread = threading.Thread(target=checkpoints._checkpoint_until, args=(path, stop))
    thread.start()
    try:
        for _ in range(20):
            with writer:
                writer.executemany("INSERT INTO mail VALUES (?)", [(b"x" * 4000,)] * 25)
        deadline = time.monotonic() + 10
        reader = sqlite3.connect(path)
        # A second look of our own would checkpoint too: watch the file grow instead.
        while (tmp_path / "desk.sqlite3").stat().st_size < 2_000_000:
            assert time.monotonic() < deadline, "the thread never checkpointed"
            time.sleep(0.02)
        assert reader.execute("SELECT count(*) FROM mail").fetchone() == (500,)
    finally:
        stop.set()
        thread.join()
    logged, copied = _wal_frames(writer)
    assert logged == copied  # nothing left behind that a checkpoint could copy


def test_a_missing_database_file_directory_only_logs(tmp_path, caplog):
    stop = threading.Event()
    stop.set()
    checkpoints._checkpoint_until(str(tmp_path / "no" / "such" / "dir.sqlite3"), stop)
    assert "no background checkpoints" in caplog.text


@pytest.mark.django_db
def test_an_in_memory_test_database_runs_the_block_unchanged():
    ran = []
    with checkpoints_beside():
        ran.append(True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert ran == [True]
    assert not [t for t in threading.enumerate() if t.name == "tandem-wal-checkpoint"]
