"""Many rows of one model in few statements, for the batch writers (mail import, history).

Django's `bulk_create` and `bulk_update` are general: per value they resolve expressions,
look up placeholders and compose SQL fragments, which for a batch import of plain values
cost more than the database's own work. These two helpers take plain values only (no
expressions, no conflicts handling) and build each statement once per batch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import cache

from django.db import connection
from django.db.models import Field, Model

# PostgreSQL's protocol counts parameters in 16 bits.
_POSTGRES_MAX_PARAMETERS = 65535


def insert_rows(rows: Sequence[Model]) -> None:
    """INSERT these new rows of one model, setting each one's primary key.

    As `bulk_create` does: fields' `pre_save` runs (auto_now dates, files), a related object
    assigned before it was saved gives its key now, and no signal is sent.
    """
    if not rows:
        return
    model = type(rows[0])
    fields, pre_saved, relations = _insert_fields(model)
    meta = model._meta
    quote = connection.ops.quote_name
    prepare = [field.get_db_prep_save for field in fields]
    values: list[list] = []
    for row in rows:
        for relation in relations:
            related = relation.get_cached_value(row, default=None)
            if related is not None and getattr(row, relation.attname) is None:
                if related.pk is None:
                    raise ValueError(f"{relation.name} of a new {meta.object_name} is not saved")
                setattr(row, relation.attname, related.pk)
        values.append(
            [
                prep(
                    field.pre_save(row, True) if saves else getattr(row, field.attname),
                    connection=connection,
                )
                for field, saves, prep in zip(fields, pre_saved, prepare, strict=True)
            ]
        )
    columns = ", ".join(quote(field.column) for field in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, _max_parameters() // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = values[start : start + per_statement]
            sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES " + ", ".join(
                [one] * len(chunk)
            )
            params = [value for row_values in chunk for value in row_values]
            # Both databases return the keys in the order of the VALUES (so does bulk_create).
            cursor.execute(f"{sql} RETURNING {quote(meta.pk.column)}", params)
            keys = [key for (key,) in cursor.fetchall()]
            for row, key in zip(rows[start : start + per_statement], keys, strict=True):
                setattr(row, meta.pk.attname, key)
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias


def save_fields(rows: Sequence[Model], fields: Sequence[str]) -> None:
    """Save these fields of many rows of one model with one prepared UPDATE (executemany).

    Django's bulk_update builds one CASE WHEN per field and row: for a batch of 200 rows it
    cost more than all the batch's inserts together.
    """
    if not rows:
        return
    meta = rows[0]._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(column.column)} = %s" for column in columns),
        quote(meta.pk.column),
    )
    params = [
        [column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@cache
def _insert_fields(model: type[Model]) -> tuple[list[Field], list[bool], list[Field]]:
    """The columns an INSERT of a new row writes (an auto key is the database's), which of
    them have a pre_save of their own, and the foreign keys to copy a saved object's key from."""
    meta = model._meta
    fields = [
        field
        for field in meta.concrete_fields
        if not (field is meta.auto_field or getattr(field, "generated", False))
    ]
    pre_saved = [type(field).pre_save is not Field.pre_save for field in fields]
    relations = [field for field in fields if field.is_relation and field.many_to_one]
    relations += [field for field in fields if field.is_relation and field.one_to_one]
    return fields, pre_saved, relations


def _max_parameters() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return _POSTGRES_MAX_PARAMETERS
