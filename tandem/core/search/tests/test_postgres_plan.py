"""How PostgreSQL finds a query's newest candidates: a pure choice from the estimate."""

import pytest

from tandem.core.search.backends.postgres import walk_is_cheaper


def test_words_in_many_documents_walk_the_primary_key():
    assert walk_is_cheaper(matches=80_000, rows=260_000, candidates=500)


def test_words_in_few_documents_use_the_gin_index():
    assert not walk_is_cheaper(matches=3_000, rows=260_000, candidates=500)


def test_a_table_never_analysed_walks():
    assert walk_is_cheaper(matches=1, rows=0, candidates=500)


def _index(key, title):
    import datetime as dt

    from tandem.core import search

    search.index_document(
        kind="ticket",
        key=key,
        title=title,
        body="",
        facets={},
        updated_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("newest_refunds", [1, 5])
@pytest.mark.parametrize("guess", [100.0, 1e9])  # a window of every id, or of none
def test_a_window_of_new_ids_finds_the_same_candidates_as_the_whole_index(
    monkeypatch, newest_refunds, guess
):
    from django.db import connection

    from tandem.core import search
    from tandem.core.search.backends import postgres

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    monkeypatch.setattr(postgres.PostgresBackend, "max_candidates", 3)
    monkeypatch.setattr(postgres, "WALK_COST_RATIO", 1e9)  # never walk
    monkeypatch.setattr(postgres.PostgresBackend, "_estimated_matches", lambda self, q: guess)
    for key in range(1, 31):
        refund = key <= 10 or key > 30 - newest_refunds
        _index(key, "Refund" if refund else "Other")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_searchdocument")
    expected = {30 - n for n in range(3)} if newest_refunds >= 3 else {30, 10, 9}
    assert {hit.key for hit in search.query("refund").hits} == expected
