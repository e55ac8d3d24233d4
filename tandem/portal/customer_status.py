"""Ticket statuses in the words a customer understands: the desk's finer states stay inside."""

from __future__ import annotations

from tandem.tickets.models import Status

OPEN = "Open"
AWAITING_REPLY = "Awaiting your reply"
SOLVED = "Solved"
CLOSED = "Closed"

_WORDS = {
    Status.NEW: OPEN,
    Status.OPEN: OPEN,
    Status.ON_HOLD: OPEN,  # waiting on a third party is still the desk's turn
    Status.PENDING: AWAITING_REPLY,
    Status.SOLVED: SOLVED,
    Status.CLOSED: CLOSED,
}

_CSS = {OPEN: "open", AWAITING_REPLY: "awaiting", SOLVED: "solved", CLOSED: "closed"}


def customer_status(status: str) -> str:
    return _WORDS.get(status, OPEN)


def customer_status_css(status: str) -> str:
    return _CSS[customer_status(status)]
