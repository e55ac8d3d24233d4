"""Recording a bounce: the outbound mail a delivery report names is marked bounced, with the reason.

The inbound pipeline recognises the report (tandem.mail.automatic) and calls `mark_bounced`
with the Message-ID of our mail that came back; the agent sees the reason on the message.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from tandem.core import live
from tandem.mail.models import OutboundMail
from tandem.tickets.models import Message


@transaction.atomic
def mark_bounced(*, original_message_id: str, reason: str) -> bool:
    """Mark our mail with this Message-ID bounced; False when the desk never sent such a mail."""
    message_id = (original_message_id or "").strip().strip("<>").strip()
    if not message_id:
        return False
    row = OutboundMail.objects.select_for_update().filter(message_id=message_id).first()
    if row is None:
        return False
    reason = (reason or "").strip() or "the recipient's mail server returned the message"
    row.state = OutboundMail.State.BOUNCED
    row.next_attempt_at = None
    row.last_error = reason
    row.save(update_fields=["state", "next_attempt_at", "last_error"])
    if row.ticket_message_id:
        Message.objects.filter(pk=row.ticket_message_id).update(
            delivery_status=Message.Delivery.BOUNCED, delivery_detail=reason
        )
    transaction.on_commit(partial(live.ticket_changed, row.ticket_id, "delivery"))
    return True
