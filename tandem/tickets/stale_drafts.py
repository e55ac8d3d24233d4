"""Reads behind the stale-draft check: what the customer or a colleague said while an agent
was writing. The composer carries the newest public message id the agent saw; a reply
posted from an older view is held until the agent has seen what arrived (web only: the
API has no drafts to go stale)."""

from __future__ import annotations

from django.db.models import QuerySet

from tandem.people.models import Agent
from tandem.tickets.models import Message, Ticket


def newest_public_message_id(ticket: Ticket, entries=None) -> int:
    """From the timeline entries a page already loaded, else with a query."""
    if entries is not None:
        ids = [e.message.pk for e in entries if e.message and e.message.is_public]
        return max(ids, default=0)
    found = (
        ticket.messages.filter(visibility=Message.Visibility.PUBLIC)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return found or 0


def arrived_since(ticket: Ticket, *, seen: int, agent: Agent) -> QuerySet[Message]:
    """Public messages newer than `seen` that someone else wrote, oldest first."""
    return (
        ticket.messages.filter(visibility=Message.Visibility.PUBLIC, pk__gt=seen)
        .exclude(author_agent=agent)
        .select_related("author_agent", "author_contact")
        .order_by("id")
    )


def parse_seen(raw: str | None) -> int | None:
    """The posted id, or None when the form did not carry one (nothing to check)."""
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if value >= 0 else None
