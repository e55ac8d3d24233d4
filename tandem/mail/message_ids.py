"""The desk's own Message-IDs: they carry the ticket number, signed so nobody can forge one.

A customer's client may drop In-Reply-To but keep References, or keep only the last ID it
saw; any one of our IDs in either header is enough to find the ticket. The signature stops a
crafted References header from threading mail into somebody else's ticket.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

_OURS = re.compile(r"^tandem\.t(?P<ticket>\d+)\.(?P<nonce>[0-9a-f]{12})\.(?P<sig>[0-9a-f]{16})@")


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">").strip() or "tandem.localhost"


def _signature(ticket_number: int, nonce: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{ticket_number}.{nonce}".encode(), hashlib.sha256).hexdigest()[:16]


def make_message_id(ticket_number: int) -> str:
    """A new Message-ID for mail about this ticket, without angle brackets."""
    nonce = secrets.token_hex(6)
    return f"tandem.t{ticket_number}.{nonce}.{_signature(ticket_number, nonce)}@{_domain()}"


def ticket_number_of(message_id: str) -> int | None:
    """The ticket an ID of ours names, or None for anyone else's (or a forged) ID."""
    match = _OURS.match(message_id.strip().strip("<>"))
    if not match:
        return None
    number = int(match["ticket"])
    if not hmac.compare_digest(match["sig"], _signature(number, match["nonce"])):
        return None
    return number


def is_ours(message_id: str) -> bool:
    return ticket_number_of(message_id) is not None
