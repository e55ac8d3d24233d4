"""Writing rows in bulk: executemany on SQLite, COPY on PostgreSQL, indexes paused meanwhile.

Only the benchmark fixture writes this way; everything real goes through the actions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence


class Sink:
    """Writes rows to one database the fastest way it offers."""

    def __init__(self, connection):
        self.connection = connection
        self.vendor = connection.vendor
        self.raw = connection.connection

    def ts(self, moment: dt.datetime | None):
        if moment is None or self.vendor == "postgresql":
            return moment
        return moment.strftime("%Y-%m-%d %H:%M:%S")  # Django's SQLite format, UTC

    def flag(self, value: bool):
        return value if self.vendor == "postgresql" else int(value)

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        rows = list(rows)
        if not rows:
            return 0
        quoted = ", ".join(f'"{c}"' for c in columns)
        if self.vendor == "postgresql":
            with (
                self.raw.cursor() as cursor,
                cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            self.raw.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', rows)
        return len(rows)


def default_columns(model, known: set[str], sink: Sink) -> tuple[list[str], tuple]:
    """Columns other engineers may add later, filled with their defaults (or NULL)."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in known:
            continue
        if field.null:
            value = None
        elif field.has_default():
            value = field.get_default()
        else:
            raise RuntimeError(f"benchmark fixture cannot fill {model.__name__}.{field.name}")
        if isinstance(value, bool):
            value = sink.flag(value)
        elif isinstance(value, dict | list):
            value = json.dumps(value)
        elif isinstance(value, dt.datetime):
            value = sink.ts(value)
        columns.append(field.column)
        values.append(value)
    return columns, tuple(values)


class IndexPause:
    """Drops the plain (non-unique) indexes of the big tables for the load, rebuilds them after."""

    def __init__(self, connection, tables: Sequence[str]):
        self.connection = connection
        self.tables = tables
        self.definitions: list[tuple[str, str]] = []

    def __enter__(self):
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                    "WHERE i.tablename = ANY(%s) AND i.indexdef NOT LIKE 'CREATE UNIQUE%%'",
                    [list(self.tables)],
                )
            else:
                marks = ", ".join("%s" for _ in self.tables)
                cursor.execute(
                    f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    f"AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN ({marks})",
                    list(self.tables),
                )
            self.definitions = list(cursor.fetchall())
            for name, _ in self.definitions:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        with self.connection.cursor() as cursor:
            for _, definition in self.definitions:
                cursor.execute(definition)
