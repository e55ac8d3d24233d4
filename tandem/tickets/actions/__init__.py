"""Every write to tickets: one function per business operation, each in one transaction."""

from tandem.tickets.actions.attachments import IncomingFile
from tandem.tickets.actions.changes import bulk_update_tickets, update_ticket
from tandem.tickets.actions.escalation import de_escalate_ticket, escalate_ticket
from tandem.tickets.actions.lifecycle import (
    add_message,
    create_ticket,
    open_ticket_for_requester,
    solve_request,
)
from tandem.tickets.actions.merging import link_tickets, merge_tickets, unlink_tickets
from tandem.tickets.actions.settings import (
    create_custom_field,
    create_tag,
    delete_tag,
    update_custom_field,
)

__all__ = [
    "IncomingFile",
    "add_message",
    "bulk_update_tickets",
    "create_custom_field",
    "create_tag",
    "create_ticket",
    "de_escalate_ticket",
    "delete_tag",
    "escalate_ticket",
    "link_tickets",
    "merge_tickets",
    "open_ticket_for_requester",
    "solve_request",
    "unlink_tickets",
    "update_custom_field",
    "update_ticket",
]
