"""Stepping to the previous or next ticket of the inbox list the agent came from ([ and ]).

The read below belongs in queries.py (`adjacent_ticket`); it lives here until the
queries owner moves it, and uses only the access-checked inbox querysets.
"""

from __future__ import annotations

from urllib.parse import quote

from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse

from tandem.core.permissions import agent_required
from tandem.people.models import Agent
from tandem.tickets.queries import (
    SORTS,
    decode_cursor,
    keyset_page,
    ticket_for,
    view_queryset,
)
from tandem.tickets.views.list_state import ListState


def adjacent_ticket(agent: Agent, state: ListState, pos: str, *, forward: bool):
    """The ticket after (or before) position `pos` in `state`'s order; one LIMIT 1 query."""
    tickets = state.filters.apply(view_queryset(agent, state.view))
    if state.filters.tag:
        tickets = tickets.distinct()
    if forward:
        page = keyset_page(tickets, sort=state.sort, cursor=pos, size=1)
        return page.items[0] if page.items else None
    column, descending, _ = SORTS[state.sort]
    value, number = decode_cursor(pos, column)
    # "Before" in a descending list is "after" in the ascending one, and the reverse.
    if column == "number":
        before = Q(number__gt=number) if descending else Q(number__lt=number)
        order = ["number"] if descending else ["-number"]
    elif descending:
        before = Q(**{f"{column}__gt": value}) | Q(**{column: value, "number__gt": number})
        order = [column, "number"]
    else:
        before = Q(**{f"{column}__lt": value}) | Q(**{column: value, "number__lt": number})
        order = [f"-{column}", "-number"]
    return tickets.filter(before).order_by(*order).first()


@agent_required
def step(request, number: int, direction: str):
    """Redirect to the neighbouring ticket, keeping the list context; back to this one at an end."""
    state = ListState.from_encoded(request.GET.get("in", ""))
    pos = request.GET.get("pos", "")
    if not state.valid_position(pos):
        pos = state.position_of(ticket_for(request.agent, number))
    other = adjacent_ticket(request.agent, state, pos, forward=direction == "next")
    target = other.number if other is not None else number
    new_pos = state.position_of(other) if other is not None else pos
    query = f"in={quote(state.query(), safe='')}&pos={quote(new_pos, safe='')}"
    if other is None:
        query += f"&end={direction}"
    return HttpResponseRedirect(f"{reverse('tickets:detail', args=[target])}?{query}")
