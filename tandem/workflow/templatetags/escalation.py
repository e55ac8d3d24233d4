"""Ticket-header helpers: `{% escalation_path ticket as path %}`, the tiers a ticket went
through, and `{% waiting_for ticket as reason %}`, why nobody is assigned yet."""

from django import template

from tandem.workflow.escalation import ticket_escalation_path
from tandem.workflow.models import TicketRouting

register = template.Library()


@register.simple_tag
def escalation_path(ticket) -> list[str]:
    return ticket_escalation_path(ticket)


@register.simple_tag
def waiting_for(ticket) -> str:
    if ticket.assignee_id:
        return ""
    return (
        TicketRouting.objects.filter(ticket_id=ticket.pk)
        .values_list("waiting_for", flat=True)
        .first()
        or ""
    )
