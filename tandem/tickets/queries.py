"""Reads of tickets that check access: every list and every lookup takes the acting person."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from itertools import chain

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tandem.people.models import Agent, Contact, ContactIdentity
from tandem.tickets.models import Attachment, Message, Status, Ticket, TicketEvent, TicketLink


def team_ids_of(agent: Agent) -> list[int]:
    """Cached on the agent object: one query per request, however many checks it makes."""
    cached = getattr(agent, "_team_ids", None)
    if cached is None:
        cached = list(agent.teams.values_list("id", flat=True))
        agent._team_ids = cached
    return cached


def tickets_visible_to(agent: Agent) -> QuerySet[Ticket]:
    """The only way to list tickets for an agent: admins and all-access agents see everything,
    light agents and team-restricted agents see their teams' tickets."""
    tickets = Ticket.objects.all()
    if not agent.user.is_active:
        return tickets.none()
    if agent.sees_all_tickets:
        return tickets
    return tickets.filter(team_id__in=team_ids_of(agent))


def ticket_for(agent: Agent, number: int | str) -> Ticket:
    """The ticket if this agent may see it, else 404 (never 403: that would confirm it exists)."""
    return _one_visible(
        tickets_visible_to(agent).select_related(
            "contact",
            "organization",
            "team",
            "assignee",
            "merged_into",
            "sla__policy",
            "routing",  # why nobody is assigned yet, in the header: no query of its own
        ),
        number,
    )


def _one_visible(tickets: QuerySet[Ticket], number: int | str) -> Ticket:
    """The ticket `number` among `tickets` (what an agent may see), else 404."""
    try:
        number = int(number)
    except (TypeError, ValueError) as error:
        raise Http404("No such ticket") from error
    try:
        return tickets.get(number=number)
    except Ticket.DoesNotExist as error:
        raise Http404("No such ticket") from error


# The columns the API's ticket JSON shows (api_schemas.ticket_out), and no others: building
# SQL for every column of seven joined tables cost more than the rest of an API read.
# A column missing here is read by a query of its own (test_api counts them).
TICKET_JSON_RELATIONS = ("contact", "organization", "team", "assignee", "sla__policy")
TICKET_JSON_COLUMNS = (
    *("number", "subject", "status", "priority", "track", "category", "channel"),
    *("custom_fields", "merged_into_id", "followup_of_id", "message_count"),
    *("created_at", "updated_at", "solved_at", "first_response_at"),
    *("contact__id", "contact__name", "contact__email"),
    *("organization__id", "organization__name"),
    *("team__id", "team__name", "team__track", "team__tier"),
    *("assignee__id", "assignee__name", "assignee__email"),
    *("sla__ticket_id", "sla__targets", "sla__remaining", "sla__breached"),
    *("sla__first_response_due_at", "sla__first_response_met_at", "sla__next_response_cycle"),
    *("sla__next_response_due_at", "sla__next_response_met_at"),
    *("sla__resolution_due_at", "sla__resolution_met_at", "sla__policy__name"),
)


def with_json_relations(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Tickets to show as API JSON only: never hand these to an action (columns are left out).
    Their tags are not loaded: tag_names_of, or prefetch them for many."""
    return tickets.select_related(*TICKET_JSON_RELATIONS).only(*TICKET_JSON_COLUMNS)


def tag_names_of(number: int) -> list[str]:
    """One ticket's tag names, sorted, straight from the link table: for a single ticket this
    costs half of what its prefetch or its related manager does."""
    links = Ticket.tags.through.objects.filter(ticket_id=number).order_by("tag__name")
    return list(links.values_list("tag__name", flat=True))


def ticket_json_for(agent: Agent, number: int | str) -> Ticket:
    """ticket_for, loading only what the API's ticket JSON shows (its tags: tag_names_of)."""
    return _one_visible(with_json_relations(tickets_visible_to(agent)), number)


def attachment_for(agent: Agent, pk: int) -> Attachment:
    """The attachment if this agent may see its ticket, else 404 (whether it exists or not)."""
    attachment = Attachment.objects.filter(pk=pk).first()
    if (
        attachment is None
        or not tickets_visible_to(agent).filter(number=attachment.ticket_id).exists()
    ):
        raise Http404("No such attachment")
    return attachment


def requests_visible_to(contact: Contact) -> QuerySet[Ticket]:
    """A customer's own requests, those they follow, and their organization's where it shares."""
    condition = Q(contact=contact) | Q(followers=contact)
    if contact.organization_id and contact.organization.shares_requests:
        condition |= Q(organization_id=contact.organization_id)
    own = Ticket.objects.filter(condition).values("number")
    return Ticket.objects.filter(number__in=own, merged_into__isnull=True)


def request_for(contact: Contact, number: int | str) -> Ticket:
    try:
        number = int(number)
    except (TypeError, ValueError) as error:
        raise Http404("No such request") from error
    ticket = (
        requests_visible_to(contact).select_related("contact", "team").filter(number=number).first()
    )
    if ticket is None:
        raise Http404("No such request")
    return ticket


# --- the inbox ----------------------------------------------------------------

INBOX_VIEWS = {
    "mine": "My open tickets",
    "unassigned": "Unassigned",
    "service": "Service track",
    "support": "Support track",
    "open": "All open",
    "solved": "Recently solved",
    "sla_at_risk": "SLA at risk",
    "sla_breached": "SLA breached",
}

SORTS = {
    "updated": ("updated_at", True, "Last activity"),
    "oldest": ("updated_at", False, "Oldest activity"),
    "created": ("created_at", True, "Newest first"),
    "number": ("number", True, "Ticket number"),
}


@dataclass
class InboxFilters:
    status: str = ""
    priority: str = ""
    team: int | None = None
    assignee: int | None = None  # 0 means unassigned
    channel: str = ""
    tag: str = ""
    track: str = ""
    requester_email: str = ""  # normalised; any of the contact's email identities

    def apply(self, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.status:
            tickets = tickets.filter(status=self.status)
        if self.priority:
            tickets = tickets.filter(priority=self.priority)
        if self.team is not None:
            tickets = tickets.filter(team_id=self.team)
        if self.assignee == 0:
            tickets = tickets.filter(assignee__isnull=True)
        elif self.assignee is not None:
            tickets = tickets.filter(assignee_id=self.assignee)
        if self.channel:
            tickets = tickets.filter(channel=self.channel)
        if self.tag:
            tickets = tickets.filter(tags__name=self.tag)
        if self.track:
            tickets = tickets.filter(track=self.track)
        if self.requester_email:
            owner = ContactIdentity.objects.filter(
                kind=ContactIdentity.Kind.EMAIL, value=self.requester_email
            ).values("contact_id")
            tickets = tickets.filter(contact_id__in=owner)
        return tickets


def sla_view(tickets: QuerySet[Ticket], view: str, now: dt.datetime) -> QuerySet[Ticket]:
    """Open tickets whose earliest running SLA target is overdue, or inside its warning time."""
    tickets = tickets.filter(unsolved=True)
    if view == "sla_breached":
        return tickets.filter(sla__next_due_at__lte=now)
    return tickets.filter(sla__next_due_at__gt=now, sla__at_risk_from__lte=now)


def view_queryset(agent: Agent, view: str) -> QuerySet[Ticket]:
    tickets = tickets_visible_to(agent)
    if view == "mine":
        return tickets.filter(assignee=agent, unsolved=True)
    if view == "unassigned":
        return tickets.filter(assignee__isnull=True, unsolved=True)
    if view in ("service", "support"):
        return tickets.filter(track=view, unsolved=True)
    if view == "solved":
        return tickets.filter(status=Status.SOLVED)
    if view in ("sla_at_risk", "sla_breached"):
        return sla_view(tickets, view, timezone.now())
    if view == "all":
        return tickets
    return tickets.filter(unsolved=True)


@dataclass
class Page:
    items: list[Ticket]
    next_cursor: str | None
    sort: str = "updated"
    extra: dict = field(default_factory=dict)


def encode_cursor(value, number: int) -> str:
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    raw = json.dumps([value, number], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, column: str):
    """The (value, number) of the last row of the previous page; ValueError if tampered with."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, number = json.loads(base64.urlsafe_b64decode(padded.encode()))
        number = int(number)
    except (ValueError, TypeError) as error:
        raise ValueError("cursor is not valid") from error
    if column.endswith("_at"):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            raise ValueError("cursor is not valid")
        value = parsed
    elif column == "number":
        try:
            value = int(value)
        except (TypeError, ValueError) as error:
            raise ValueError("cursor is not valid") from error
    return value, number


def keyset_page(
    tickets: QuerySet[Ticket], *, sort: str = "updated", cursor: str = "", size: int = 50
) -> Page:
    """One page in a stable order; the cursor is the last row, so page 10,000 costs page 1."""
    column, descending, _ = SORTS.get(sort, SORTS["updated"])
    if cursor:
        value, number = decode_cursor(cursor, column)
        if column == "number":
            after = Q(number__lt=number) if descending else Q(number__gt=number)
        elif descending:
            after = Q(**{f"{column}__lt": value}) | Q(**{column: value, "number__lt": number})
        else:
            after = Q(**{f"{column}__gt": value}) | Q(**{column: value, "number__gt": number})
        tickets = tickets.filter(after)
    prefix = "-" if descending else ""
    order = (
        [f"{prefix}{column}"] if column == "number" else [f"{prefix}{column}", f"{prefix}number"]
    )
    rows = list(tickets.order_by(*order)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, column), last.number)
    return Page(items=rows, next_cursor=next_cursor, sort=sort)


# An inbox row shows the API JSON's columns but two: the SLA's next due time and risk.
TICKET_LIST_COLUMNS = (*TICKET_JSON_COLUMNS, "sla__next_due_at", "sla__at_risk_from")


def with_list_relations(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What an inbox row and a listed ticket's JSON show, in a fixed number of queries
    whatever the page size, and only those columns (seven tables' worth of unused ones
    cost more to fetch and build than the rows' own rendering). For reading only: never
    hand these tickets to an action."""
    return (
        tickets.select_related(*TICKET_JSON_RELATIONS)
        .only(*TICKET_LIST_COLUMNS)
        .prefetch_related("tags")
    )


def inbox_page(
    agent: Agent,
    *,
    view: str = "open",
    filters: InboxFilters | None = None,
    sort: str = "updated",
    cursor: str = "",
    size: int = 50,
) -> Page:
    tickets = view_queryset(agent, view)
    if filters:
        tickets = filters.apply(tickets)
    if filters and filters.tag:
        tickets = tickets.distinct()
    return keyset_page(with_list_relations(tickets), sort=sort, cursor=cursor, size=size)


# --- one ticket -------------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: dt.datetime
    message: Message | None = None
    event: TicketEvent | None = None


TIMELINE_EVENT_KINDS = {
    TicketEvent.Kind.STATUS_CHANGED,
    TicketEvent.Kind.PRIORITY_CHANGED,
    TicketEvent.Kind.ASSIGNEE_CHANGED,
    TicketEvent.Kind.TEAM_CHANGED,
    TicketEvent.Kind.TRACK_CHANGED,
    TicketEvent.Kind.TAGS_CHANGED,
    TicketEvent.Kind.SUBJECT_CHANGED,
    TicketEvent.Kind.ESCALATED,
    TicketEvent.Kind.DE_ESCALATED,
    TicketEvent.Kind.ROUTED,
    TicketEvent.Kind.MERGED,
    TicketEvent.Kind.MERGED_IN,
    TicketEvent.Kind.LINKED,
    TicketEvent.Kind.UNLINKED,
    TicketEvent.Kind.FOLLOWUP_CREATED,
    TicketEvent.Kind.CUSTOM_FIELDS_CHANGED,
    TicketEvent.Kind.REQUESTER_CHANGED,
    TicketEvent.Kind.CATEGORY_CHANGED,
    TicketEvent.Kind.SLA_APPLIED,
    TicketEvent.Kind.SLA_BREACHED,
}


def events_of(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's whole event log, oldest first, with the actors it names."""
    return ticket.events.select_related("actor_agent", "actor_contact").order_by("created_at", "id")


def messages_of(ticket: Ticket, *, include_internal: bool) -> QuerySet[Message]:
    messages = ticket.messages.select_related("author_agent", "author_contact").prefetch_related(
        "attachments"
    )
    if not include_internal:
        messages = messages.filter(visibility=Message.Visibility.PUBLIC)
    return messages.order_by("created_at", "id")


def timeline(
    ticket: Ticket, *, include_internal: bool = True, include_events: bool = True
) -> list[TimelineEntry]:
    """Messages and property changes in one time order (three queries)."""
    entries = [
        TimelineEntry(at=m.created_at, message=m)
        for m in messages_of(ticket, include_internal=include_internal)
    ]
    if include_events:
        events = ticket.events.filter(kind__in=TIMELINE_EVENT_KINDS).select_related(
            "actor_agent", "actor_contact"
        )
        entries = list(chain(entries, (TimelineEntry(at=e.created_at, event=e) for e in events)))
    entries.sort(key=lambda entry: (entry.at, 0 if entry.message else 1))
    return entries


def may_see(agent: Agent, ticket: Ticket) -> bool:
    """tickets_visible_to's rule for one loaded ticket, without a query."""
    if not agent.user.is_active:
        return False
    return agent.sees_all_tickets or ticket.team_id in team_ids_of(agent)


def linked_tickets(agent: Agent, ticket: Ticket) -> list[tuple[str, Ticket, bool]]:
    """(label, other ticket, whether this agent may open it): subjects of tickets the agent
    may not see are the template's to hide."""
    links = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).select_related(
        "source", "target"
    )
    related = []
    for link in links:
        other = link.target if link.source_id == ticket.pk else link.source
        if link.kind == TicketLink.Kind.FOLLOWUP:
            label = "Follow-up of" if link.source_id == ticket.pk else "Follow-up"
        else:
            label = "Related"
        related.append((label, other, may_see(agent, other)))
    return related


@dataclass
class ContactSummary:
    contact: Contact
    ticket_count: int
    unsolved_count: int
    last_contact_at: dt.datetime | None
    recent: list[Ticket]


def contact_summary(
    agent: Agent, contact: Contact, *, exclude: Ticket | None = None, limit: int = 8
) -> ContactSummary:
    """Lifetime figures count every ticket; the list shows only what this agent may open."""
    from django.db.models import Count, Max

    figures = Ticket.objects.filter(contact=contact, merged_into__isnull=True).aggregate(
        total=Count("number"),
        unsolved=Count("number", filter=Q(unsolved=True)),
        last=Max("last_customer_message_at"),
    )
    recent = tickets_visible_to(agent).filter(contact=contact, merged_into__isnull=True)
    if exclude is not None:
        recent = recent.exclude(pk=exclude.pk)
    recent = list(recent.order_by("-created_at", "-number")[:limit])
    return ContactSummary(
        contact=contact,
        ticket_count=figures["total"],
        unsolved_count=figures["unsolved"],
        last_contact_at=figures["last"],
        recent=recent,
    )


def prefetch_public_messages() -> Prefetch:
    return Prefetch(
        "messages",
        queryset=Message.objects.filter(visibility=Message.Visibility.PUBLIC)
        .select_related("author_agent", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "id"),
    )
