"""Imported mail in the search index, written in the transaction that stores it.

An import publishes nothing on the event bus (no workflow reacts to history), so the search
subscriber never hears of it. The importer therefore indexes the tickets it touched itself,
inside the same transaction: a ticket is findable the moment its mail commits, and a batch
that rolls back leaves no document behind.
"""

from __future__ import annotations

from collections.abc import Iterable

from tandem.core import search
from tandem.tickets.models import Ticket
from tandem.tickets.search_index import documents


def index_tickets(numbers: Iterable[int | None]) -> int:
    """(Re)write the documents of these tickets from what is stored now; how many were written."""
    wanted = sorted({number for number in numbers if number})
    if not wanted:
        return 0
    return search.index_documents(documents(Ticket.objects.filter(number__in=wanted)))
