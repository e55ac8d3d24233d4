"""Parsing an import's next batch in other processes while this one writes the current batch.

Parsing is pure (tandem.mail.parsing imports no Django) and about half of an import's work;
the writes are the other half. With a second core the two overlap. The pool only ever turns
bytes into ParsedMail: every decision and every write stays in the importing process, in the
batches' order, so the result is the same as parsing in-process (test_bulk_import checks it).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from tandem.mail import MailParseError, ParsedMail
from tandem.mail.models import InboundMail, InboundRaw
from tandem.mail.parsing import parse_many

log = logging.getLogger(__name__)
# Messages handed to a worker at a time: fewer round trips, still an even spread.
CHUNK = 25
Parsed = ParsedMail | MailParseError


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers() -> int:
    """One parser beside the writer when there is a second core; none on one core."""
    return 1 if usable_cores() > 1 else 0


class ParsePool:
    """`parse(ids)` starts parsing those stored messages; `.result()` gives {id: Parsed}."""

    def __init__(self, workers: int):
        # spawn, not fork: the workers need no Django, no open database connection, no
        # threads of the parent (a PostgreSQL pool has some).
        self._executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )
        self._broken = False

    def parse(self, inbound_ids: Sequence[int]) -> PendingParse:
        if self._broken:
            return PendingParse(self, [])
        raws = dict(
            InboundRaw.objects.filter(
                inbound_id__in=inbound_ids, inbound__state=InboundMail.State.RECEIVED
            ).values_list("inbound_id", "raw")
        )
        ids = list(raws)
        futures = []
        try:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                raw = [bytes(raws[pk]) for pk in chunk]
                futures.append((chunk, self._executor.submit(parse_many, raw)))
        except Exception:  # a worker could not start or died: the importer parses itself
            log.warning("mail import: parse workers unusable; parsing here", exc_info=True)
            self._broken = True
        return PendingParse(self, futures)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class PendingParse:
    def __init__(self, pool: ParsePool, futures: list[tuple[list[int], Future]]):
        self._pool = pool
        self._futures = futures

    def result(self) -> dict[int, Parsed]:
        """Every message the workers parsed; one a broken worker lost is simply missing, and
        the importer parses it itself."""
        parsed: dict[int, Parsed] = {}
        for ids, future in self._futures:
            try:
                parsed.update(zip(ids, future.result(), strict=True))
            except Exception:
                if not self._pool._broken:
                    log.warning("mail import: a parse worker failed; parsing here", exc_info=True)
                self._pool._broken = True
        return parsed
