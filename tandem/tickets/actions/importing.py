"""Writing a batch of imported customer history (tickets, messages, followers) in set-based queries.

Why this exists beside `create_ticket` and `add_message`: importing years of mail through them
costs ~20 queries and one transaction per message, which made `tandem mail import` run at a
tenth of the parser's speed. History needs none of what makes those actions per-message (no
delivery, no live push, no workflow reaction: DESIGN.md "Importing history is not live
traffic"), so this action writes a whole batch at once in multi-row INSERTs (tandem.core.rows),
producing the rows and events those actions would have written for the same messages in the
same order. It takes only plain customer mail: the caller sends everything else (agents' mail,
bounces, follow-ups of closed tickets, subject tokens) through the per-message actions, and
tandem/mail/tests/test_bulk_import.py compares the two paths on a mixed corpus.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from tandem.core.custom_fields import clean_custom_fields
from tandem.core.errors import InvalidInput
from tandem.core.rows import insert_rows, save_fields
from tandem.people.actions import _organization_for_domain
from tandem.people.actors import Actor
from tandem.people.models import Contact, ContactIdentity, Organization, Team, Track
from tandem.tickets import status as machine
from tandem.tickets.actions.attachments import IncomingFile, check_files, safe_filename
from tandem.tickets.actions.changes import ticket_custom_field_definitions
from tandem.tickets.actions.events import change_data, new_event
from tandem.tickets.models import (
    UNSOLVED_STATUSES,
    Attachment,
    Channel,
    Message,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)

Kind = TicketEvent.Kind
Visibility = Message.Visibility
NO_SUBJECT = "(no subject)"


@dataclass
class HistoryMessage:
    """One customer message of the history, threaded by the caller.

    `thread` is None for a new ticket, an existing ticket's number, or ("entry", key) for the
    ticket an earlier entry of the same batch lands on.
    """

    key: int
    sender: tuple[str, str]  # (display name, normalised address)
    thread: int | tuple[str, int] | None
    subject: str
    body: str
    at: dt.datetime
    html: str = ""
    quoted: str = ""
    files: Sequence[IncomingFile] = ()
    message_id: str = ""
    in_reply_to: str = ""
    meta: dict = field(default_factory=dict)
    team: Team | None = None
    track: str | None = None
    followers: Sequence[tuple[str, str]] = ()  # (name, address): Cc'd people, as in the mail
    sender_follows: bool = True  # False for automatic mail: it makes nobody a follower


@dataclass(frozen=True)
class HistoryResult:
    ticket_number: int
    message_pk: int
    new_ticket: bool


def refusal(entry: HistoryMessage) -> str | None:
    """Why `create_ticket`/`add_message` would refuse this entry (the caller quarantines it
    through them instead), or None."""
    if not entry.body.strip() and not entry.files:
        return "empty"
    try:
        check_files(list(entry.files))
    except InvalidInput as error:
        return str(error)
    return None


@transaction.atomic
def import_history(*, entries: Sequence[HistoryMessage]) -> dict[int, HistoryResult]:
    """Write the entries in order, in one transaction; returns each entry key's ticket and message.

    Entries threaded onto an existing ticket must name one that is neither closed nor merged
    (the caller checks; a follow-up is the per-message path's business).
    """
    if not entries:
        return {}
    contacts = _contacts_for(entries)
    existing, followers = _existing_tickets(entries)
    custom_values = clean_custom_fields(ticket_custom_field_definitions(), {})
    system = Actor.system()

    tickets: dict[int, Ticket] = {}  # entry key -> the ticket it lands on
    new_tickets: list[Ticket] = []
    touched: dict[int, Ticket] = {}  # existing tickets changed by the batch
    messages: list[tuple[Ticket, Message, HistoryMessage]] = []
    # Events in the order the per-message actions write them. Tickets and messages get their
    # keys when they are inserted; insert_rows gives each event the keys of its own.
    events: list[TicketEvent] = []
    follower_rows: list[tuple[Ticket, Contact]] = []

    for entry in entries:
        contact = contacts[entry.sender[1]]
        actor = Actor.for_contact(contact)
        body = entry.body.strip()
        if entry.thread is None:
            team = entry.team
            track = entry.track or (team.track if team else Track.SERVICE)
            ticket = Ticket(
                subject=entry.subject.strip()[:250] or NO_SUBJECT,
                track=track,
                channel=Channel.EMAIL,
                status=Status.NEW,
                priority=Priority.NORMAL,
                contact=contact,
                organization_id=contact.organization_id,
                team=team,
                custom_fields=dict(custom_values),
                created_at=entry.at,
                updated_at=entry.at,
                last_customer_message_at=entry.at,
                message_count=1,
            )
            new_tickets.append(ticket)
            events.append(
                new_event(
                    ticket,
                    Kind.CREATED,
                    actor=actor,
                    at=entry.at,
                    channel=Channel.EMAIL,
                    status=Status.NEW,
                    priority=Priority.NORMAL,
                    track=track,
                    category="",
                    team=team and team.pk,
                    assignee=None,
                    tags=[],
                    followup_of=None,
                )
            )
            in_reply_to = ""  # create_ticket keeps none for a first message
        else:
            if isinstance(entry.thread, tuple):
                ticket = tickets[entry.thread[1]]
            else:
                ticket = existing[entry.thread]
                touched[ticket.pk] = ticket
            in_reply_to = entry.in_reply_to
        message = Message(
            ticket=ticket,
            visibility=Visibility.PUBLIC,
            author_kind=Message.AuthorKind.CONTACT,
            author_contact=contact,
            channel=Channel.EMAIL,
            body=body,
            html=entry.html,
            quoted=entry.quoted,
            message_id=entry.message_id[:998],
            in_reply_to=in_reply_to[:998],
            meta=dict(entry.meta),
            created_at=entry.at,
        )
        messages.append((ticket, message, entry))
        events.append(
            new_event(
                ticket,
                Kind.MESSAGE_ADDED,
                actor=actor,
                at=entry.at,
                message=message,
                visibility=Visibility.PUBLIC,
                author_kind=Message.AuthorKind.CONTACT,
            )
        )
        if entry.thread is not None:
            ticket.last_customer_message_at = entry.at
            new_status = machine.after_customer_message(ticket.status)
            if new_status != ticket.status:
                data = change_data(ticket.status, new_status)
                data["reason"] = "customer_message"
                if machine.is_reopening(ticket.status, new_status):
                    data["reopened"] = True
                ticket.status = new_status
                ticket.unsolved = new_status in UNSOLVED_STATUSES
                events.append(
                    new_event(ticket, Kind.STATUS_CHANGED, actor=actor, at=entry.at, **data)
                )
            ticket.updated_at = entry.at
            ticket.message_count += 1
        tickets[entry.key] = ticket

        # As the mail path's add_followers: the sender first, then the Cc'd; never the requester.
        following = followers.setdefault(id(ticket), set())
        wanted = [contact] if entry.sender_follows else []
        wanted += [contacts[a] for _, a in entry.followers if a in contacts]
        for follower in dict.fromkeys(wanted):
            if follower.pk == ticket.contact_id or follower.pk in following:
                continue
            following.add(follower.pk)
            follower_rows.append((ticket, follower))
            events.append(
                new_event(
                    ticket,
                    Kind.FOLLOWER_ADDED,
                    actor=system,
                    at=entry.at,
                    contact=follower.pk,
                    email=follower.email,
                )
            )

    insert_rows(new_tickets)
    insert_rows([message for _, message, _ in messages])
    insert_rows(events)
    insert_rows(
        [
            _attachment(ticket, message, incoming)
            for ticket, message, entry in messages
            for incoming in entry.files
        ]
    )
    through = Ticket.followers.through
    through.objects.bulk_create(
        [through(ticket_id=t.pk, contact_id=c.pk) for t, c in follower_rows],
        ignore_conflicts=True,
    )
    if touched:
        save_fields(
            list(touched.values()),
            ["status", "unsolved", "updated_at", "message_count", "last_customer_message_at"],
        )
    return {
        entry.key: HistoryResult(
            ticket_number=ticket.pk, message_pk=message.pk, new_ticket=entry.thread is None
        )
        for ticket, message, entry in messages
    }


def _attachment(ticket: Ticket, message: Message, incoming: IncomingFile) -> Attachment:
    """As store_files does, without saving the row (the caller saves them all at once)."""
    filename = safe_filename(incoming.filename)
    content_type = (
        incoming.content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    payload = ContentFile(bytes(incoming.content))
    attachment = Attachment(
        ticket=ticket,
        message=message,
        token=secrets.token_hex(16),
        filename=filename,
        content_type=content_type[:200],
        size=payload.size,
        content_id=incoming.content_id[:255],
    )
    attachment.file.save(filename, payload, save=False)
    return attachment


def _existing_tickets(
    entries: Sequence[HistoryMessage],
) -> tuple[dict[int, Ticket], dict[int, set[int]]]:
    """The existing tickets the batch continues (locked), and who follows each, keyed by
    id(ticket) as the batch's own new tickets are."""
    numbers = {e.thread for e in entries if isinstance(e.thread, int)}
    if not numbers:
        return {}, {}
    found = Ticket.objects.filter(pk__in=numbers)
    if connection.features.has_select_for_update:
        found = found.select_for_update()
    tickets = {ticket.pk: ticket for ticket in found}
    for ticket in tickets.values():
        if ticket.status == Status.CLOSED or ticket.merged_into_id:
            raise ValueError(f"ticket #{ticket.pk} is closed or merged: not for a history batch")
    following: dict[int, set[int]] = {id(ticket): set() for ticket in tickets.values()}
    for ticket_id, contact_id in Ticket.followers.through.objects.filter(
        ticket_id__in=tickets
    ).values_list("ticket_id", "contact_id"):
        following[id(tickets[ticket_id])].add(contact_id)
    return tickets, following


def _contacts_for(entries: Sequence[HistoryMessage]) -> dict[str, Contact]:
    """Every sender's and Cc'd person's contact, in two queries plus the new rows.

    As find_or_create_contact does for each message in turn: a known contact without a name
    takes the first name a sender gives; a Cc'd address is never used to rename.
    """
    wanted: dict[str, str] = {}  # address -> name it is created with
    for entry in entries:
        name, address = entry.sender
        wanted.setdefault(address, "")
        if name.strip() and not wanted[address]:
            wanted[address] = name
        for cc_name, cc_address in entry.followers:
            wanted.setdefault(cc_address, cc_name)
    contacts = {
        identity.value: identity.contact
        for identity in ContactIdentity.objects.select_related("contact").filter(
            kind=ContactIdentity.Kind.EMAIL, value__in=list(wanted)
        )
    }
    organizations: dict[str, Organization | None] = {}  # by domain: one lookup each
    new = {}
    for address, name in wanted.items():
        if address in contacts:
            continue
        domain = address.rpartition("@")[2]
        if domain not in organizations:
            organizations[domain] = _organization_for_domain(address)
        new[address] = Contact(
            name=name.strip()[:200], email=address, organization=organizations[domain]
        )
    insert_rows(list(new.values()))
    insert_rows(
        [
            ContactIdentity(
                contact=contact, kind=ContactIdentity.Kind.EMAIL, value=address, is_primary=True
            )
            for address, contact in new.items()
        ]
    )
    contacts.update(new)
    renamed: dict[int, Contact] = {}
    for entry in entries:
        name, address = entry.sender
        contact = contacts[address]
        if address not in new and name and not contact.name:
            contact.name = name.strip()[:200]
            contact.updated_at = timezone.now()  # bulk_update leaves auto_now alone
            renamed[contact.pk] = contact
    if renamed:
        save_fields(list(renamed.values()), ["name", "updated_at"])
    return contacts
