"""SQLite's FTS5 index gains a third column, the document's kind as a token (kind_token).

A filter on a few kinds then happens inside the match (docs/search.md, Performance).
FTS5 cannot add a column, so the index and its triggers are made again and rebuilt from
the documents; existing documents get their token first. PostgreSQL filters on the kind
column: there the new column stays empty and nothing else changes.
"""

import importlib

from django.db import migrations, models

from tandem.core.search.kind_token import kind_token

previous = importlib.import_module("tandem.core.migrations.0004_search_full_text_index")

SQLITE_CREATE = [
    """
    CREATE VIRTUAL TABLE core_search_fts USING fts5(
        title, body, kind_token,
        content='core_searchdocument', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER core_search_fts_insert AFTER INSERT ON core_searchdocument BEGIN
        INSERT INTO core_search_fts(rowid, title, body, kind_token)
        VALUES (new.id, new.title, new.body, new.kind_token);
    END
    """,
    """
    CREATE TRIGGER core_search_fts_delete AFTER DELETE ON core_searchdocument BEGIN
        INSERT INTO core_search_fts(core_search_fts, rowid, title, body, kind_token)
        VALUES ('delete', old.id, old.title, old.body, old.kind_token);
    END
    """,
    """
    CREATE TRIGGER core_search_fts_update
    AFTER UPDATE OF title, body, kind_token ON core_searchdocument BEGIN
        INSERT INTO core_search_fts(core_search_fts, rowid, title, body, kind_token)
        VALUES ('delete', old.id, old.title, old.body, old.kind_token);
        INSERT INTO core_search_fts(rowid, title, body, kind_token)
        VALUES (new.id, new.title, new.body, new.kind_token);
    END
    """,
    "INSERT INTO core_search_fts(core_search_fts) VALUES ('rebuild')",
]


def _sqlite_only(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def fill_token_and_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT kind FROM core_searchdocument")
        for (kind,) in cursor.fetchall():
            cursor.execute(
                "UPDATE core_searchdocument SET kind_token = %s WHERE kind = %s",
                [kind_token(kind), kind],
            )
    for statement in SQLITE_CREATE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_search_full_text_index"),
    ]

    operations = [
        migrations.RunPython(
            _sqlite_only(previous.SQLITE_DROP), _sqlite_only(previous.SQLITE_CREATE)
        ),
        migrations.AddField(
            model_name="searchdocument",
            name="kind_token",
            field=models.TextField(
                blank=True,
                default="",
                help_text="SQLite only: the kind as an FTS5 token (search.kind_token).",
            ),
        ),
        migrations.RunPython(fill_token_and_index, _sqlite_only(previous.SQLITE_DROP)),
    ]
