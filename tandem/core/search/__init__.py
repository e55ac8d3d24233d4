"""One search over everything: the small interface every app indexes and queries through.

Callers never care which engine answers: SQLite FTS5 on SQLite, PostgreSQL full text
(a weighted tsvector with a GIN index) on PostgreSQL, chosen from the database vendor.

Indexing (call it inside the write's transaction, so the index commits or rolls back with
the change and is never silently stale)::

    index_document(kind="article", key=article.pk, title=article.title, body=text,
                   facets={"status": "published", "audience": "public"},
                   updated_at=article.updated_at)      # insert or replace
    remove_document(kind="article", key=article.pk)

`facets` are exact-match filter values (str, int or None; keys are lower-case
identifiers) such as status, audience, track or team. Store a value with the type you
will filter by: facet 5 and facet "5" are different on SQLite.

Querying::

    page = query("reset password", kinds=["article"],
                 facets={"status": "published", "audience": "public"}, limit=5)
    for hit in page.hits:
        hit.kind, hit.key, hit.score, hit.title_snippet, hit.body_snippet

- What a person types is parsed safely (`query_parser`): `"a phrase"` and `prefix*` are
  supported, everything else (quotes, dashes, stars, parentheses, operators) is words;
  no input raises. All terms must match (`any_term=True`: any of them, for suggestions).
  English stop words in bare words are ignored; English stemming on both engines.
- `kind_facets={"ticket": {"team": [1, 2]}}` applies facets to one kind only (the other
  kinds pass): how an agent with team-only access searches everything else in full.
- A facet filter value may be a list: any of its values matches (None matches documents
  without the facet). `updated_from` / `updated_to` bound `updated_at` (from inclusive).
- Ranking: a match in the title weighs more than one in the body (bm25 column weights;
  setweight A/B + ts_rank); the most recently updated document wins a tie.
- Snippets are HTML: escaped, matched terms inside `<mark>`; safe to render as is.

Rebuilding: each app registers how to produce all its documents with `register_source`
(from its AppConfig.ready); `tandem search rebuild` replays every source (see
docs/search.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import connection

from tandem.core.rows import insert_rows
from tandem.core.search.backends import current_backend
from tandem.core.search.backends.base import Filters
from tandem.core.search.kind_token import kind_token
from tandem.core.search.query_parser import Term, parse_query
from tandem.core.search.snippets import marked_html, without_markers

# A ticket thread of this length is already found by its first part; PostgreSQL's
# tsvector has hard size limits, so nothing longer reaches either engine.
MAX_BODY_CHARS = 200_000
MAX_LIMIT = 100

__all__ = [
    "Document",
    "SearchHit",
    "SearchPage",
    "Source",
    "Term",
    "index_document",
    "index_documents",
    "optimize",
    "parse_query",
    "query",
    "register_source",
    "remove_document",
    "remove_kind",
    "sources",
]


@dataclass(frozen=True)
class Document:
    kind: str
    key: int
    title: str
    body: str
    facets: dict
    updated_at: dt.datetime


@dataclass(frozen=True)
class SearchHit:
    kind: str
    key: int
    score: float
    title_snippet: str  # HTML
    body_snippet: str  # HTML
    updated_at: dt.datetime | None = None
    facets: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    terms: list[Term] = field(default_factory=list)
    offset: int = 0
    limit: int = 20
    has_next: bool = False

    def __bool__(self) -> bool:
        return bool(self.hits)


@dataclass(frozen=True)
class Source:
    """How to rebuild one kind: `count()` for the progress bar, `documents()` in any order.

    `stale(limit)` gives up to `limit` documents whose originals changed without their
    document (writes inside `event_bus.quiet()`); the periodic catch-up indexes them.
    """

    kind: str
    count: Callable[[], int]
    documents: Callable[[], Iterable[Document]]
    stale: Callable[[int], Iterable[Document]] | None = None
    # For result pages: what one is called, and where an agent opens one.
    label: str = ""
    url: Callable[[int], str] | None = None


_sources: dict[str, Source] = {}


def register_source(source: Source) -> None:
    """Register (or replace) the source of one kind; apps call this from AppConfig.ready."""
    _sources[source.kind] = source


def sources() -> list[Source]:
    return list(_sources.values())


def _row(document: Document, *, with_kind_token: bool):
    from tandem.core.search.models import SearchDocument

    return SearchDocument(
        kind=document.kind,
        key=int(document.key),
        title=without_markers(document.title)[:MAX_BODY_CHARS],
        body=without_markers(document.body)[:MAX_BODY_CHARS],
        facets=document.facets or {},
        # Only SQLite's index reads it; PostgreSQL filters on the kind itself.
        kind_token=kind_token(document.kind) if with_kind_token else "",
        updated_at=document.updated_at,
    )


def index_documents(documents: Iterable[Document]) -> int:
    """Insert or replace many documents in one statement (for rebuilds and batches)."""
    with_kind_token = connection.vendor == "sqlite"
    rows = [_row(document, with_kind_token=with_kind_token) for document in documents]
    insert_rows(
        rows,
        unique_fields=["kind", "key"],
        update_fields=["title", "body", "facets", "kind_token", "updated_at"],
    )
    return len(rows)


def index_document(
    *,
    kind: str,
    key: int,
    title: str,
    body: str,
    facets: dict[str, str | int | None],
    updated_at: dt.datetime,
) -> None:
    """Insert or replace the document (`kind`, `key`)."""
    index_documents(
        [Document(kind=kind, key=key, title=title, body=body, facets=facets, updated_at=updated_at)]
    )


def remove_document(*, kind: str, key: int) -> None:
    """Forget the document (`kind`, `key`); nothing happens when it is not indexed."""
    from tandem.core.search.models import SearchDocument

    SearchDocument.objects.filter(kind=kind, key=key).delete()


def remove_kind(kind: str) -> int:
    """Forget every document of one kind (before rebuilding it)."""
    from tandem.core.search.models import SearchDocument

    deleted, _ = SearchDocument.objects.filter(kind=kind).delete()
    return deleted


def optimize() -> None:
    """Compact the index after a bulk load (`tandem search rebuild` does this at the end)."""
    current_backend().optimize()


def query(
    text: str,
    *,
    kinds: Sequence[str] | None = None,
    facets: dict | None = None,
    limit: int = 20,
    offset: int = 0,
    updated_from: dt.datetime | None = None,
    updated_to: dt.datetime | None = None,
    kind_facets: dict[str, dict] | None = None,
    any_term: bool = False,
) -> SearchPage:
    """The best matches of `text`, best first; an empty page when nothing searchable is typed."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    terms = parse_query(text)
    if not terms:
        return SearchPage(hits=[], terms=[], offset=offset, limit=limit)
    backend = current_backend()
    filters = Filters(
        kinds=kinds,
        facets=facets,
        updated_from=updated_from,
        updated_to=updated_to,
        kind_facets=kind_facets,
    )
    rows = backend.rank(terms, filters, any_term=any_term, limit=limit + 1, offset=offset)
    has_next = len(rows) > limit
    rows = rows[:limit]
    marked = backend.snippets(terms, [row.id for row in rows], any_term=any_term)
    hits = []
    for row in rows:
        title, body = marked.get(row.id, ("", ""))
        hits.append(
            SearchHit(
                kind=row.kind,
                key=int(row.key),
                score=float(row.score),
                title_snippet=marked_html(title),
                body_snippet=marked_html(body),
                updated_at=_as_datetime(row.updated_at),
                facets=_as_dict(row.facets),
            )
        )
    return SearchPage(hits=hits, terms=terms, offset=offset, limit=limit, has_next=has_next)


def _as_dict(value) -> dict:
    """Raw SQL hands back JSON text on SQLite, a dict on PostgreSQL."""
    if isinstance(value, str):
        return json.loads(value)
    return dict(value or {})


def _as_datetime(value) -> dt.datetime | None:
    """Raw SQL on SQLite hands back naive UTC; make it the aware datetime the ORM would."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        from django.utils.dateparse import parse_datetime

        parsed = parse_datetime(str(value))
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def iter_batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
