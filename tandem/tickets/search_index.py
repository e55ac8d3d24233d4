"""Tickets in the search index: subject and every message, kept current from the event bus.

Each ticket action publishes its events (tandem.core.event_bus); `reindex_on_change`
hears them inside the action's transaction and rewrites that ticket's document once the
event chain is over (routing, SLA and triggers may change the ticket again in the same
chain: one rewrite of the final state instead of one per batch), so the index commits or
rolls back with the change. A merged ticket leaves the index (its
messages now belong to the survivor, which is reindexed by the same merge). Writes made
inside `event_bus.quiet()` (imports, the demo loader) reach no subscriber; the periodic
catch-up (`tandem.core.search.catch_up`) indexes what they left behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from tandem.core import event_bus, search
from tandem.core.event_bus import ActionEvents
from tandem.core.search.models import SearchDocument
from tandem.tickets.models import Message, Ticket

KIND = "ticket"
# Tickets read per query while rebuilding: their messages come in one query per batch.
BATCH = 500


def facets_of(ticket: Ticket) -> dict:
    return {
        "status": ticket.status,
        "track": ticket.track,
        "team": ticket.team_id,
        "priority": ticket.priority,
        "channel": ticket.channel,
    }


def document_of(ticket: Ticket, bodies: Iterable[str]) -> search.Document:
    return search.Document(
        kind=KIND,
        key=ticket.number,
        title=ticket.subject,
        body="\n\n".join(body for body in bodies if body),
        facets=facets_of(ticket),
        updated_at=ticket.updated_at,
    )


def reindex_ticket(ticket: Ticket) -> None:
    """Rewrite (or, once merged away, remove) the ticket's document from what is stored now."""
    if ticket.merged_into_id:
        search.remove_document(kind=KIND, key=ticket.number)
        return
    bodies = Message.objects.filter(ticket_id=ticket.number).order_by("created_at", "id")
    search.index_documents([document_of(ticket, bodies.values_list("body", flat=True))])


def reindex_on_change(batch: ActionEvents) -> None:
    """Event bus subscriber; it never changes the ticket, so it answers None."""
    number = batch.ticket.pk
    event_bus.when_chain_ends(f"search:ticket:{number}", lambda: _reindex_stored(number))


def _reindex_stored(number: int) -> None:
    """The ticket is read again: subscribers may have changed it on their own copies
    (routing sets the team), and a batch's instance would undo that here."""
    ticket = Ticket.objects.filter(number=number).first()
    if ticket is None:
        search.remove_document(kind=KIND, key=number)
    else:
        reindex_ticket(ticket)


def documents(tickets: QuerySet[Ticket]) -> Iterator[search.Document]:
    """Documents of `tickets` (merged ones skipped), a batch of tickets and messages at a time."""
    numbers = tickets.filter(merged_into__isnull=True).order_by("number")
    last = 0
    while True:
        batch = list(numbers.filter(number__gt=last)[:BATCH])
        if not batch:
            return
        last = batch[-1].number
        bodies: dict[int, list[str]] = {ticket.number: [] for ticket in batch}
        messages = (
            Message.objects.filter(ticket_id__in=list(bodies))
            .order_by("ticket_id", "created_at", "id")
            .values_list("ticket_id", "body")
        )
        for number, body in messages.iterator(chunk_size=5000):
            bodies[number].append(body)
        for ticket in batch:
            yield document_of(ticket, bodies[ticket.number])


def _stale() -> QuerySet[Ticket]:
    """Tickets whose document is missing or older than the ticket (writes made in quiet)."""
    current = SearchDocument.objects.filter(
        kind=KIND, key=OuterRef("number"), updated_at__gte=OuterRef("updated_at")
    )
    return Ticket.objects.filter(merged_into__isnull=True).filter(~Exists(current))


def source() -> search.Source:
    return search.Source(
        kind=KIND,
        count=lambda: Ticket.objects.filter(merged_into__isnull=True).count(),
        documents=lambda: documents(Ticket.objects.all()),
        label="Ticket",
        url=lambda number: reverse("tickets:detail", args=[number]),
        stale=lambda limit: documents(
            Ticket.objects.filter(
                number__in=list(_stale().values_list("number", flat=True)[:limit])
            )
        ),
    )
