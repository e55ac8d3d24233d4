"""Pushes "this changed" notices to open pages over the channel layer (WebSocket consumers)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

log = logging.getLogger(__name__)
_state = threading.local()


@contextmanager
def quiet() -> Iterator[None]:
    """No pushes inside: for bulk writes nobody is watching (demo load, mail import)."""
    previous = getattr(_state, "quiet", False)
    _state.quiet = True
    try:
        yield
    finally:
        _state.quiet = previous


def is_quiet() -> bool:
    return getattr(_state, "quiet", False)


def ticket_group(number: int) -> str:
    return f"ticket.{number}"


def ticket_changed(number: int, kind: str) -> None:
    """Called only after commit; a push that fails must never fail the write that caused it.

    Pushes reach pages served by this process, or by every process when the channel
    layer is Redis (TANDEM_REDIS_URL); a change made elsewhere without Redis shows on the
    next page load.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    group = ticket_group(number)
    if isinstance(layer, InMemoryChannelLayer) and not layer.groups.get(group):
        return  # nobody in this process watches the ticket: skip the event-loop round trip
    try:
        async_to_sync(layer.group_send)(
            group, {"type": "ticket.changed", "number": number, "kind": kind}
        )
    except Exception:  # the channel layer is best-effort: the write has already succeeded
        log.warning("could not push change of ticket %s", number, exc_info=True)
