"""SQLite's write-ahead log checkpointed beside a long batch of writes instead of inside it.

By default the commit that fills the log past 1,000 pages copies it into the database
file and waits for the disk (fsync) before it returns: in a mail import that is one wait
every few batches, about a tenth of the import's time spent idle. Inside
`checkpoints_beside()` commits only append to the log; a thread with a connection of its
own checkpoints it (PASSIVE: never blocking the writer or readers) a few times a second,
while the writer goes on. Durability is the same: each commit is in the log, as before.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 0.2
DEFAULT_AUTOCHECKPOINT_PAGES = 1000  # SQLite's own default


@contextmanager
def checkpoints_beside() -> Iterator[None]:
    """Checkpoint the WAL in a background thread while the block writes (SQLite files only)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        yield
        return
    path = str(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    stop = threading.Event()
    thread = threading.Thread(
        target=_checkpoint_until, args=(path, stop), name="tandem-wal-checkpoint", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        with connection.cursor() as cursor:
            # Back to checkpointing on commit; the next commit catches up with what is left.
            cursor.execute(f"PRAGMA wal_autocheckpoint={DEFAULT_AUTOCHECKPOINT_PAGES}")


def _checkpoint_until(path: str, stop: threading.Event) -> None:
    try:
        database = sqlite3.connect(path, timeout=20, check_same_thread=False)
    except sqlite3.Error:
        log.warning("no background checkpoints for %s", path, exc_info=True)
        return
    try:
        while not stop.wait(INTERVAL_SECONDS):
            try:
                database.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.OperationalError:
                continue  # busy now: the next round checkpoints what this one left
    finally:
        database.close()
