"""The two calls inbound makes into the outbox, through one small adapter while it is built.

The outbox (tandem/mail/outbox/) provides `queue_acknowledgement(*, ticket, mailbox,
inbound_message)` and `bounces.mark_bounced(*, original_message_id, reason) -> bool`. Until
that package exists these do nothing (mark_bounced answers False); once it does, they call it
unchanged. When both functions have landed, call them directly and delete this module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache

from tandem.mail.models import Mailbox
from tandem.tickets.models import Message, Ticket


@cache
def _outbox_function(module: str, name: str) -> Callable | None:
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name and module.startswith(error.name):
            return None  # the outbox package (or this module of it) is not there yet
        raise  # the outbox exists but is broken: say so, do not hide it
    return getattr(found, name, None)


def queue_acknowledgement(*, ticket: Ticket, mailbox: Mailbox, inbound_message: Message) -> bool:
    """Queue the mailbox's acknowledgement for a new ticket; False when there is no outbox."""
    function = _outbox_function("tandem.mail.outbox", "queue_acknowledgement")
    if function is None:
        return False
    function(ticket=ticket, mailbox=mailbox, inbound_message=inbound_message)
    return True


def mark_bounced(*, original_message_id: str, reason: str) -> bool:
    """Mark the outbound mail with this Message-ID bounced; False when none (or no outbox)."""
    function = _outbox_function("tandem.mail.outbox.bounces", "mark_bounced")
    if function is None:
        return False
    return bool(function(original_message_id=original_message_id, reason=reason))
