"""Keeping the whole index whole: rebuilding every kind, and catching up on quiet writes."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from tandem.core import search

REBUILD_BATCH = 1000
CATCH_UP_LIMIT = 2000


def rebuild(
    kinds: list[str] | None = None,
    *,
    batch_size: int = REBUILD_BATCH,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Replace the documents of every registered kind (or of `kinds`) with fresh ones.

    Each kind is one transaction: searches running meanwhile see the old documents until
    the new ones are all written. Answers the number indexed per kind.
    """
    wanted = [source for source in search.sources() if kinds is None or source.kind in kinds]
    unknown = set(kinds or ()) - {source.kind for source in wanted}
    if unknown:
        raise ValueError(f"no search source for {', '.join(sorted(unknown))}")
    indexed: dict[str, int] = {}
    for source in wanted:
        total = source.count()
        done = 0
        if on_progress:
            on_progress(source.kind, done, total)
        with transaction.atomic():
            search.remove_kind(source.kind)
            for batch in search.iter_batches(source.documents(), batch_size):
                done += search.index_documents(batch)
                if on_progress:
                    on_progress(source.kind, done, total)
        indexed[source.kind] = done
    search.optimize()
    return indexed


def catch_up(*, limit: int = CATCH_UP_LIMIT) -> dict[str, int]:
    """Index up to `limit` stale documents of each kind; answers how many per kind."""
    indexed = {}
    for source in search.sources():
        if source.stale is None:
            continue
        with transaction.atomic():
            indexed[source.kind] = search.index_documents(list(source.stale(limit)))
    return indexed
