"""The full-text engines behind `tandem.core.search`, one module per database vendor."""

from __future__ import annotations

from django.db import connection

from tandem.core.search.backends.base import Backend


def current_backend() -> Backend:
    """The engine of the default database: FTS5 on SQLite, tsvector on PostgreSQL."""
    vendor = connection.vendor
    if vendor == "sqlite":
        from tandem.core.search.backends.sqlite import SQLiteBackend

        return SQLiteBackend()
    if vendor == "postgresql":
        from tandem.core.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    raise NotImplementedError(f"search has no backend for the {vendor} database")
