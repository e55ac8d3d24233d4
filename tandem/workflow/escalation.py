"""Reading a ticket's escalation path (Tier 1 → Tier 2 → Tier 3) back from its events.

The path is what the header shows and what the escalation rate of METRICS.md counts;
both come from the `escalated` and `de_escalated` events, never from the current team.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

TIER_KINDS = ("escalated", "de_escalated")


def escalation_path(moves: Iterable[dict[str, Any]]) -> list[str]:
    """Team names in the order the ticket went through them, from tier-move event data
    (oldest first). Empty when the ticket never changed tiers."""
    path: list[str] = []
    for data in moves:
        origin = data.get("from_team_name")
        if not path and origin:
            path.append(origin)
        target = data.get("to_team_name") or f"Tier {data.get('to_tier', '?')}"
        if not path or path[-1] != target:
            path.append(target)
    return path


def ticket_escalation_path(ticket) -> list[str]:
    """One query: the ticket's tier moves, oldest first."""
    moves = (
        ticket.events.filter(kind__in=TIER_KINDS)
        .order_by("created_at", "id")
        .values_list("data", flat=True)
    )
    return escalation_path(moves)
