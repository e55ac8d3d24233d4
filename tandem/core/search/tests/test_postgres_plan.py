"""How PostgreSQL finds a query's newest candidates: a pure choice from the estimate."""

from tandem.core.search.backends.postgres import walk_is_cheaper


def test_words_in_many_documents_walk_the_primary_key():
    assert walk_is_cheaper(matches=80_000, rows=260_000, candidates=500)


def test_words_in_few_documents_use_the_gin_index():
    assert not walk_is_cheaper(matches=3_000, rows=260_000, candidates=500)


def test_a_table_never_analysed_walks():
    assert walk_is_cheaper(matches=1, rows=0, candidates=500)
