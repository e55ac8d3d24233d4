"""SQLite FTS5: porter-stemmed, bm25-ranked with the title ten times the body."""

from __future__ import annotations

from django.db import connection

from tandem.core.search import snippets
from tandem.core.search.backends.base import Backend, Filters, RankedRow
from tandem.core.search.query_parser import Term

TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0
SNIPPET_TOKENS = 24


def match_expression(terms: list[Term], *, any_term: bool) -> str:
    """An FTS5 MATCH string in which every term is a quoted string: no operator can leak."""
    parts = []
    for term in terms:
        quoted = '"' + " ".join(word.replace('"', '""') for word in term.words) + '"'
        parts.append(quoted + ("*" if term.prefix else ""))
    return (" OR " if any_term else " ").join(parts)


class SQLiteBackend(Backend):
    def optimize(self) -> None:
        # Merges the b-tree segments every batch left behind into one.
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO core_search_fts(core_search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE core_searchdocument")

    def facet_sql(self, name: str) -> str:
        return f"json_extract(d.facets, '$.{name}')"

    def rank(
        self, terms: list[Term], filters: Filters, *, any_term: bool, limit: int, offset: int
    ) -> list[RankedRow]:
        where, params = self.filter_sql(filters)
        # FTS5 walks matches newest row first and stops after max_candidates, so bm25 is
        # computed for at most that many rows however common the words are.
        sql = (
            "SELECT id, kind, key, score, updated_at, facets FROM ("
            "SELECT d.id, d.kind, d.key, "
            f"-bm25(core_search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS score, "
            "d.updated_at, d.facets "
            "FROM core_search_fts JOIN core_searchdocument d ON d.id = core_search_fts.rowid "
            "WHERE core_search_fts MATCH %s"
            + "".join(f" AND {condition}" for condition in where)
            + f" ORDER BY core_search_fts.rowid DESC LIMIT {self.max_candidates}"
            ") ORDER BY score DESC, updated_at DESC, id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [match_expression(terms, any_term=any_term), *params, limit, offset]
            )
            return [RankedRow(*row) for row in cursor.fetchall()]

    def snippets(
        self, terms: list[Term], ids: list[int], *, any_term: bool
    ) -> dict[int, tuple[str, str]]:
        if not ids:
            return {}
        marks = f"'{snippets.START}', '{snippets.STOP}'"
        sql = (
            f"SELECT rowid, highlight(core_search_fts, 0, {marks}), "
            f"snippet(core_search_fts, 1, {marks}, '…', {SNIPPET_TOKENS}) "
            "FROM core_search_fts WHERE core_search_fts MATCH %s "
            f"AND rowid IN ({', '.join(['%s'] * len(ids))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [match_expression(terms, any_term=any_term), *ids])
            return {row[0]: (row[1] or "", row[2] or "") for row in cursor.fetchall()}
