"""The inbox: views, filters, sort and keyset pages of tickets, plus the 'go to #' jump box."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from tandem.core.permissions import agent_required
from tandem.people import directory
from tandem.people.models import Track
from tandem.tickets.forms import SUBMIT_AS, NumberForm
from tandem.tickets.models import Channel, Priority, Status
from tandem.tickets.queries import INBOX_VIEWS, SORTS, inbox_page, ticket_for
from tandem.tickets.views.inbox_rows import inbox_rows
from tandem.tickets.views.list_state import ListState

PAGE_SIZE = 50


@agent_required
def inbox(request):
    agent = request.agent
    state = ListState.from_query(request.GET)
    cursor = request.GET.get("cursor", "")
    try:
        page = inbox_page(
            agent,
            view=state.view,
            filters=state.filters,
            sort=state.sort,
            cursor=cursor,
            size=PAGE_SIZE,
        )
    except ValueError:  # a stale or edited cursor: start from the top rather than fail
        cursor = ""
        page = inbox_page(
            agent, view=state.view, filters=state.filters, sort=state.sort, size=PAGE_SIZE
        )
    list_query = state.query()
    context = {
        "state": state,
        "rows": inbox_rows(page.items, state),
        "list_query": list_query,
        "next_query": state.query(cursor=page.next_cursor) if page.next_cursor else "",
        "is_later_page": bool(cursor),
        "can_bulk": agent.can_reply_publicly,
    }
    if request.htmx and not request.htmx.history_restore_request:
        # "Load more": only the next rows, appended in place of the button row.
        return render(request, "tickets/_inbox_rows.html", context)
    context.update(
        {
            "views": [
                (key, label, ListState(view=key, sort=state.sort).query())
                for key, label in INBOX_VIEWS.items()
            ],
            "clear_query": ListState(view=state.view, sort=state.sort).query(),
            "sorts": [(key, label) for key, (_, _, label) in SORTS.items()],
            "teams": directory.teams(),
            "agents": directory.assignable_agents(),
            "statuses": Status.choices,
            "priorities": Priority.choices,
            "channels": Channel.choices,
            "tracks": Track.choices,
            "submit_as": SUBMIT_AS,
        }
    )
    return render(request, "tickets/inbox.html", context)


@agent_required
def go_to_ticket(request):
    """The 'Go to #' box: straight to the ticket, or back with a message if it is not visible."""
    form = NumberForm(request.GET)
    if form.is_valid():
        number = form.cleaned_data["number"]
        try:
            ticket = ticket_for(request.agent, number)
        except Http404:
            messages.error(request, f"There is no ticket #{number} you can open.")
        else:
            return redirect("tickets:detail", number=ticket.number)
    else:
        messages.error(request, "Enter a ticket number, like 1042.")
    return redirect(reverse("tickets:inbox"))
