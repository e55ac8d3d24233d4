"""What both engines share: filtering by kind, facets and date, and paging."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from tandem.core.search.query_parser import Term

FACET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FacetValue = str | int | None


def check_facet_name(name: str) -> None:
    """Facet names reach SQL text (a JSON path): only lower-case identifiers pass."""
    if not FACET_NAME.match(name):
        raise ValueError(f"facet name {name!r} is not a lower-case identifier")


@dataclass(frozen=True)
class Filters:
    kinds: Sequence[str] | None = None
    # name -> one value (exact match) or a list of values (any of them).
    facets: dict | None = None
    updated_from: dt.datetime | None = None
    updated_to: dt.datetime | None = None
    # kind -> facets that only documents of that kind must match (ticket visibility).
    kind_facets: dict | None = None


@dataclass(frozen=True)
class RankedRow:
    id: int
    kind: str
    key: int
    score: float
    updated_at: object
    facets: object


class Backend:
    """One engine: `rank` finds and orders matches, `snippets` marks them for a few rows."""

    # A query matching more documents than this ranks the newest this many of them (by
    # when they were first indexed): the cost of ranking stays flat however common the
    # words, and someone searching a word found in every third ticket wants recent ones.
    max_candidates = 2000

    def rank(
        self, terms: list[Term], filters: Filters, *, any_term: bool, limit: int, offset: int
    ) -> list[RankedRow]:
        raise NotImplementedError

    def snippets(
        self, terms: list[Term], ids: list[int], *, any_term: bool
    ) -> dict[int, tuple[str, str]]:
        raise NotImplementedError

    def optimize(self) -> None:
        """After a bulk load: compact the index and refresh the planner's statistics."""
        raise NotImplementedError

    # --- shared SQL -----------------------------------------------------------------

    def facet_sql(self, name: str) -> str:
        raise NotImplementedError

    def facet_param(self, value: FacetValue):
        return value

    def facet_condition(self, name: str, wanted) -> tuple[str, list]:
        """`name` is one of `wanted` (a value or a collection of them; None: absent or null)."""
        check_facet_name(name)
        column = self.facet_sql(name)
        many = isinstance(wanted, list | tuple | set | frozenset)
        values = list(wanted) if many else [wanted]
        present = [value for value in values if value is not None]
        conditions, params = [], []
        if present:
            conditions.append(f"{column} IN ({', '.join(['%s'] * len(present))})")
            params.extend(self.facet_param(value) for value in present)
        if len(present) < len(values):
            conditions.append(f"{column} IS NULL")
        if not conditions:
            return "1 = 0", []
        return "(" + " OR ".join(conditions) + ")", params

    def filter_sql(self, filters: Filters) -> tuple[list[str], list]:
        """WHERE conditions on the document table aliased `d`, with their parameters."""
        where: list[str] = []
        params: list = []
        if filters.kinds is not None:
            kinds = list(filters.kinds)
            if not kinds:
                return ["1 = 0"], []
            where.append(f"d.kind IN ({', '.join(['%s'] * len(kinds))})")
            params.extend(kinds)
        for name, wanted in (filters.facets or {}).items():
            condition, condition_params = self.facet_condition(name, wanted)
            where.append(condition)
            params.extend(condition_params)
        for kind, facets in (filters.kind_facets or {}).items():
            own, own_params = [], []
            for name, wanted in facets.items():
                condition, condition_params = self.facet_condition(name, wanted)
                own.append(condition)
                own_params.extend(condition_params)
            if own:
                where.append(f"(d.kind <> %s OR ({' AND '.join(own)}))")
                params.extend([kind, *own_params])
        ops = connection.ops
        if filters.updated_from is not None:
            where.append("d.updated_at >= %s")
            params.append(ops.adapt_datetimefield_value(filters.updated_from))
        if filters.updated_to is not None:
            where.append("d.updated_at < %s")
            params.append(ops.adapt_datetimefield_value(filters.updated_to))
        return where, params
