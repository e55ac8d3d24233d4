"""SQLite FTS5: porter-stemmed, bm25-ranked with the title ten times the body.

The kind is a token in a third FTS column (`kind_token`), so a search of a few kinds (the
help center's articles among a million ticket messages) is part of the MATCH and costs no
reads of the ticket rows it skips. Other filters read the matching rows.
"""

from __future__ import annotations

import dataclasses

from django.db import connection

from tandem.core.search import snippets
from tandem.core.search.backends.base import Backend, Filters, RankedRow
from tandem.core.search.kind_token import kind_token
from tandem.core.search.query_parser import Term

TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0
# The kind column never adds to a score.
KIND_WEIGHT = 0.0
SNIPPET_TOKENS = 24
# Word order is checked on every candidate's positions, and bm25 reads them again: a
# phrase of two common words costs several times a word, so it ranks fewer candidates.
# As on PostgreSQL, word order is checked only among the newest documents holding the
# words: a rare phrase of two common words would otherwise walk every document with both.
PHRASE_CANDIDATES = 500
# The kind joins the match only when the asked kinds hold at most this share of the
# documents: intersecting the words with the doclist of the kind most documents have
# measured twice as slow as reading the rows. Counted on the kind index, up to a bound.
FEW_KINDS_SHARE = 1 / 8
FEW_KINDS_MAX = 20_000


def _quoted(words, prefix: bool) -> str:
    return '"' + " ".join(word.replace('"', '""') for word in words) + '"' + ("*" if prefix else "")


def match_expression(terms: list[Term], *, any_term: bool, loose: bool = False) -> str:
    """An FTS5 MATCH string in which every term is a quoted string: no operator can leak.

    `loose` asks for a phrase's words anywhere in the document, in any order. No column
    filter: `{title body} :` makes FTS5 read every candidate's positions and cost 1.5 to
    2 times as much; the kind column holds only numbers of three digits per letter of a
    kind (18 for "ticket"), which typed words practically never are.
    """
    parts = []
    for term in terms:
        if loose and term.is_phrase:
            last = len(term.words) - 1
            words = [
                _quoted([word], term.prefix and n == last) for n, word in enumerate(term.words)
            ]
            parts.append("(" + " AND ".join(words) + ")")
        else:
            parts.append(_quoted(term.words, term.prefix))
    # FTS5 joins a parenthesised group to its neighbours only with a written AND.
    joiner = " OR " if any_term else (" AND " if loose else " ")
    return joiner.join(parts)


class SQLiteBackend(Backend):
    def optimize(self) -> None:
        # Merges the b-tree segments every batch left behind into one.
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO core_search_fts(core_search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE core_searchdocument")

    def facet_sql(self, name: str) -> str:
        return f"json_extract(d.facets, '$.{name}')"

    def _are_few(self, kinds) -> bool:
        """Whether `kinds` hold at most FEW_KINDS_SHARE of the documents (ids approximate
        the total)."""
        kinds = list(kinds)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM (SELECT 1 FROM core_searchdocument "
                f"WHERE kind IN ({', '.join(['%s'] * len(kinds))}) LIMIT {FEW_KINDS_MAX})), "
                "(SELECT max(id) FROM core_searchdocument)",
                kinds,
            )
            found, last_id = cursor.fetchone()
        return found < FEW_KINDS_MAX and found <= (last_id or 0) * FEW_KINDS_SHARE

    def candidate_limit(self, terms: list[Term]) -> int:
        if any(term.is_phrase for term in terms):
            return min(self.max_candidates, PHRASE_CANDIDATES)
        return self.max_candidates

    def rank(
        self, terms: list[Term], filters: Filters, *, any_term: bool, limit: int, offset: int
    ) -> list[RankedRow]:
        match = match_expression(terms, any_term=any_term)
        loose = match_expression(terms, any_term=any_term, loose=True)
        if filters.kinds and self._are_few(filters.kinds):
            tokens = " OR ".join(kind_token(kind) for kind in filters.kinds)
            match = f"({match}) AND (kind_token : ({tokens}))"
            loose = f"({loose}) AND (kind_token : ({tokens}))"
            filters = dataclasses.replace(filters, kinds=None)
        where, params = self.filter_sql(filters)
        conditions = "".join(f" AND {condition}" for condition in where)
        candidates = self.candidate_limit(terms)
        joined = (
            "FROM core_search_fts JOIN core_searchdocument d ON d.id = core_search_fts.rowid "
            "WHERE core_search_fts MATCH %s"
        )
        ranked, phrases, phrase_params = match, "", []
        if any(term.is_phrase for term in terms):
            # bm25 counts a phrase's documents over the whole index before its first
            # score (60 ms for two common words at a million messages); a word's count is
            # its doclist's length. So the words are ranked, among the documents holding
            # the phrase, and those only among the newest that hold the words.
            ranked = loose
            floor = (
                "(SELECT min(rowid) FROM ("
                f"SELECT core_search_fts.rowid {joined}{conditions} "
                f"ORDER BY core_search_fts.rowid DESC LIMIT {candidates}))"
            )
            phrases = (
                f" AND core_search_fts.rowid >= {floor} AND +core_search_fts.rowid IN ("
                "SELECT rowid FROM core_search_fts WHERE core_search_fts MATCH %s "
                f"AND rowid >= {floor})"
            )
            phrase_params = [loose, *params, match, loose, *params]
        # FTS5 walks matches newest row first and stops after the candidate limit, so bm25
        # is computed for at most that many rows however common the words are.
        sql = (
            "SELECT id, kind, key, score, updated_at, facets FROM ("
            "SELECT d.id, d.kind, d.key, "
            f"-bm25(core_search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}, {KIND_WEIGHT}) AS score, "
            f"d.updated_at, d.facets {joined}{phrases}{conditions}"
            f" ORDER BY core_search_fts.rowid DESC LIMIT {candidates}"
            ") ORDER BY score DESC, updated_at DESC, id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [ranked, *phrase_params, *params, limit, offset])
            return [RankedRow(*row) for row in cursor.fetchall()]

    def snippets(
        self, terms: list[Term], ids: list[int], *, any_term: bool
    ) -> dict[int, tuple[str, str]]:
        if not ids:
            return {}
        marks = f"'{snippets.START}', '{snippets.STOP}'"
        # One pass over the matches between the first and last id. Handed `rowid IN
        # (...)`, FTS5 would evaluate the query once per id, and a prefix expands every
        # time: 20 snippets of `kalo*` cost 50 ms at a million messages.
        sql = (
            f"SELECT rowid, highlight(core_search_fts, 0, {marks}), "
            f"snippet(core_search_fts, 1, {marks}, '…', {SNIPPET_TOKENS}) "
            "FROM core_search_fts WHERE core_search_fts MATCH %s "
            "AND rowid BETWEEN %s AND %s "
            f"AND +rowid IN ({', '.join(['%s'] * len(ids))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [match_expression(terms, any_term=any_term), min(ids), max(ids), *ids]
            )
            return {row[0]: (row[1] or "", row[2] or "") for row in cursor.fetchall()}
