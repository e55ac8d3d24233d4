"""The tickets router: tickets, their messages and links, and attachment downloads.

Each operation fetches through queries (a ticket the token's agent may not see is a 404),
checks, validates and calls one action; the actions enforce the role rules.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import File, Form, Query, Router, Status, UploadedFile

from tandem.api.auth import actor_of, agent_of
from tandem.api.errors import renamed, responses
from tandem.api.schemas import PageParams, cursor_position, page
from tandem.core.errors import FieldError, InvalidInput
from tandem.people.actions import normalize_email
from tandem.people.models import Agent, Contact, Team
from tandem.tickets import actions
from tandem.tickets.actions.changes import clean_tag_names
from tandem.tickets.api_schemas import (
    EventPage,
    LinkIn,
    LinkOut,
    MergeIn,
    MessageForm,
    MessageIn,
    MessageOut,
    MessagePage,
    TicketCreateIn,
    TicketListParams,
    TicketOut,
    TicketPage,
    TicketPatchIn,
    TierMoveIn,
    decode_attachments,
    event_out,
    message_out,
    ticket_out,
)
from tandem.tickets.downloads import attachment_response
from tandem.tickets.models import Channel, Ticket
from tandem.tickets.queries import (
    SORTS,
    InboxFilters,
    attachment_for,
    encode_cursor,
    events_of,
    inbox_page,
    messages_of,
    tag_names_of,
    ticket_for,
    ticket_json_for,
    with_json_relations,
)

router = Router(tags=["tickets"])


# --- fetching and resolving ids ------------------------------------------------


def _json_of(request: HttpRequest, ticket: Ticket) -> dict:
    """The ticket's JSON as it is stored now (after a write: subscribers may have changed
    it on copies of their own), in two queries."""
    stored = with_json_relations(Ticket.objects.filter(pk=ticket.pk)).get()
    return ticket_out(request, stored, tag_names=tag_names_of(stored.pk))


def _referenced_ticket(request: HttpRequest, number: int, *, field: str) -> Ticket:
    """A ticket named in the body: one the agent may not see reads as not existing."""
    try:
        return ticket_for(agent_of(request), number)
    except Http404:
        raise InvalidInput.single(field, "no such ticket") from None


def _find(model, pk: int | None, errors: list[FieldError], field: str, what: str):
    if pk is None:
        return None
    queryset = model.objects.select_related("user") if model is Agent else model.objects
    found = queryset.filter(pk=pk).first()
    if found is None:
        errors.append(FieldError(field, f"no such {what}"))
    return found


def _team(value: int | str | None, errors: list[FieldError], field: str = "team") -> Team | None:
    """A team named by id or by name (ids win for all-digit names, as in URLs)."""
    if value is None:
        return None
    if isinstance(value, int) or value.strip().isdecimal():
        return _find(Team, int(value), errors, field, "team")
    team = Team.objects.filter(name__iexact=value.strip()).first()
    if team is None:
        errors.append(FieldError(field, f"no team is named {value.strip()!r}"))
    return team


def _requester(payload: TicketCreateIn, errors: list[FieldError]) -> Contact | None:
    if payload.requester is not None and payload.requester_id is not None:
        errors.append(FieldError("requester", "give requester or requester_id, not both"))
        return None
    if payload.requester is None and payload.requester_id is None:
        errors.append(FieldError("requester", "is required (or requester_id)"))
        return None
    return _find(Contact, payload.requester_id, errors, "requester_id", "contact")


# --- tickets -------------------------------------------------------------------


@router.get("/tickets", response={200: TicketPage, **responses(401, 422)}, url_name="tickets")
def list_tickets(request: HttpRequest, params: Query[TicketListParams]):
    """Tickets the token's agent may see, newest activity first unless `sort` says otherwise."""
    errors: list[FieldError] = []
    assignee = None
    if params.assignee is not None:
        if params.assignee == "none":
            assignee = 0
        elif params.assignee.isdecimal():
            assignee = int(params.assignee)
        else:
            errors.append(FieldError("assignee", "must be an agent id or 'none'"))
    tag = ""
    if params.tag:
        try:
            (tag,) = clean_tag_names([params.tag], field="tag")
        except InvalidInput as error:
            errors += error.errors
    requester = ""
    if params.requester is not None:
        try:
            requester = normalize_email(params.requester, field="requester")
        except InvalidInput as error:
            errors += error.errors
    if errors:
        raise InvalidInput(errors)
    if params.cursor:
        cursor_position(params.cursor, SORTS[params.sort][0])
    filters = InboxFilters(
        status=params.status or "",
        priority=params.priority or "",
        team=params.team,
        assignee=assignee,
        channel=params.channel or "",
        tag=tag,
        track=params.track or "",
        requester_email=requester,
    )
    result = inbox_page(
        agent_of(request),
        view=params.view,
        filters=filters,
        sort=params.sort,
        cursor=params.cursor,
        size=params.limit,
    )
    return page(request, [ticket_out(request, t) for t in result.items], result.next_cursor)


@router.post("/tickets", response={201: TicketOut, **responses(400, 401, 403, 413, 422)})
def create_ticket(request: HttpRequest, payload: TicketCreateIn):
    """Open a ticket on a customer's behalf; the body is the customer's first message."""
    files = decode_attachments(payload.attachments)
    errors: list[FieldError] = []
    contact = _requester(payload, errors)
    team = _team(payload.team, errors)
    assignee = _find(Agent, payload.assignee, errors, "assignee", "agent")
    if errors:
        raise InvalidInput(errors)
    ticket_fields = {
        "subject": payload.subject,
        "body": payload.body,
        "channel": Channel.API,
        "priority": payload.priority,
        "track": payload.track,
        "category": payload.category,
        "team": team,
        "assignee": assignee,
        "status": payload.status,
        "tags": payload.tags,
        "custom_fields": payload.custom_fields,
        "attachments": files,
    }
    if contact is None:
        ticket = actions.open_ticket_for_requester(
            actor=actor_of(request),
            email=payload.requester.email,
            name=payload.requester.name,
            **ticket_fields,
        )
    else:
        ticket = actions.create_ticket(actor=actor_of(request), contact=contact, **ticket_fields)
    return Status(201, _json_of(request, ticket))


@router.get(
    "/tickets/{number}", response={200: TicketOut, **responses(401, 404)}, url_name="ticket"
)
def get_ticket(request: HttpRequest, number: int):
    ticket = ticket_json_for(agent_of(request), number)
    return ticket_out(request, ticket, tag_names=tag_names_of(ticket.pk))


@router.patch("/tickets/{number}", response={200: TicketOut, **responses(400, 401, 403, 404, 422)})
def update_ticket(request: HttpRequest, number: int, payload: TicketPatchIn):
    """Change only the keys present in the body."""
    ticket = ticket_for(agent_of(request), number)
    changes = payload.dict(exclude_unset=True)
    if not changes:
        return ticket_out(request, ticket)
    errors: list[FieldError] = []
    if "team" in changes:
        changes["team"] = _team(changes["team"], errors)
    if "assignee" in changes:
        changes["assignee"] = _find(Agent, changes["assignee"], errors, "assignee", "agent")
    if "requester_id" in changes:
        changes["contact"] = _find(
            Contact, changes.pop("requester_id"), errors, "requester_id", "contact"
        )
    if errors:
        raise InvalidInput(errors)
    try:
        updated = actions.update_ticket(actor=actor_of(request), ticket=ticket, **changes)
    except InvalidInput as error:
        raise renamed(error, {"contact": "requester_id"}) from None
    return _json_of(request, updated)


@router.post(
    "/tickets/{number}/escalate", response={200: TicketOut, **responses(400, 401, 403, 404, 422)}
)
def escalate_ticket(request: HttpRequest, number: int, payload: TierMoveIn):
    """Move the ticket to the next tier's support team (or `team`) with an internal note."""
    ticket = ticket_for(agent_of(request), number)
    errors: list[FieldError] = []
    team = _team(payload.team, errors)
    if errors:
        raise InvalidInput(errors)
    escalated = actions.escalate_ticket(
        actor=actor_of(request), ticket=ticket, note=payload.note, team=team
    )
    return _json_of(request, escalated)


@router.post(
    "/tickets/{number}/de-escalate",
    response={200: TicketOut, **responses(400, 401, 403, 404, 422)},
)
def de_escalate_ticket(request: HttpRequest, number: int, payload: TierMoveIn):
    """Move the ticket back down a tier (or to the lower-tier `team`) with an internal note."""
    ticket = ticket_for(agent_of(request), number)
    errors: list[FieldError] = []
    team = _team(payload.team, errors)
    if errors:
        raise InvalidInput(errors)
    moved = actions.de_escalate_ticket(
        actor=actor_of(request), ticket=ticket, note=payload.note, team=team
    )
    return _json_of(request, moved)


@router.post(
    "/tickets/{number}/merge", response={200: TicketOut, **responses(400, 401, 403, 404, 422)}
)
def merge_ticket(request: HttpRequest, number: int, payload: MergeIn):
    """Merge this ticket into `into`; answers the surviving ticket."""
    source = ticket_for(agent_of(request), number)
    target = _referenced_ticket(request, payload.into, field="into")
    try:
        survivor = actions.merge_tickets(actor=actor_of(request), source=source, target=target)
    except InvalidInput as error:
        raise renamed(error, {"target": "into", "source": "number"}) from None
    return _json_of(request, survivor)


@router.post(
    "/tickets/{number}/links", response={201: LinkOut, **responses(400, 401, 403, 404, 422)}
)
def link_ticket(request: HttpRequest, number: int, payload: LinkIn):
    ticket = ticket_for(agent_of(request), number)
    other = _referenced_ticket(request, payload.other, field="other")
    link = actions.link_tickets(actor=actor_of(request), ticket=ticket, other=other)
    return Status(201, {"ticket": ticket.number, "other": other.number, "kind": link.kind})


@router.delete("/tickets/{number}/links/{other}", response={204: None, **responses(401, 403, 404)})
def unlink_ticket(request: HttpRequest, number: int, other: int):
    ticket = ticket_for(agent_of(request), number)
    linked = ticket_for(agent_of(request), other)
    actions.unlink_tickets(actor=actor_of(request), ticket=ticket, other=linked)
    return Status(204, None)


# --- messages ------------------------------------------------------------------


def _oldest_first_page(rows_in_order, *, cursor: str, size: int) -> tuple[list, str | None]:
    """Keyset paging on (created_at, id) over rows already ordered that way."""
    if cursor:
        created_at, pk = cursor_position(cursor, "created_at")
        rows_in_order = rows_in_order.filter(
            Q(created_at__gt=created_at) | Q(created_at=created_at, id__gt=pk)
        )
    rows = list(rows_in_order[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].pk)


@router.get(
    "/tickets/{number}/messages",
    response={200: MessagePage, **responses(401, 404, 422)},
    url_name="ticket_messages",
)
def list_messages(request: HttpRequest, number: int, params: Query[PageParams]):
    """The conversation, oldest first, internal notes included."""
    ticket = ticket_for(agent_of(request), number)
    messages = messages_of(ticket, include_internal=True)  # tokens are agents'
    rows, next_cursor = _oldest_first_page(messages, cursor=params.cursor, size=params.limit)
    return page(request, [message_out(request, m) for m in rows], next_cursor)


@router.get(
    "/tickets/{number}/events",
    response={200: EventPage, **responses(401, 404, 422)},
    url_name="ticket_events",
)
def list_events(request: HttpRequest, number: int, params: Query[PageParams]):
    """What happened to the ticket, oldest first: changes, escalations, routing, SLA events."""
    ticket = ticket_for(agent_of(request), number)
    rows, next_cursor = _oldest_first_page(
        events_of(ticket), cursor=params.cursor, size=params.limit
    )
    return page(request, [event_out(e) for e in rows], next_cursor)


def _add_message(
    request: HttpRequest,
    ticket: Ticket,
    *,
    body: str,
    visibility: str,
    status: str | None,
    files: list[actions.IncomingFile],
):
    message = actions.add_message(
        actor=actor_of(request),
        ticket=ticket,
        body=body,
        visibility=visibility,
        status=status,
        attachments=files,
        channel=Channel.API,
    )
    return Status(201, message_out(request, message))


@router.post(
    "/tickets/{number}/messages",
    response={201: MessageOut, **responses(400, 401, 403, 404, 413, 422)},
)
def add_message(request: HttpRequest, number: int, payload: MessageIn):
    """A public reply or an internal note; files as base64 (for big files use /upload)."""
    ticket = ticket_for(agent_of(request), number)
    files = decode_attachments(payload.attachments)
    return _add_message(
        request,
        ticket,
        body=payload.body,
        visibility=payload.visibility,
        status=payload.status,
        files=files,
    )


@router.post(
    "/tickets/{number}/messages/upload",
    response={201: MessageOut, **responses(400, 401, 403, 404, 413, 422)},
)
def upload_message(
    request: HttpRequest,
    number: int,
    payload: Form[MessageForm],
    attachments: File[list[UploadedFile]] = None,
):
    """The same as POST /messages, as multipart/form-data with files under `attachments`."""
    ticket = ticket_for(agent_of(request), number)
    files = [actions.IncomingFile.from_upload(upload) for upload in attachments or []]
    return _add_message(
        request,
        ticket,
        body=payload.body,
        visibility=payload.visibility,
        status=payload.status,
        files=files,
    )


# --- attachments ---------------------------------------------------------------


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, **responses(401, 404)},
    url_name="attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as a download.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_attachment(request: HttpRequest, attachment_id: int):
    """The file, if the token's agent may see its ticket."""
    return attachment_response(attachment_for(agent_of(request), attachment_id))
