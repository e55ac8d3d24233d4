"""Ticket-header helpers: `{% escalation_path ticket as path %}`, the tiers a ticket went
through, and `{% waiting_for ticket as reason %}`, why nobody is assigned yet."""

from django import template

from tandem.workflow.escalation import TIER_KINDS, ticket_escalation_path
from tandem.workflow.escalation import escalation_path as path_of
from tandem.workflow.models import TicketRouting

register = template.Library()


@register.simple_tag
def escalation_path(ticket, entries=None) -> list[str]:
    """From the timeline entries the page already loaded (every tier move is among them),
    else with a query of its own."""
    if entries:
        moves = [e.event.data for e in entries if e.event and e.event.kind in TIER_KINDS]
        return path_of(moves)
    return ticket_escalation_path(ticket)


@register.simple_tag
def waiting_for(ticket) -> str:
    if ticket.assignee_id:
        return ""
    try:
        routing = ticket.routing  # loaded with the ticket by ticket_for
    except TicketRouting.DoesNotExist:
        return ""
    return routing.waiting_for
