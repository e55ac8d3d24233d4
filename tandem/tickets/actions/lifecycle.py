"""Opening tickets and adding messages: the paths every channel (web, portal, API, email) shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.core.custom_fields import clean_custom_fields
from tandem.core.errors import FieldError, InvalidInput, NotAllowed
from tandem.core.sanitize import sanitize_html
from tandem.people.actions import find_or_create_contact
from tandem.people.actors import Actor
from tandem.people.models import Agent, Contact, Team, Track
from tandem.tickets import channels
from tandem.tickets import status as machine
from tandem.tickets.actions.attachments import IncomingFile, check_files, store_files
from tandem.tickets.actions.changes import (
    check_assignee,
    clean_tag_names,
    lock_ticket,
    set_status,
    tags_named,
    ticket_custom_field_definitions,
)
from tandem.tickets.actions.events import (
    announce_change,
    new_event,
    record_event,
    record_events,
)
from tandem.tickets.models import (
    Channel,
    Message,
    Priority,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
)

Kind = TicketEvent.Kind
Visibility = Message.Visibility


def _clean_new_ticket(
    subject: str,
    body: str,
    files: list[IncomingFile],
    priority: str,
    track: str | None,
    channel: str,
    status: str,
) -> tuple[str, str]:
    errors: list[FieldError] = []
    subject = (subject or "").strip()
    body = (body or "").strip()
    if not subject:
        errors.append(FieldError("subject", "may not be empty"))
    if len(subject) > 250:
        errors.append(FieldError("subject", "must be at most 250 characters"))
    if not body and not files:
        errors.append(FieldError("body", "may not be empty"))
    if priority not in Priority.values:
        errors.append(FieldError("priority", f"must be one of {', '.join(Priority.values)}"))
    if track is not None and track not in Track.values:
        errors.append(FieldError("track", "must be 'service' or 'support'"))
    if channel not in Channel.values:
        errors.append(FieldError("channel", f"must be one of {', '.join(Channel.values)}"))
    if status not in (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED):
        errors.append(
            FieldError("status", "a new ticket starts new, open, pending, on_hold or solved")
        )
    if errors:
        raise InvalidInput(errors)
    return subject, body


@transaction.atomic
def create_ticket(
    *,
    actor: Actor,
    contact: Contact,
    subject: str,
    body: str,
    channel: str = Channel.WEB,
    html: str = "",
    priority: str = Priority.NORMAL,
    track: str | None = None,
    category: str = "",
    team: Team | None = None,
    assignee: Agent | None = None,
    status: str = Status.NEW,
    tags: Iterable[str] = (),
    custom_fields: dict | None = None,
    attachments: Iterable[IncomingFile] = (),
    followup_of: Ticket | None = None,
    message_id: str = "",
    in_reply_to: str = "",
    quoted: str = "",
    html_is_clean: bool = False,
    at: dt.datetime | None = None,
    message_meta: dict | None = None,
) -> Ticket:
    """Open a ticket with its first message, written by the requester.

    When an agent or the API opens it on the customer's behalf, the description is
    still the customer's words; `entered_by` records who typed it.
    """
    if actor.is_light_agent:
        raise NotAllowed("Light agents cannot open tickets for customers.")
    files = list(attachments)
    subject, body = _clean_new_ticket(subject, body, files, priority, track, channel, status)
    tag_names = clean_tag_names(tags)
    values = clean_custom_fields(ticket_custom_field_definitions(), custom_fields or {})
    check_assignee(assignee, team)
    check_files(files)
    at = at or timezone.now()
    track = track or (team.track if team else Track.SERVICE)

    ticket = Ticket.objects.create(
        subject=subject,
        track=track,
        category=category,
        channel=channel,
        status=Status.NEW,
        priority=priority,
        contact=contact,
        organization_id=contact.organization_id,
        team=team,
        assignee=assignee,
        custom_fields=values,
        followup_of=followup_of,
        created_at=at,
        updated_at=at,
        last_customer_message_at=at,
        message_count=1,
    )
    if tag_names:
        ticket.tags.set(tags_named(tag_names))
    meta = dict(message_meta or {})
    if actor.agent is not None:
        meta["entered_by"] = actor.agent.pk
    message = Message.objects.create(
        ticket=ticket,
        visibility=Visibility.PUBLIC,
        author_kind=Message.AuthorKind.CONTACT,
        author_contact=contact,
        channel=channel,
        body=body,
        html=_message_html(html, html_is_clean),
        quoted=quoted,
        message_id=message_id[:998],
        in_reply_to=in_reply_to[:998],
        meta=meta,
        created_at=at,
    )
    store_files(ticket, message, files)
    # Both events in one statement: "created" first, then its first message.
    record_events(
        ticket,
        [
            new_event(
                ticket,
                Kind.CREATED,
                actor=actor,
                at=at,
                channel=channel,
                status=Status.NEW,
                priority=priority,
                track=track,
                category=category,
                team=team and team.pk,
                assignee=assignee and assignee.pk,
                tags=tag_names,
                followup_of=followup_of and followup_of.pk,
            ),
            new_event(
                ticket,
                Kind.MESSAGE_ADDED,
                actor=actor,
                at=at,
                message=message,
                visibility=Visibility.PUBLIC,
                author_kind=Message.AuthorKind.CONTACT,
            ),
        ],
    )
    if status != Status.NEW:
        fields = set_status(ticket, status, actor=actor, at=at)
        ticket.save(update_fields=fields)
    announce_change(ticket, "created")
    return ticket


@transaction.atomic
def open_ticket_for_requester(*, actor: Actor, email: str, name: str = "", **ticket: Any) -> Ticket:
    """Find or create the customer by email and open their ticket, all or nothing.

    A bad address is reported together with the ticket's own bad fields (as
    "requester.email"), and a refused ticket leaves no new contact behind.
    """
    try:
        contact = find_or_create_contact(email=email, name=name)
    except InvalidInput as error:
        problems = [FieldError(f"requester.{e.field}", e.message) for e in error.errors]
        try:
            _clean_new_ticket(
                ticket.get("subject", ""),
                ticket.get("body", ""),
                list(ticket.get("attachments", ())),
                ticket.get("priority", Priority.NORMAL),
                ticket.get("track"),
                ticket.get("channel", Channel.WEB),
                ticket.get("status", Status.NEW),
            )
        except InvalidInput as more:
            problems += more.errors
        raise InvalidInput(problems) from None
    return create_ticket(actor=actor, contact=contact, **ticket)


def _message_html(html: str, html_is_clean: bool) -> str:
    # Plain text stays "" (Message.display_html renders the body when it is shown); callers
    # that sanitised already (the mail parser) skip a second, costly nh3 pass.
    return html if not html or html_is_clean else sanitize_html(html)


def _open_followup(
    closed: Ticket, *, actor: Actor, contact: Contact, body: str, at: dt.datetime, **message
) -> Ticket:
    """The customer's message, with all it carried (mail headers, HTML), on a new ticket."""
    followup = create_ticket(
        actor=actor,
        contact=contact,
        subject=closed.subject,
        body=body or "(attachment)",
        priority=closed.priority,
        track=closed.track,
        category=closed.category,
        team=closed.team,
        followup_of=closed,
        at=at,
        **message,
    )
    TicketLink.objects.create(source=followup, target=closed, kind=TicketLink.Kind.FOLLOWUP)
    record_event(closed, Kind.FOLLOWUP_CREATED, actor=actor, at=at, followup=followup.number)
    announce_change(closed, "followup")
    return followup


@transaction.atomic
def add_message(
    *,
    actor: Actor,
    ticket: Ticket,
    body: str,
    visibility: str = Visibility.PUBLIC,
    html: str = "",
    attachments: Iterable[IncomingFile] = (),
    status: str | None = None,
    channel: str | None = None,
    message_id: str = "",
    in_reply_to: str = "",
    quoted: str = "",
    html_is_clean: bool = False,
    meta: dict | None = None,
    at: dt.datetime | None = None,
    deliver: bool = True,
    keep_status: bool = False,
) -> Message:
    """Add a reply, a customer message or an internal note, moving the status as the desk expects.

    Public agent and system messages go out through the ticket's channel (`deliver=False`
    for history being imported, or an agent's reply that arrived by mail and needs no copy).

    A customer message reopens a solved ticket (unless `keep_status`, for automatic
    replies such as out-of-office notices); one to a closed ticket opens a linked
    follow-up; one to a merged ticket lands on the ticket it was merged into.
    """
    files = list(attachments)
    body = (body or "").strip()
    errors = []
    if visibility not in Visibility.values:
        errors.append(FieldError("visibility", "must be 'public' or 'internal'"))
    if not body and not files:
        errors.append(FieldError("body", "may not be empty"))
    if status is not None and status not in Status.values:
        errors.append(FieldError("status", f"must be one of {', '.join(Status.values)}"))
    if errors:
        raise InvalidInput(errors)
    if actor.is_contact and visibility != Visibility.PUBLIC:
        raise NotAllowed("Customers cannot write internal notes.")
    if actor.is_light_agent and visibility == Visibility.PUBLIC:
        raise NotAllowed("Light agents can add internal notes only, never a public reply.")
    if actor.is_light_agent and status is not None:
        raise NotAllowed("Light agents cannot change a ticket's status.")
    if actor.is_contact and status not in (None, Status.SOLVED):
        raise NotAllowed("Customers can only mark their requests solved.")
    check_files(files)
    at = at or timezone.now()

    ticket = lock_ticket(ticket, with_people=False)
    while ticket.merged_into_id:
        ticket = lock_ticket(ticket.merged_into, with_people=False)
    if ticket.status == Status.CLOSED:
        if not actor.is_contact:
            # Only the customer writing back starts a follow-up: an agent's (or the
            # system's) words must never be recorded as the customer's first message.
            raise InvalidInput.single(
                "ticket", f"#{ticket.number} is closed; write on a new or follow-up ticket"
            )
        followup = _open_followup(
            ticket,
            actor=actor,
            contact=actor.contact,
            body=body,
            at=at,
            channel=channel or ticket.channel,
            html=html,
            html_is_clean=html_is_clean,
            quoted=quoted,
            message_id=message_id,
            in_reply_to=in_reply_to,
            message_meta=meta,
            attachments=files,
        )
        return followup.messages.get()

    if actor.is_contact:
        author_kind = Message.AuthorKind.CONTACT
    elif actor.is_agent:
        author_kind = Message.AuthorKind.AGENT
    else:
        author_kind = Message.AuthorKind.SYSTEM
    message = Message.objects.create(
        ticket=ticket,
        visibility=visibility,
        author_kind=author_kind,
        author_contact=actor.contact,
        author_agent=actor.agent,
        channel=channel or (Channel.PORTAL if actor.is_contact else Channel.WEB),
        body=body,
        html=_message_html(html, html_is_clean),
        quoted=quoted,
        message_id=message_id[:998],
        in_reply_to=in_reply_to[:998],
        meta=meta or {},
        created_at=at,
    )
    store_files(ticket, message, files)
    record_event(
        ticket,
        Kind.MESSAGE_ADDED,
        actor=actor,
        at=at,
        message=message,
        visibility=visibility,
        author_kind=author_kind,
    )

    fields = ["updated_at", "message_count"]
    if author_kind == Message.AuthorKind.CONTACT:
        ticket.last_customer_message_at = at
        fields.append("last_customer_message_at")
        target = status or (
            ticket.status if keep_status else machine.after_customer_message(ticket.status)
        )
        fields += set_status(ticket, target, actor=actor, at=at, reason="customer_message")
    elif message.is_public_agent_reply:
        if ticket.first_response_at is None:
            ticket.first_response_at = at
            fields.append("first_response_at")
        ticket.last_agent_reply_at = at
        fields.append("last_agent_reply_at")
        target = status or machine.after_agent_reply(ticket.status)
        fields += set_status(ticket, target, actor=actor, at=at)
    elif status is not None:
        fields += set_status(ticket, status, actor=actor, at=at)
    ticket.updated_at = at
    ticket.message_count += 1  # the row is locked: no concurrent writer can lose this
    ticket.save(update_fields=sorted(set(fields)))
    if message.is_public and author_kind != Message.AuthorKind.CONTACT and deliver:
        channels.deliver(message)
    announce_change(ticket, "message")
    return message


@transaction.atomic
def solve_request(*, actor: Actor, ticket: Ticket) -> Ticket:
    """The customer says their request is solved (portal); only their own tickets reach here."""
    if not actor.is_contact:
        raise NotAllowed("Agents change status with update_ticket.")
    if ticket.contact_id != actor.contact.pk:
        raise NotAllowed("Only the requester can mark a request solved.")
    ticket = lock_ticket(ticket)
    if ticket.status in (Status.SOLVED, Status.CLOSED):
        return ticket
    at = timezone.now()
    fields = set_status(ticket, Status.SOLVED, actor=actor, at=at, reason="customer_solved")
    ticket.updated_at = at
    ticket.save(update_fields=fields + ["updated_at"])
    announce_change(ticket, "updated")
    return ticket
