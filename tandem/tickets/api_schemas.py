"""The tickets API's input and output schemas, and the functions that fill the output ones."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field
from pydantic import field_validator

from tandem.api.schemas import (
    ClientText,
    InputSchema,
    OrganizationRef,
    OutputSchema,
    PageParams,
    PersonRef,
    TeamRef,
    agent_ref,
    api_url,
    contact_ref,
    organization_ref,
    team_ref,
)
from tandem.core.errors import FieldError, InvalidInput
from tandem.people.models import Track
from tandem.tickets.actions import IncomingFile
from tandem.tickets.models import Channel, Message, Priority, Status, Ticket, TicketEvent
from tandem.tickets.queries import SORTS
from tandem.workflow.sla_schemas import SlaBlockOut
from tandem.workflow.sla_status import sla_block, sla_policy_name

# Literal[tuple] spells out every value, so the OpenAPI schema lists them as an enum.
StatusName = Literal[tuple(Status.values)]
PriorityName = Literal[tuple(Priority.values)]
TrackName = Literal[tuple(Track.values)]
ChannelName = Literal[tuple(Channel.values)]
VisibilityName = Literal[tuple(Message.Visibility.values)]
ViewName = Literal[
    "all",
    "mine",
    "unassigned",
    "service",
    "support",
    "open",
    "solved",
    "sla_at_risk",
    "sla_breached",
]
SortName = Literal[tuple(SORTS)]


# --- input ---------------------------------------------------------------------


class RequesterIn(InputSchema):
    email: str = Field(max_length=254)
    name: str = Field("", max_length=200)


class AttachmentIn(InputSchema):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("", max_length=200)
    content_base64: str = Field(description="The file's bytes, base64-encoded.")


def decode_attachments(files: list[AttachmentIn]) -> list[IncomingFile]:
    """The files' bytes, or a 422 naming each entry that is not base64 (for every API)."""
    decoded, errors = [], []
    for index, item in enumerate(files):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            errors.append(FieldError(f"attachments[{index}].content_base64", "is not base64"))
            continue
        decoded.append(
            IncomingFile(filename=item.filename, content=content, content_type=item.content_type)
        )
    if errors:
        raise InvalidInput(errors)
    return decoded


class TicketCreateIn(InputSchema):
    subject: str = Field(max_length=250)
    body: str = Field("", description="The customer's first message, as plain text.")
    requester: RequesterIn | None = Field(
        None, description="Found or created by email. Give this or `requester_id`."
    )
    requester_id: int | None = None
    priority: PriorityName = Priority.NORMAL.value
    track: TrackName | None = Field(None, description="Defaults to the team's track, else service.")
    team: int | str | None = Field(None, description="A team's id or its name.")
    assignee: int | None = None
    status: StatusName = Status.NEW.value
    tags: list[str] = []
    custom_fields: dict[str, Any] = {}
    category: str = Field("", max_length=64)
    attachments: list[AttachmentIn] = []


# In the PATCH body an absent key means "unchanged". Keys that cannot be cleared have a
# non-nullable type with a None default: omitting them is fine, sending null is a 422.
class TicketPatchIn(InputSchema):
    subject: str = Field(None, max_length=250)
    status: StatusName = None
    priority: PriorityName = None
    track: TrackName = None
    team: int | str | None = Field(
        None, description="A team's id or its name; null removes the team."
    )
    assignee: int | None = Field(None, description="null unassigns.")
    category: str = Field(None, max_length=64)
    tags: list[str] = Field(None, description="Replaces all tags.")
    add_tags: list[str] = None
    remove_tags: list[str] = None
    custom_fields: dict[str, Any] = Field(None, description="Merged in; null clears a key.")
    requester_id: int = None


class TierMoveIn(InputSchema):
    note: str = Field(description="Internal note for the desk: what was tried, why it moves.")
    team: int | str | None = Field(
        None, description="A team's id or name; by default the next (or previous) tier's team."
    )


class MergeIn(InputSchema):
    into: int = Field(description="The number of the ticket that survives.")


class LinkIn(InputSchema):
    other: int


class MessageIn(InputSchema):
    body: str = ""
    visibility: VisibilityName = Field(
        description="public: a reply the customer gets; internal: a note for the desk."
    )
    status: StatusName | None = Field(None, description="Move the ticket to this status too.")
    attachments: list[AttachmentIn] = []


class MessageForm(ClientText):
    body: str = ""
    visibility: VisibilityName
    status: StatusName | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _blank_status_is_none(cls, value):
        # An HTML form sends an unselected status as the empty string.
        return value or None


class TicketListParams(PageParams):
    view: ViewName = "all"
    status: StatusName | None = None
    priority: PriorityName | None = None
    team: int | None = Field(None, description="A team id.")
    assignee: str | None = Field(None, description="An agent id, or `none` for unassigned.")
    channel: ChannelName | None = None
    tag: str | None = None
    track: TrackName | None = None
    requester: str | None = Field(
        None, description="An email address: tickets of the contact it belongs to."
    )
    sort: SortName = "updated"


# --- output --------------------------------------------------------------------


class TicketOut(OutputSchema):
    number: int
    subject: str
    status: StatusName
    priority: PriorityName
    track: TrackName
    category: str
    channel: ChannelName
    requester: PersonRef
    organization: OrganizationRef | None
    team: TeamRef | None
    assignee: PersonRef | None
    tags: list[str]
    custom_fields: dict[str, Any]
    merged_into: int | None
    followup_of: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    solved_at: dt.datetime | None
    first_response_at: dt.datetime | None
    message_count: int
    sla: SlaBlockOut | None = Field(
        description="Each SLA target's state; null when no SLA policy applies (docs/sla.md)."
    )
    sla_policy: str | None
    url: str


class TicketPage(OutputSchema):
    items: list[TicketOut]
    next: str | None


class AuthorOut(OutputSchema):
    kind: Literal[tuple(Message.AuthorKind.values)]
    id: int | None
    name: str
    email: str | None


class AttachmentOut(OutputSchema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class MessageOut(OutputSchema):
    id: int
    ticket: int = Field(
        description="Where it landed: a merged ticket's survivor, or the follow-up of a closed one."
    )
    body: str
    html: str
    visibility: VisibilityName
    author: AuthorOut
    created_at: dt.datetime
    attachments: list[AttachmentOut]
    delivery_status: str | None = Field(
        description="For replies sent out: queued, sent, failed or bounced."
    )


class MessagePage(OutputSchema):
    items: list[MessageOut]
    next: str | None


class EventActorOut(OutputSchema):
    kind: Literal[tuple(TicketEvent.ActorKind.values)]
    id: int | None = Field(description="The agent's or contact's id; null for the system.")
    name: str


class EventOut(OutputSchema):
    id: int
    type: Literal[tuple(TicketEvent.Kind.values)]
    actor: EventActorOut
    time: dt.datetime
    data: dict[str, Any]


class EventPage(OutputSchema):
    items: list[EventOut]
    next: str | None


class LinkOut(OutputSchema):
    ticket: int
    other: int
    kind: str


def ticket_out(
    request: HttpRequest, ticket: Ticket, *, tag_names: list[str] | None = None
) -> dict[str, Any]:
    """Reads only what with_list_relations loads: no query per ticket. One ticket's
    `tag_names` may come ready (queries.tag_names_of) instead of from its prefetched tags."""
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "track": ticket.track,
        "category": ticket.category,
        "channel": ticket.channel,
        "requester": contact_ref(ticket.contact),
        "organization": organization_ref(ticket.organization),
        "team": team_ref(ticket.team),
        "assignee": agent_ref(ticket.assignee),
        "tags": [tag.name for tag in ticket.tags.all()] if tag_names is None else tag_names,
        "custom_fields": ticket.custom_fields,
        "merged_into": ticket.merged_into_id,
        "followup_of": ticket.followup_of_id,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "solved_at": ticket.solved_at,
        "first_response_at": ticket.first_response_at,
        "message_count": ticket.message_count,
        "sla": sla_block(ticket, timezone.now()),
        "sla_policy": sla_policy_name(ticket),
        "url": api_url(request, f"tickets/{ticket.number}"),
    }


def _author(message: Message) -> dict[str, Any]:
    if message.author_agent_id:
        person = message.author_agent
        return {
            "kind": message.author_kind,
            "id": person.pk,
            "name": person.name,
            "email": person.email,
        }
    if message.author_contact_id:
        person = message.author_contact
        return {
            "kind": message.author_kind,
            "id": person.pk,
            "name": person.display_name,
            "email": person.email or None,
        }
    return {"kind": message.author_kind, "id": None, "name": message.author_name, "email": None}


def message_out(request: HttpRequest, message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "ticket": message.ticket_id,
        "body": message.body,
        "html": message.display_html(),
        "visibility": message.visibility,
        "author": _author(message),
        "created_at": message.created_at,
        "attachments": [
            {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "url": api_url(request, f"attachments/{a.pk}"),
            }
            for a in message.attachments.all()
        ],
        "delivery_status": message.delivery_status or None,
    }


def _event_actor(event: TicketEvent) -> dict[str, Any]:
    if event.actor_agent_id:
        return {
            "kind": event.actor_kind,
            "id": event.actor_agent_id,
            "name": event.actor_agent.name,
        }
    if event.actor_contact_id:
        contact = event.actor_contact
        return {"kind": event.actor_kind, "id": contact.pk, "name": contact.display_name}
    return {"kind": event.actor_kind, "id": None, "name": event.get_actor_kind_display()}


def event_out(event: TicketEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "type": event.kind,
        "actor": _event_actor(event),
        "time": event.created_at,
        "data": event.data,
    }
