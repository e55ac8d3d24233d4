"""The full-text index beside core_searchdocument: FTS5 on SQLite, a tsvector on PostgreSQL.

Written by hand: Django's model state knows neither a virtual table nor a generated
tsvector column, so this runs raw SQL chosen by the database vendor.

PostgreSQL's parser keeps emails, hosts, paths and signed numbers as single tokens, where
FTS5's unicode61 splits them into words; splitting on every non-alphanumeric character
before to_tsvector makes both engines find "pier" in "sam@pier.test" and "+46 8..." alike.
The lexeme "_" (which no text or query can produce) sits between title and body, so a
phrase never matches across them: FTS5 keeps them in separate columns.
"""

from django.db import migrations

SQLITE_CREATE = [
    """
    CREATE VIRTUAL TABLE core_search_fts USING fts5(
        title, body,
        content='core_searchdocument', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    # External content: the triggers keep the index in step with every write, bulk or not.
    """
    CREATE TRIGGER core_search_fts_insert AFTER INSERT ON core_searchdocument BEGIN
        INSERT INTO core_search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    """
    CREATE TRIGGER core_search_fts_delete AFTER DELETE ON core_searchdocument BEGIN
        INSERT INTO core_search_fts(core_search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END
    """,
    """
    CREATE TRIGGER core_search_fts_update AFTER UPDATE OF title, body ON core_searchdocument
    BEGIN
        INSERT INTO core_search_fts(core_search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO core_search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    "INSERT INTO core_search_fts(core_search_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_search_fts_update",
    "DROP TRIGGER IF EXISTS core_search_fts_delete",
    "DROP TRIGGER IF EXISTS core_search_fts_insert",
    "DROP TABLE IF EXISTS core_search_fts",
]

POSTGRES_CREATE = [
    """
    ALTER TABLE core_searchdocument ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, regexp_replace(
            coalesce(title, ''), '[^[:alnum:]]+', ' ', 'g')), 'A')
        || '_:1'::tsvector
        || setweight(to_tsvector('english'::regconfig, regexp_replace(
            coalesce(body, ''), '[^[:alnum:]]+', ' ', 'g')), 'B')
    ) STORED
    """,
    "CREATE INDEX core_search_vector ON core_searchdocument USING gin (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS core_search_vector",
    "ALTER TABLE core_searchdocument DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"search has no index for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_search_document"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
