"""The in-process bus on which workflow features hear what an action just did to a ticket.

An action records its ticket events as it goes and, as its last step, publishes them as
one `ActionEvents` batch. Subscribers (SLA clocks, routing, triggers, the search index)
run synchronously inside the action's transaction, so what they change commits or rolls
back together with the action that caused it. A subscriber that changes the ticket does
so through the ticket actions, whose own events are published in turn: that nesting is
the "event chain", and `chain()` lets a subscriber remember what it already did in it
(a trigger must not fire twice on its own change).

Importers and the demo loader replay history; nothing should react to it as if it were
live, so they publish inside `quiet()`.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# Deeper than this, a chain is a loop between subscribers, not a workflow.
MAX_CHAIN_DEPTH = 8


@dataclass(frozen=True)
class ActionEvents:
    """The events one action wrote for one ticket, in the order it wrote them."""

    ticket: Any  # tandem.tickets.models.Ticket; core does not import the tickets app
    events: tuple  # of TicketEvent
    action: str  # "created", "message", "updated", "merged", "linked", ...

    @property
    def kinds(self) -> set[str]:
        return {event.kind for event in self.events}

    def of_kind(self, *kinds: str) -> list:
        return [event for event in self.events if event.kind in kinds]


Subscriber = Callable[[ActionEvents], bool | None]


@dataclass
class _Chain:
    depth: int = 0
    memory: dict = field(default_factory=dict)
    at_end: dict[str, Callable[[], None]] = field(default_factory=dict)


_subscribers: dict[str, Subscriber] = {}
_quiet = contextvars.ContextVar("event_bus_quiet", default=False)
_chain: contextvars.ContextVar[_Chain | None] = contextvars.ContextVar("event_chain", default=None)


def subscribe(name: str, handler: Subscriber) -> None:
    """Register `handler` under `name` (apps call this from `AppConfig.ready`).

    Registering the same name again replaces the handler, so a reloaded app never
    reacts twice. Subscribers run in registration order. A handler returns True when it
    changed the ticket, so the publisher reloads its copy.
    """
    _subscribers[name] = handler


def unsubscribe(name: str) -> None:
    _subscribers.pop(name, None)


def subscribers() -> list[str]:
    return list(_subscribers)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Nothing published inside reaches a subscriber: for replaying history."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def is_quiet() -> bool:
    return _quiet.get()


def chain() -> dict:
    """Memory shared by every publish in the current event chain (empty outside one)."""
    current = _chain.get()
    return current.memory if current is not None else {}


def when_chain_ends(key: str, callback: Callable[[], None]) -> None:
    """Run `callback` once, when the current event chain's first publish has finished.

    For work that only needs the chain's final state, such as rewriting a ticket's search
    document once however many batches the chain published. Registering the same key again
    keeps the first callback. Outside a chain it runs now.
    """
    current = _chain.get()
    if current is None:
        callback()
    else:
        current.at_end.setdefault(key, callback)


def publish(batch: ActionEvents) -> bool:
    """Hand `batch` to every subscriber; True when one of them changed the ticket."""
    if not batch.events or _quiet.get() or not _subscribers:
        return False
    current = _chain.get()
    if current is None:
        current = _Chain()
        token = _chain.set(current)
    else:
        token = None
    if current.depth >= MAX_CHAIN_DEPTH:
        log.warning(
            "event chain on ticket %s stopped at depth %s: %s",
            getattr(batch.ticket, "pk", None),
            current.depth,
            sorted(batch.kinds),
        )
        return False
    current.depth += 1
    changed = False
    try:
        for handler in list(_subscribers.values()):
            changed = bool(handler(batch)) or changed
        if token is not None:
            # Still inside the chain, so that a callback's own publishes join it.
            while current.at_end:
                key = next(iter(current.at_end))
                current.at_end.pop(key)()
    finally:
        current.depth -= 1
        if token is not None:
            _chain.reset(token)
    return changed
