"""Mail that could not be processed: listed for admins, retried or dismissed, never dropped."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from tandem.core.errors import InvalidInput
from tandem.mail.models import InboundMail
from tandem.people.models import Agent

REVIEWABLE = (InboundMail.State.QUARANTINED, InboundMail.State.HELD)


def reviewable_mail() -> QuerySet[InboundMail]:
    return InboundMail.objects.filter(state__in=REVIEWABLE).order_by("-received_at", "-id")


@transaction.atomic
def retry_inbound(*, inbound: InboundMail, release_hold: bool = True) -> InboundMail:
    """Process again (a held sender's mail is let through when an admin retries it)."""
    inbound = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    if inbound.state not in REVIEWABLE:
        raise InvalidInput.single(
            "state", f"only quarantined or held mail can be retried, not {inbound.state}"
        )
    was_held = inbound.state == InboundMail.State.HELD
    inbound.state = InboundMail.State.RECEIVED
    inbound.reason = ""
    inbound.save(update_fields=["state", "reason"])
    from tandem.mail.tasks import process_inbound_mail

    inbound_id, skip_limit = inbound.pk, was_held and release_hold
    transaction.on_commit(lambda: process_inbound_mail(inbound_id, skip_rate_limit=skip_limit))
    return inbound


@transaction.atomic
def dismiss_inbound(*, inbound: InboundMail, agent: Agent) -> InboundMail:
    inbound = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    if inbound.state not in REVIEWABLE:
        raise InvalidInput.single(
            "state", f"only quarantined or held mail can be dismissed, not {inbound.state}"
        )
    inbound.state = InboundMail.State.DISMISSED
    inbound.reason = f"{inbound.reason}\nDismissed by {agent.name}.".strip()
    inbound.save(update_fields=["state", "reason"])
    return inbound
