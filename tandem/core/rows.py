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

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    EmailField,
    Field,
    ForeignKey,
    IntegerField,
    Model,
    OneToOneField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SlugField,
    SmallIntegerField,
    TextField,
    URLField,
)

# PostgreSQL's protocol counts parameters in 16 bits.
_POSTGRES_MAX_PARAMETERS = 65535
# Fields whose get_db_prep_save gives back a value of these types unchanged (it only
# converts other types): the values the batch writers pass skip the call.
_TEXT = (CharField, TextField, EmailField, SlugField, URLField)
_INTEGER = (
    AutoField,
    BigAutoField,
    IntegerField,
    BigIntegerField,
    SmallIntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
)
_UNCHANGED: dict[type, tuple[type, ...]] = {
    **dict.fromkeys(_TEXT, (str, type(None))),
    **dict.fromkeys(_INTEGER, (int, type(None))),
    BooleanField: (bool, type(None)),
}


def insert_rows(
    rows: Sequence[Model],
    *,
    unique_fields: Sequence[str] = (),
    update_fields: Sequence[str] = (),
) -> None:
    """INSERT these new rows of one model, setting each one's primary key.

    As `bulk_create` does: fields' `pre_save` runs (auto_now dates, files), a related object
    assigned before it was saved gives its key now, and no signal is sent. With
    `unique_fields`, a row that collides with a stored one on them updates its
    `update_fields` instead (an upsert, as bulk_create's update_conflicts).
    """
    if not rows:
        return
    model = type(rows[0])
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the per-call proxy
    fields, pre_saved, relations, unchanged = _insert_fields(model)
    meta = model._meta
    quote = connection.ops.quote_name
    columns_plan = [
        (field, saves, field.get_db_prep_save, kept)
        for field, saves, kept in zip(fields, pre_saved, unchanged, strict=True)
    ]
    values: list[list] = []
    for row in rows:
        for relation in relations:
            related = relation.get_cached_value(row, default=None)
            if related is not None and getattr(row, relation.attname) is None:
                if related.pk is None:
                    raise ValueError(f"{relation.name} of a new {meta.object_name} is not saved")
                setattr(row, relation.attname, related.pk)
        row_values = []
        for field, saves, prepare, kept in columns_plan:
            value = field.pre_save(row, True) if saves else getattr(row, field.attname)
            row_values.append(
                value if type(value) in kept else prepare(value, connection=connection)
            )
        values.append(row_values)
    columns = ", ".join(quote(field.column) for field in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    on_conflict = ""
    if unique_fields:
        target = ", ".join(quote(meta.get_field(name).column) for name in unique_fields)
        changes = ", ".join(
            f"{column} = EXCLUDED.{column}"
            for column in (quote(meta.get_field(name).column) for name in update_fields)
        )
        on_conflict = f" ON CONFLICT ({target}) DO UPDATE SET {changes}"
    per_statement = max(1, _max_parameters(connection) // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = values[start : start + per_statement]
            sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES " + ", ".join(
                [one] * len(chunk)
            )
            params = [value for row_values in chunk for value in row_values]
            # Both databases return the keys in the order of the VALUES (so does bulk_create).
            cursor.execute(f"{sql}{on_conflict} RETURNING {quote(meta.pk.column)}", params)
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
    connection = connections[DEFAULT_DB_ALIAS]
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
def _insert_fields(
    model: type[Model],
) -> tuple[list[Field], list[bool], list[Field], list[tuple[type, ...]]]:
    """The columns an INSERT of a new row writes (an auto key is the database's), which of
    them have a pre_save of their own, the foreign keys to copy a saved object's key from,
    and per column the value types it stores unchanged."""
    meta = model._meta
    fields = [
        field
        for field in meta.concrete_fields
        if not (field is meta.auto_field or getattr(field, "generated", False))
    ]
    pre_saved = [type(field).pre_save is not Field.pre_save for field in fields]
    relations = [field for field in fields if field.is_relation and field.many_to_one]
    relations += [field for field in fields if field.is_relation and field.one_to_one]
    return fields, pre_saved, relations, [_unchanged_types(field) for field in fields]


def _unchanged_types(field: Field) -> tuple[type, ...]:
    if type(field) in (ForeignKey, OneToOneField):
        return _unchanged_types(field.target_field)
    return _UNCHANGED.get(type(field), ())


def _max_parameters(connection) -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return _POSTGRES_MAX_PARAMETERS
