"""Keeping the whole index whole: rebuilding every kind, and catching up on quiet writes."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import transaction

from tandem.core import search

REBUILD_BATCH = 1000
# Each catch-up batch is its own short transaction, so writers never wait on it long;
# one run stops after its time budget and the next run goes on.
CATCH_UP_BATCH = 500
CATCH_UP_SECONDS = 60.0


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


def catch_up(
    *, batch_size: int = CATCH_UP_BATCH, seconds: float = CATCH_UP_SECONDS
) -> dict[str, int]:
    """Index every stale document of each kind, a batch at a time, within `seconds`.

    Answers how many were indexed per kind. A demo desk or a mail import of 10,000
    tickets is searchable after one run.
    """
    deadline = time.monotonic() + seconds
    indexed = {}
    for source in search.sources():
        if source.stale is None:
            continue
        indexed[source.kind] = 0
        while time.monotonic() < deadline:
            with transaction.atomic():
                done = search.index_documents(list(source.stale(batch_size)))
            indexed[source.kind] += done
            if done < batch_size:
                break
    return indexed
