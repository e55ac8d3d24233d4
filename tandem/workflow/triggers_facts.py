"""What a trigger sees: the trigger events a batch of ticket events stands for, and the facts
(a mapping of plain values) that conditions are evaluated on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from typing import Any

from tandem.core.business_time import is_open_at
from tandem.tickets.models import Message, Ticket, TicketEvent
from tandem.workflow.models import TriggerEvent

Kind = TicketEvent.Kind

_SIMPLE = {
    Kind.CREATED: TriggerEvent.TICKET_CREATED,
    Kind.STATUS_CHANGED: TriggerEvent.STATUS_CHANGED,
    Kind.PRIORITY_CHANGED: TriggerEvent.PRIORITY_CHANGED,
    Kind.ASSIGNEE_CHANGED: TriggerEvent.ASSIGNED,
    Kind.TEAM_CHANGED: TriggerEvent.ASSIGNED,
    Kind.TAGS_CHANGED: TriggerEvent.TAGS_CHANGED,
    Kind.SLA_WARNING: TriggerEvent.SLA_WARNING,
    Kind.SLA_BREACHED: TriggerEvent.SLA_BREACHED,
}

# Which ticket event says a field changed, for the changed / changed_to / changed_from ops.
_CHANGED_FIELD = {
    Kind.STATUS_CHANGED: "status",
    Kind.PRIORITY_CHANGED: "priority",
    Kind.ASSIGNEE_CHANGED: "assignee",
    Kind.TEAM_CHANGED: "team",
    Kind.TRACK_CHANGED: "track",
    Kind.CATEGORY_CHANGED: "category",
    Kind.TAGS_CHANGED: "tags",
    Kind.SUBJECT_CHANGED: "subject",
}


def trigger_event_of(event: TicketEvent) -> str | None:
    if event.kind in _SIMPLE:
        return _SIMPLE[event.kind]
    if event.kind != Kind.MESSAGE_ADDED:
        return None
    data = event.data or {}
    if data.get("visibility") == Message.Visibility.INTERNAL:
        return TriggerEvent.NOTE_ADDED
    author = data.get("author_kind")
    if author == Message.AuthorKind.CONTACT:
        return TriggerEvent.CUSTOMER_REPLIED
    if author == Message.AuthorKind.AGENT:
        return TriggerEvent.AGENT_REPLIED
    return None  # the desk's own automatic messages are not replies anyone reacts to


def trigger_events(events: Iterable[TicketEvent]) -> dict[str, TicketEvent]:
    """Trigger event -> the ticket event it stands for, first one each, in batch order.

    A new ticket's first message is part of "ticket created", not a customer reply.
    """
    events = list(events)
    created = any(e.kind == Kind.CREATED for e in events)
    found: dict[str, TicketEvent] = {}
    for event in events:
        kind = trigger_event_of(event)
        if kind is None or (created and kind == TriggerEvent.CUSTOMER_REPLIED):
            continue
        found.setdefault(kind, event)
    return found


def changes_of(events: Iterable[TicketEvent]) -> dict[str, dict]:
    changes = {}
    for event in events:
        name = _CHANGED_FIELD.get(event.kind)
        if name and name not in changes:
            data = event.data or {}
            changes[name] = {"from": data.get("from"), "to": data.get("to")}
    return changes


def in_business_hours(ticket: Ticket, at: dt.datetime) -> bool:
    """Open by the team calendar; a ticket without a team or calendar is always in hours (24/7)."""
    calendar = ticket.team.calendar if ticket.team_id else None
    return calendar is None or is_open_at(calendar.schedule(), at)


def _message_for(ticket: Ticket, event: TicketEvent | None) -> Message | None:
    if event is not None and event.message_id:
        return event.message
    return ticket.messages.order_by("-created_at", "-id").first()


class Facts(Mapping):
    """A ticket's facts as conditions read them. The costly ones (a query or a calendar each)
    are worked out the first time a condition reads them, then kept: most rules test a field
    or two, and a desk's hundreds of rules must not pay for the message body on every event."""

    def __init__(self, known: dict[str, Any], costly: dict[str, Callable[[], Any]]):
        self._known = known
        self._costly = costly

    def __getitem__(self, name: str) -> Any:
        if name not in self._known:
            self._known[name] = self._costly.pop(name)()  # KeyError: no such fact
        return self._known[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._known, *self._costly])

    def __len__(self) -> int:
        return len(self._known) + len(self._costly)


def facts_for(
    ticket: Ticket,
    *,
    event_type: str,
    events: Iterable[TicketEvent] = (),
    event: TicketEvent | None = None,
    at: dt.datetime,
) -> Facts:
    @cache
    def message() -> Message | None:
        return _message_for(ticket, event)

    organization = ticket.organization
    changes = changes_of(events)
    known = {
        "event": event_type,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "track": ticket.track,
        "category": ticket.category,
        "team": ticket.team_id,
        "team_name": ticket.team.name if ticket.team_id else "",
        "assignee": ticket.assignee_id,
        "organization": ticket.organization_id,
        "organization_plan": organization.plan if organization else "",
        "subject": ticket.subject,
        "custom_fields": ticket.custom_fields or {},
        "changes": changes,
        "changed": sorted(changes),
    }
    costly = {
        "body": lambda: message().body if message() else "",
        "message_automatic": lambda: bool(message() and (message().meta or {}).get("automatic")),
        "tags": lambda: sorted(ticket.tags.values_list("name", flat=True)),
        "business_hours": lambda: in_business_hours(ticket, at),
    }
    return Facts(known, costly)
