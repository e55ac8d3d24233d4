"""Migration 0005 keeps an existing index whole: documents indexed before it are found,
by kind too, without a rebuild."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tandem.core import search

pytestmark = [pytest.mark.db_facing, pytest.mark.django_db(transaction=True)]

BEFORE = ("core", "0004_search_full_text_index")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def test_documents_indexed_before_the_kind_token_are_found_by_kind():
    migrate([BEFORE])
    try:
        updated_at = connection.ops.adapt_datetimefield_value(
            dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        )
        with connection.cursor() as cursor:
            for key in range(1, 21):
                cursor.execute(
                    "INSERT INTO core_searchdocument (kind, key, title, body, facets, updated_at) "
                    "VALUES ('ticket', %s, 'Refund request', '', '{}', %s)",
                    [key, updated_at],
                )
            cursor.execute(
                "INSERT INTO core_searchdocument (kind, key, title, body, facets, updated_at) "
                "VALUES ('article', 1, 'Refund policy', 'Money back', '{}', %s)",
                [updated_at],
            )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert [(hit.kind, hit.key) for hit in search.query("refund", kinds=["article"]).hits] == [
        ("article", 1)
    ]
    assert len(search.query("refund", limit=50).hits) == 21
