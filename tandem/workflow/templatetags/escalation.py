"""`{% escalation_path ticket as path %}`: the tiers a ticket went through, for its header."""

from django import template

from tandem.workflow.escalation import ticket_escalation_path

register = template.Library()


@register.simple_tag
def escalation_path(ticket) -> list[str]:
    return ticket_escalation_path(ticket)
