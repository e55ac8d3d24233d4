"""What a bounce says, in words for the agent (the internal note) and for the outbox row.

Pure over `tandem.mail.automatic.Bounce`; `bounced_ticket` is the one lookup: which ticket the
returned mail was about.
"""

from __future__ import annotations

from tandem.mail.automatic import Bounce, BouncedRecipient
from tandem.mail.message_ids import ticket_number_of
from tandem.mail.models import OutboundMail
from tandem.tickets.models import Message, Ticket


def _recipient_line(recipient: BouncedRecipient) -> str:
    details = []
    if recipient.status:
        kind = "permanent" if recipient.is_permanent else "temporary"
        details.append(f"status {recipient.status} ({kind})")
    if recipient.diagnostic:
        details.append(recipient.diagnostic)
    return f"- {recipient.address}: " + ("; ".join(details) or "no reason given")


def bounce_note(bounce: Bounce) -> str:
    """The internal note recorded on the ticket the bounced mail belonged to."""
    lines = ["Delivery failed: a mail the desk sent about this ticket was returned."]
    if bounce.recipients:
        lines += [_recipient_line(recipient) for recipient in bounce.recipients]
    else:
        lines.append("The report names no recipient.")
    if bounce.reporting_mta:
        lines.append(f"Reported by {bounce.reporting_mta}.")
    if bounce.original_message_id:
        lines.append(f"Returned mail: <{bounce.original_message_id}>")
    return "\n".join(lines)


def bounce_reason(bounce: Bounce) -> str:
    """One line for the outbound mail row: recipient, status and diagnostic."""
    if not bounce.recipients:
        return "returned as undeliverable (the report names no recipient)"
    return "; ".join(
        " ".join(part for part in (r.address, r.status, r.diagnostic) if part)
        for r in bounce.recipients
    )


def bounce_meta(bounce: Bounce) -> dict:
    return {
        "original_message_id": bounce.original_message_id,
        "reporting_mta": bounce.reporting_mta,
        "recipients": [
            {
                "address": r.address,
                "action": r.action,
                "status": r.status,
                "diagnostic": r.diagnostic,
            }
            for r in bounce.recipients
        ],
    }


def bounced_ticket(original_message_id: str) -> int | None:
    """The ticket the returned mail was about: its outbox row, its message, or our own ID."""
    if not original_message_id:
        return None
    ticket_id = (
        OutboundMail.objects.filter(message_id=original_message_id)
        .values_list("ticket_id", flat=True)
        .first()
    ) or (
        Message.objects.filter(message_id=original_message_id)
        .values_list("ticket_id", flat=True)
        .first()
    )
    if ticket_id is None:
        number = ticket_number_of(original_message_id)
        if number is not None and Ticket.objects.filter(pk=number).exists():
            ticket_id = number
    return ticket_id
