"""SQLite with a per-process pool of open connections.

Under ASGI, Django runs every request's sync code in a fresh thread-sensitive context
and closes the database connection when the request ends: persistent connections
(CONN_MAX_AGE) are not safe there, and Django's own pool is PostgreSQL-only. A new SQLite
connection costs little to open but its first statement parses the whole schema, about
3 ms on our schema: more than a typical API read. This backend keeps closed connections
open in a small pool and hands them to the next request instead.

A connection is only ever used by one thread at a time (taken from the pool, then given
back), and goes back with no transaction open. In-memory databases are never pooled:
Django keeps their single connection open itself.
"""

from __future__ import annotations

import os
import queue
import threading

from django.db.backends.sqlite3 import base as sqlite_base

# Idle connections kept per database file; more are closed. Bounded because each holds a
# page cache (cache_size in settings) of its own.
POOL_SIZE = 8

_pools: dict[tuple, queue.LifoQueue] = {}
_pools_lock = threading.Lock()
_pools_pid = os.getpid()


def _pool(key: tuple) -> queue.LifoQueue:
    global _pools_pid
    with _pools_lock:
        if os.getpid() != _pools_pid:
            # A forked child must not share its parent's SQLite handles: forget them.
            _pools.clear()
            _pools_pid = os.getpid()
        return _pools.setdefault(key, queue.LifoQueue(maxsize=POOL_SIZE))


def clear_pools() -> None:
    """Close every idle connection (tests and `tandem` commands that replace the file)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        while True:
            try:
                pool.get_nowait().close()
            except queue.Empty:
                break


class DatabaseWrapper(sqlite_base.DatabaseWrapper):
    def _pool_key(self, conn_params: dict) -> tuple | None:
        if self.is_in_memory_db():
            return None
        return (str(conn_params.get("database")), tuple(self.init_commands))

    def get_new_connection(self, conn_params):
        key = self._pool_key(conn_params)
        if key is not None:
            try:
                connection = _pool(key).get_nowait()
            except queue.Empty:
                pass
            else:
                self._pooled_key = key
                return connection
        connection = super().get_new_connection(conn_params)
        self._pooled_key = key
        return connection

    def _close(self):
        key = getattr(self, "_pooled_key", None)
        connection = self.connection
        if key is None or connection is None:
            return super()._close()
        with self.wrap_database_errors:
            if connection.in_transaction:
                connection.rollback()
            try:
                _pool(key).put_nowait(connection)
            except queue.Full:
                connection.close()
