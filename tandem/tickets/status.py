"""The ticket status machine, as pure functions over status names."""

from __future__ import annotations

NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED = (
    "new",
    "open",
    "pending",
    "on_hold",
    "solved",
    "closed",
)

_ALLOWED: dict[str, frozenset[str]] = {
    NEW: frozenset({OPEN, PENDING, ON_HOLD, SOLVED}),
    OPEN: frozenset({PENDING, ON_HOLD, SOLVED}),
    PENDING: frozenset({OPEN, ON_HOLD, SOLVED}),
    ON_HOLD: frozenset({OPEN, PENDING, SOLVED}),
    SOLVED: frozenset({OPEN, PENDING, ON_HOLD, CLOSED}),
    CLOSED: frozenset(),
}


def can_transition(current: str, new: str) -> bool:
    return new in _ALLOWED.get(current, frozenset())


def allowed_next(current: str) -> frozenset[str]:
    return _ALLOWED.get(current, frozenset())


def after_customer_message(current: str) -> str:
    """A customer writing back means the ball is in the desk's court again."""
    if current in (PENDING, ON_HOLD, SOLVED):
        return OPEN
    return current


def after_agent_reply(current: str) -> str:
    """The first public reply takes a new ticket into work."""
    return OPEN if current == NEW else current


def is_reopening(current: str, new: str) -> bool:
    return current == SOLVED and new in (NEW, OPEN, PENDING, ON_HOLD)
