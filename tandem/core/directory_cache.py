"""Caching the desk's small, rarely changing lists (teams, agents, custom fields) across requests.

Every workspace page shows them; reading them from the database on each request would cost
three queries a page. Writers call `forget` (through the actions), now and again after commit,
so this process and every other one sharing the cache read fresh lists; the TTL bounds how
stale a process without a shared cache (no Redis, several processes) can be.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

TTL_SECONDS = 60
PREFIX = "tandem:directory:"

T = TypeVar("T")


def cached_list(name: str, load: Callable[[], list[T]]) -> list[T]:
    key = PREFIX + name
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, TTL_SECONDS)
    return value


def forget(*names: str) -> None:
    keys = [PREFIX + name for name in names]
    cache.delete_many(keys)
    # Another request may cache the old rows between now and our commit: forget again then.
    transaction.on_commit(lambda: cache.delete_many(keys))
