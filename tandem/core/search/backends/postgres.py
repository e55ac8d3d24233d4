"""PostgreSQL full text: 'english' stemming, title weighted A and body B, ranked by ts_rank."""

from __future__ import annotations

import contextlib
import json

from django.db import connection, transaction

from tandem.core.search import snippets
from tandem.core.search.backends.base import Backend, Filters, RankedRow
from tandem.core.search.query_parser import Term

# ts_rank's weights for D, C, B, A: body (B) counts 0.4 of a title (A) hit.
WEIGHTS = "{0.05, 0.1, 0.4, 1.0}"
# Divide by 1 + log(length): a long ticket thread does not win by being long.
NORMALIZATION = 1
HEADLINE_TITLE = f"StartSel={snippets.START}, StopSel={snippets.STOP}, HighlightAll=true"
HEADLINE_BODY = f"StartSel={snippets.START}, StopSel={snippets.STOP}, MaxWords=30, MinWords=12"


def tsquery_sql(terms: list[Term], *, any_term: bool, loose: bool = False) -> tuple[str, list]:
    """A tsquery expression built only from bound parameters: typed text is never syntax.

    `loose` asks for a phrase's words in any order: what the GIN index answers exactly,
    while word order needs every candidate's positions (see `PostgresBackend.rank`).
    """
    parts: list[str] = []
    params: list = []
    for term in terms:
        if term.prefix:
            # Words are letters and digits only (query_parser), so `word:*` is one lexeme.
            last = "to_tsquery('english', %s)"
            if term.is_phrase:
                if loose:
                    parts.append(f"(plainto_tsquery('english', %s) && {last})")
                else:
                    parts.append(f"tsquery_phrase(phraseto_tsquery('english', %s), {last})")
                params.extend([" ".join(term.words[:-1]), term.words[-1] + ":*"])
            else:
                parts.append(last)
                params.append(term.words[0] + ":*")
        elif term.is_phrase:
            parts.append(f"{'plainto' if loose else 'phraseto'}_tsquery('english', %s)")
            params.append(" ".join(term.words))
        else:
            parts.append("plainto_tsquery('english', %s)")
            params.append(term.words[0])
    return "(" + (" || " if any_term else " && ").join(parts) + ")", params


# A walk down the primary key reads every row it passes (its TOASTed tsvector too) until
# it has found the candidates; the GIN bitmap reads every match once, at about twice the
# cost of a walked row. The walk wins when matches are so many that it stops early: when
# matches squared exceed candidates x rows x this (measured at 1,000,000 messages).
WALK_COST_RATIO = 0.5
# The planner counts a prefix's matches from the lexemes in its statistics only, and
# guessed 2 to 8 times too few on the benchmark.
PREFIX_UNDERESTIMATE = 2.0
# A word's newest matches are looked for first among the ids that should hold this many
# times the candidates (if the planner's estimate is right): enough that a guess too
# high rarely sends the search on to the whole index.
WINDOW_MARGIN = 2.0


def walk_is_cheaper(*, matches: float, rows: float, candidates: int) -> bool:
    """Whether to find the newest candidates by walking the primary key, not by the GIN."""
    if rows <= 0:
        return True  # never analysed: a small table, where either way is quick
    return matches * matches > candidates * rows * WALK_COST_RATIO


class PostgresBackend(Backend):
    # Each candidate costs a read of its (TOASTed, compressed) tsvector; 500 keeps a query
    # of a word found in every third document under ~40 ms on the benchmark machine.
    max_candidates = 500

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_searchdocument")

    def facet_sql(self, name: str) -> str:
        return f"(d.facets ->> '{name}')"

    def facet_param(self, value):
        # jsonb cannot hold NUL, so a value with one matches nothing either way.
        return str(value).replace("\x00", "")

    def _tsquery(self, terms: list[Term], *, any_term: bool) -> str:
        """The query as tsquery text, built once per search.

        Passed back as a literal, the planner sees the real lexemes: it then uses the
        lexeme statistics to walk the newest rows for a common word and the GIN index
        for a rare one, instead of guessing.
        """
        return self._tsqueries(terms, any_term=any_term)[0]

    def _tsqueries(self, terms: list[Term], *, any_term: bool) -> tuple[str, str]:
        """(the query, the same with phrases loosened to their words in any order)."""
        key = (tuple(terms), any_term)
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            exact, exact_params = tsquery_sql(terms, any_term=any_term)
            loose, loose_params = tsquery_sql(terms, any_term=any_term, loose=True)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT ({exact})::text, ({loose})::text, "
                    "(SELECT reltuples FROM pg_class "
                    "WHERE oid = 'core_searchdocument'::regclass), "
                    "(SELECT max(id) FROM core_searchdocument)",
                    [*exact_params, *loose_params],
                )
                exact_text, loose_text, rows, last_id = cursor.fetchone()
                cache[key] = (exact_text or "", loose_text or "")
                self.__dict__["_rows"] = float(rows or 0)
                self.__dict__["_last_id"] = int(last_id or 0)
        return cache[key]

    def _estimated_matches(self, query: str) -> float:
        """The planner's estimate of the documents holding `query` (from the lexeme stats)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (FORMAT JSON) SELECT 1 FROM core_searchdocument d "
                "WHERE d.search_vector @@ %s::tsquery",
                [query],
            )
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return float(plan[0]["Plan"]["Plan Rows"])

    def rank(
        self, terms: list[Term], filters: Filters, *, any_term: bool, limit: int, offset: int
    ) -> list[RankedRow]:
        query, loose = self._tsqueries(terms, any_term=any_term)
        if not query:
            return []  # only stop words
        where, params = self.filter_sql(filters)
        # Candidates: the newest MAX_CANDIDATES matches of the words, which the GIN index
        # (rare words) or a walk down the primary key (common words) finds without reading
        # positions. Word order (phrases) is checked, and ts_rank run, on those only: a
        # phrase of two common words would otherwise read every row holding both.
        # The planner prices the walk's rows far too cheap (each detoasts a tsvector), and
        # walked 37,000 rows for a word in 1 % of the documents: it is told which way to go
        # from its own estimate of the matches. `id + 0` cannot be read off the index.
        matches = self._estimated_matches(loose)
        if any(term.prefix for term in terms):
            matches *= PREFIX_UNDERESTIMATE
        walk = walk_is_cheaper(
            matches=matches,
            rows=self.__dict__.get("_rows", 0.0),
            candidates=self.max_candidates,
        )
        if walk:
            return self._ranked(query, loose, where, params, "d.id DESC", limit, offset)
        floor = self._window_floor(matches) if not where else None
        if floor is not None:
            rows = self._ranked(
                query,
                loose,
                [*where, "d.id > %s"],
                [*params, floor],
                "d.id DESC",
                limit,
                offset,
                bitmaps_only=True,
            )
            # The newest candidates are all in the window only if it held enough of them.
            if rows and rows[0][-1] >= self.max_candidates:
                return [RankedRow(*row[:-1]) for row in rows]
        return self._ranked(query, loose, where, params, "(d.id + 0) DESC", limit, offset)

    def _window_floor(self, matches: float) -> int | None:
        """The id above which about twice the candidates' worth of matches should lie.

        Searched first, a window of the newest ids is a BitmapAnd of the GIN and the
        primary key: only its matches' rows are read, not every match's (65 ms for a word
        in 3 % of a million messages' documents, 10 ms in its window).
        """
        rows, last_id = self.__dict__.get("_rows", 0.0), self.__dict__.get("_last_id", 0)
        if rows <= 0 or matches <= 0 or last_id <= 0:
            return None
        span = last_id * self.max_candidates * WINDOW_MARGIN / matches
        if span >= last_id / 2:
            return None  # a rare word: the whole index is as quick
        return int(last_id - span)

    def _ranked(
        self, query, loose, where, params, newest, limit, offset, *, bitmaps_only=False
    ) -> list:
        phrase_check = " WHERE search_vector @@ %s::tsquery" if loose != query else ""
        # With a window, every row carries how many matches the window held.
        in_window = ", count(*) OVER () AS in_window" if bitmaps_only else ""
        sql = (
            "SELECT id, kind, key, "
            f"ts_rank('{WEIGHTS}', search_vector, %s::tsquery, {NORMALIZATION}) AS score, "
            f"updated_at, facets{', in_window' if bitmaps_only else ''} FROM ("
            f"SELECT d.id, d.kind, d.key, d.search_vector, d.updated_at, d.facets{in_window} "
            "FROM core_searchdocument d WHERE d.search_vector @@ %s::tsquery"
            + "".join(f" AND {condition}" for condition in where)
            + f" ORDER BY {newest} LIMIT {self.max_candidates}"
            ") candidates"
            + phrase_check
            + " ORDER BY score DESC, updated_at DESC, id DESC LIMIT %s OFFSET %s"
        )
        arguments = [query, loose, *params, *([query] if phrase_check else []), limit, offset]
        scope = transaction.atomic() if bitmaps_only else contextlib.nullcontext()
        with scope, connection.cursor() as cursor:
            if bitmaps_only:
                # Else the planner walks the window's rows (it prices their tsvector reads
                # far too cheap); restored below, as SET LOCAL would outlive a savepoint.
                cursor.execute(
                    "SELECT current_setting('enable_indexscan'), "
                    "set_config('enable_indexscan', 'off', true)"
                )
                previous = cursor.fetchone()[0]
            cursor.execute(sql, arguments)
            rows = cursor.fetchall()
            if bitmaps_only:
                cursor.execute("SELECT set_config('enable_indexscan', %s, true)", [previous])
        if bitmaps_only:
            return rows
        return [RankedRow(*row) for row in rows]

    def snippets(
        self, terms: list[Term], ids: list[int], *, any_term: bool
    ) -> dict[int, tuple[str, str]]:
        query = self._tsquery(terms, any_term=any_term)
        if not ids or not query:
            return {}
        sql = (
            "SELECT d.id, ts_headline('english', d.title, %s::tsquery, %s), "
            "ts_headline('english', d.body, %s::tsquery, %s) "
            "FROM core_searchdocument d "
            f"WHERE d.id IN ({', '.join(['%s'] * len(ids))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [query, HEADLINE_TITLE, query, HEADLINE_BODY, *ids])
            return {row[0]: (row[1] or "", row[2] or "") for row in cursor.fetchall()}
