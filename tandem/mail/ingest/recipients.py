"""Who else is on a message: which To and Cc addresses become followers of the ticket.

Pure: the caller passes the desk's addresses and a test for agents. Followers get the public
replies, so the desk's own addresses, agents and machine addresses never become followers,
and a message addressed to a crowd (a broadcast, not a conversation) adds none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

MAX_FOLLOWERS_PER_MESSAGE = 20
_MACHINE = re.compile(
    r"^(?:mailer[-_]?daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|"
    r"undisclosed-recipients)(?:[-+._].*)?$",
    re.I,
)


@dataclass(frozen=True)
class FollowerPick:
    addresses: list[tuple[str, str]]  # (display name, address) to follow, in header order
    skipped: int = 0  # candidates left out because there were too many


def untagged(address: str) -> str:
    """The address without a "+tag" (support+billing@desk reaches support@desk)."""
    local, at, domain = address.rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if at and "+" in local else address


def is_machine_address(address: str) -> bool:
    return bool(_MACHINE.match(address.rpartition("@")[0]))


def follower_candidates(
    *,
    to: Iterable[tuple[str, str]],
    cc: Iterable[tuple[str, str]],
    excluded: Collection[str],
    is_agent: Callable[[str], bool],
) -> FollowerPick:
    """To and Cc people who are not the desk, not agents, not machines, not in `excluded`."""
    picked: dict[str, str] = {}
    for name, address in (*to, *cc):
        if (
            "@" not in address
            or address in picked
            or address in excluded
            or untagged(address) in excluded
            or is_agent(address)
            or is_machine_address(address)
        ):
            continue
        picked[address] = name
    if len(picked) > MAX_FOLLOWERS_PER_MESSAGE:
        return FollowerPick([], skipped=len(picked))
    return FollowerPick([(name, address) for address, name in picked.items()])


def customer_was_recipient(
    *, to: Iterable[tuple[str, str]], cc: Iterable[tuple[str, str]], customer: Collection[str]
) -> bool:
    """Did the requester get this mail directly (an agent replying from their own client)?"""
    return any(address in customer for _, address in (*to, *cc))
