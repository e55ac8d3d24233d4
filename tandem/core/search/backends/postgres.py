"""PostgreSQL full text: 'english' stemming, title weighted A and body B, ranked by ts_rank."""

from __future__ import annotations

from django.db import connection

from tandem.core.search import snippets
from tandem.core.search.backends.base import Backend, Filters, RankedRow
from tandem.core.search.query_parser import Term

# ts_rank's weights for D, C, B, A: body (B) counts 0.4 of a title (A) hit.
WEIGHTS = "{0.05, 0.1, 0.4, 1.0}"
# Divide by 1 + log(length): a long ticket thread does not win by being long.
NORMALIZATION = 1
HEADLINE_TITLE = f"StartSel={snippets.START}, StopSel={snippets.STOP}, HighlightAll=true"
HEADLINE_BODY = f"StartSel={snippets.START}, StopSel={snippets.STOP}, MaxWords=30, MinWords=12"


def tsquery_sql(terms: list[Term], *, any_term: bool) -> tuple[str, list]:
    """A tsquery expression built only from bound parameters: typed text is never syntax."""
    parts: list[str] = []
    params: list = []
    for term in terms:
        if term.prefix:
            # Words are letters and digits only (query_parser), so `word:*` is one lexeme.
            last = "to_tsquery('english', %s)"
            if term.is_phrase:
                parts.append(f"tsquery_phrase(phraseto_tsquery('english', %s), {last})")
                params.extend([" ".join(term.words[:-1]), term.words[-1] + ":*"])
            else:
                parts.append(last)
                params.append(term.words[0] + ":*")
        elif term.is_phrase:
            parts.append("phraseto_tsquery('english', %s)")
            params.append(" ".join(term.words))
        else:
            parts.append("plainto_tsquery('english', %s)")
            params.append(term.words[0])
    return "(" + (" || " if any_term else " && ").join(parts) + ")", params


class PostgresBackend(Backend):
    def facet_sql(self, name: str) -> str:
        return f"(d.facets ->> '{name}')"

    def facet_param(self, value):
        # jsonb cannot hold NUL, so a value with one matches nothing either way.
        return str(value).replace("\x00", "")

    def rank(
        self, terms: list[Term], filters: Filters, *, any_term: bool, limit: int, offset: int
    ) -> list[RankedRow]:
        query, query_params = tsquery_sql(terms, any_term=any_term)
        where, params = self.filter_sql(filters)
        sql = (
            "SELECT d.id, d.kind, d.key, "
            f"ts_rank('{WEIGHTS}', d.search_vector, q.query, {NORMALIZATION}) AS score, "
            "d.updated_at, d.facets "
            f"FROM core_searchdocument d, (SELECT {query} AS query) q "
            "WHERE d.search_vector @@ q.query"
            + "".join(f" AND {condition}" for condition in where)
            + " ORDER BY score DESC, d.updated_at DESC, d.id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*query_params, *params, limit, offset])
            return [RankedRow(*row) for row in cursor.fetchall()]

    def snippets(
        self, terms: list[Term], ids: list[int], *, any_term: bool
    ) -> dict[int, tuple[str, str]]:
        if not ids:
            return {}
        query, query_params = tsquery_sql(terms, any_term=any_term)
        sql = (
            "SELECT d.id, ts_headline('english', d.title, q.query, %s), "
            "ts_headline('english', d.body, q.query, %s) "
            f"FROM core_searchdocument d, (SELECT {query} AS query) q "
            f"WHERE d.id IN ({', '.join(['%s'] * len(ids))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [HEADLINE_TITLE, HEADLINE_BODY, *query_params, *ids])
            return {row[0]: (row[1] or "", row[2] or "") for row in cursor.fetchall()}
