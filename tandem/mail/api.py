"""The mail router: the quarantine (mail that could not be processed, or is held), for admins.

Mounted at /mail/. Only an admin's token may list, retry or dismiss; any other agent gets 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router

from tandem.api.auth import agent_of
from tandem.api.errors import responses
from tandem.api.schemas import OutputSchema, PageParams, cursor_position, page
from tandem.core.errors import NotAllowed
from tandem.mail.models import InboundMail
from tandem.mail.quarantine import dismiss_inbound, retry_inbound, reviewable_mail
from tandem.tickets.queries import encode_cursor

router = Router(tags=["mail"])

StateName = Literal[tuple(InboundMail.State.values)]
SourceName = Literal[tuple(InboundMail.Source.values)]


class MailboxRef(OutputSchema):
    id: int
    address: str


class InboundOut(OutputSchema):
    id: int
    state: StateName
    reason: str
    source: SourceName
    mailbox: MailboxRef | None
    envelope_from: str
    envelope_to: list[str]
    from_address: str
    subject: str
    message_id: str
    size: int
    attempts: int
    received_at: dt.datetime


class InboundPage(OutputSchema):
    items: list[InboundOut]
    next: str | None


class QuarantineParams(PageParams):
    state: Literal["quarantined", "held"] | None = Field(
        None, description="Only quarantined (failed) or only held (sender over the limit) mail."
    )


def _require_admin(request: HttpRequest) -> None:
    if not agent_of(request).is_admin:
        raise NotAllowed("Only admins can review quarantined mail.")


def _inbound_out(inbound: InboundMail) -> dict[str, Any]:
    mailbox = inbound.mailbox
    return {
        "id": inbound.pk,
        "state": inbound.state,
        "reason": inbound.reason,
        "source": inbound.source,
        "mailbox": {"id": mailbox.pk, "address": mailbox.address} if mailbox else None,
        "envelope_from": inbound.envelope_from,
        "envelope_to": list(inbound.envelope_to or []),
        "from_address": inbound.from_address,
        "subject": inbound.subject,
        "message_id": inbound.message_id,
        "size": inbound.size,
        "attempts": inbound.attempts,
        "received_at": inbound.received_at,
    }


def _inbound(inbound_id: int) -> InboundMail:
    return get_object_or_404(InboundMail.objects.select_related("mailbox"), pk=inbound_id)


@router.get(
    "/quarantine",
    response={200: InboundPage, **responses(401, 403, 422)},
    url_name="mail_quarantine",
)
def list_quarantined_mail(request: HttpRequest, params: Query[QuarantineParams]):
    """Quarantined and held mail, newest first."""
    _require_admin(request)
    mail = reviewable_mail().select_related("mailbox")
    if params.state:
        mail = mail.filter(state=params.state)
    if params.cursor:
        received_at, last_id = cursor_position(params.cursor, "received_at")
        mail = mail.filter(
            Q(received_at__lt=received_at) | Q(received_at=received_at, pk__lt=last_id)
        )
    rows = list(mail[: params.limit + 1])
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        next_cursor = encode_cursor(rows[-1].received_at, rows[-1].pk)
    return page(request, [_inbound_out(m) for m in rows], next_cursor)


@router.post(
    "/quarantine/{inbound_id}/retry",
    response={200: InboundOut, **responses(401, 403, 404, 422)},
)
def retry_quarantined_mail(request: HttpRequest, inbound_id: int):
    """Process the mail again; held mail is let past the sender limit."""
    _require_admin(request)
    inbound = retry_inbound(inbound=_inbound(inbound_id))
    return _inbound_out(_inbound(inbound.pk))


@router.post(
    "/quarantine/{inbound_id}/dismiss",
    response={200: InboundOut, **responses(401, 403, 404, 422)},
)
def dismiss_quarantined_mail(request: HttpRequest, inbound_id: int):
    """Take the mail off the list; its raw message is kept."""
    _require_admin(request)
    inbound = dismiss_inbound(inbound=_inbound(inbound_id), agent=agent_of(request))
    return _inbound_out(_inbound(inbound.pk))
