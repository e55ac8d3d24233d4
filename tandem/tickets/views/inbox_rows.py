"""The inbox's rows, with their cells prepared in Python.

The inbox is the page agents load most, and fifty rows of template tags (a URL reversed,
a pill, two badges, an SLA clock and a relative time each) cost more than its three
queries. Each cell is built here once with the same helpers the tags use, so the template
only places strings; the markup stays in `tickets/_inbox_rows.html`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from tandem.tickets.models import Priority, Ticket
from tandem.tickets.templatetags.tickets_ui import (
    priority_badge,
    reltime,
    status_pill,
    track_badge,
)
from tandem.tickets.views.list_state import ListState
from tandem.workflow.templatetags.sla_ui import sla_next_due


@dataclass(frozen=True, slots=True)
class TagLink:
    name: str
    href: str


@dataclass(frozen=True, slots=True)
class InboxRow:
    ticket: Ticket
    position: str  # the keyset cursor of this row (see ListState.position_of)
    href: str  # the ticket page, remembering the list and the row for next/previous
    urgent: bool
    tags: list[TagLink]
    status: SafeString
    priority: SafeString
    track: SafeString
    sla: SafeString
    updated: SafeString


def inbox_rows(tickets, state: ListState) -> list[InboxRow]:
    # One URL reversed per page, not per row: every ticket URL has the same shape.
    ticket_url = reverse("tickets:detail", args=[0]).removesuffix("0/")
    list_query = quote(state.query(), safe="")
    tag_prefix = reverse("tickets:inbox") + "?"
    if state.view != "open":
        tag_prefix += f"view={quote(state.view, safe='')}&"
    now = timezone.now()
    rows = []
    for ticket in tickets:
        position = state.position_of(ticket)
        rows.append(
            InboxRow(
                ticket=ticket,
                position=position,
                href=f"{ticket_url}{ticket.number}/?in={list_query}&pos={quote(position, safe='')}",
                urgent=ticket.priority == Priority.URGENT,
                tags=[
                    TagLink(tag.name, f"{tag_prefix}tag={quote(tag.name, safe='/')}")
                    for tag in ticket.tags.all()
                ],
                status=status_pill(ticket.status),
                priority=priority_badge(ticket.priority),
                track=track_badge(ticket.track),
                sla=sla_next_due(ticket, now=now),
                updated=reltime(ticket.updated_at, now=now),
            )
        )
    return rows
