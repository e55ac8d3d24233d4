"""Pushes "this changed" notices to open pages over the channel layer (WebSocket consumers)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


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
    try:
        async_to_sync(layer.group_send)(
            ticket_group(number), {"type": "ticket.changed", "number": number, "kind": kind}
        )
    except Exception:  # the channel layer is best-effort: the write has already succeeded
        log.warning("could not push change of ticket %s", number, exc_info=True)
