"""How a public message leaves the desk: channels (email, chat, ...) register a deliverer.

Actions call `deliver` inside their transaction, so a channel writes its outbox row in the
same commit as the message; the channel's own job sends it after commit.
"""

from __future__ import annotations

from collections.abc import Callable

from tandem.tickets.models import Message

Deliverer = Callable[[Message], None]
_deliverers: list[Deliverer] = []


def register_deliverer(deliverer: Deliverer) -> None:
    if deliverer not in _deliverers:
        _deliverers.append(deliverer)


def deliver(message: Message) -> None:
    """Hand a public agent or system message to every channel; each decides if it applies."""
    for deliverer in _deliverers:
        deliverer(message)
