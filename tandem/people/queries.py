"""Reads of contacts, organizations, agents and teams for the workspace, each taking the actor."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from tandem.core.models import CustomField
from tandem.people.models import Agent, Contact, ContactIdentity, Organization, Team
from tandem.tickets.models import Ticket
from tandem.tickets.queries import ContactSummary, contact_summary, tickets_visible_to

PAGE_SIZE = 50
MEMBERS_SHOWN = 50
RECENT_TICKETS = 20


# --- access -------------------------------------------------------------------------


def _ensure_agent(agent: Agent | None) -> Agent:
    if agent is None or not agent.user.is_active:
        raise PermissionDenied("Only the desk's agents can see customers.")
    return agent


def _ensure_admin(agent: Agent | None) -> Agent:
    if _ensure_agent(agent).role != Agent.Role.ADMIN:
        raise PermissionDenied("Only admins can manage the desk's agents and teams.")
    return agent


# --- prefix search and keyset pages ------------------------------------------------------


def _successor(prefix: str) -> str | None:
    """The smallest string above every string that starts with `prefix` (code-point order)."""
    while prefix:
        code = ord(prefix[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored; skip past them
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:-1] + chr(code)
        prefix = prefix[:-1]
    return None


def starts_with(column: str, prefix: str) -> Q:
    """`column` starts with `prefix`, written the way each database's index can serve it.

    PostgreSQL answers LIKE 'p%' from a pattern-ops index (Django adds one to every indexed
    CharField). SQLite's LIKE is case-insensitive and never uses an index, but its default
    BINARY collation is code-point order, so the range [p, successor(p)) is exactly the prefix
    and is a plain index range scan.
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{column}__startswith": prefix})
    upper = _successor(prefix)
    condition = Q(**{f"{column}__gte": prefix})
    return condition & Q(**{f"{column}__lt": upper}) if upper else condition


@dataclass
class Page:
    items: list
    next_cursor: str | None
    query: str = ""
    extra: dict = field(default_factory=dict)


def _encode_cursor(value: str, pk: int) -> str:
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int] | None:
    """None for a cursor that does not decode: a tampered link shows the first page."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(value, str):
            return None
        return value, int(pk)
    except (ValueError, TypeError):
        return None


def _name_keyset(rows: QuerySet, *, cursor: str, size: int) -> tuple[list, str | None]:
    """Rows in (lower(name), id) order from after the cursor; the cursor is the last row."""
    rows = rows.annotate(sort_name=Lower("name"))
    after = _decode_cursor(cursor) if cursor else None
    if after:
        value, pk = after
        rows = rows.filter(Q(sort_name__gt=value) | Q(sort_name=value, pk__gt=pk))
    found = list(rows.order_by("sort_name", "pk")[: size + 1])
    next_cursor = None
    if len(found) > size:
        found = found[:size]
        next_cursor = _encode_cursor(found[-1].sort_name, found[-1].pk)
    return found, next_cursor


def _clean_query(query: str) -> str:
    return " ".join((query or "").split())[:100].lower()


# --- contacts -----------------------------------------------------------------------------


def contacts_page(
    agent: Agent,
    *,
    query: str = "",
    organization: Organization | None = None,
    cursor: str = "",
    size: int = PAGE_SIZE,
) -> Page:
    """Contacts whose name or email starts with `query`, with organization and ticket count.

    Two queries whatever the page size: the page (organization joined) and one grouped count
    of the page's tickets.
    """
    _ensure_agent(agent)
    query = _clean_query(query)
    contacts = Contact.objects.select_related("organization")
    if organization is not None:
        contacts = contacts.filter(organization=organization)
    if query:
        contacts = contacts.annotate(lower_name=Lower("name")).filter(
            starts_with("lower_name", query) | starts_with("email", query)
        )
    items, next_cursor = _name_keyset(contacts, cursor=cursor, size=size)
    counts = ticket_counts(contact_ids=[c.pk for c in items])
    for contact in items:
        contact.ticket_count = counts.get(contact.pk, 0)
    return Page(items=items, next_cursor=next_cursor, query=query)


def ticket_counts(
    *, contact_ids: list[int] | None = None, organization_ids: list[int] | None = None
) -> dict[int, int]:
    """Lifetime ticket counts (merged-away tickets excluded, as in contact_summary), one query."""
    column = "contact_id" if contact_ids is not None else "organization_id"
    ids = contact_ids if contact_ids is not None else organization_ids
    if not ids:
        return {}
    rows = (
        Ticket.objects.filter(**{f"{column}__in": ids}, merged_into__isnull=True)
        .order_by()
        .values(column)
        .annotate(n=Count("number"))
        .values_list(column, "n")
    )
    return dict(rows)


def contact_for(agent: Agent, pk: int | str) -> Contact:
    _ensure_agent(agent)
    contact = (
        Contact.objects.select_related("organization")
        .prefetch_related("identities")
        .filter(pk=pk)
        .first()
    )
    if contact is None:
        raise Http404("No such contact")
    return contact


def identity_of(contact: Contact, pk: int | str) -> ContactIdentity:
    identity = (
        ContactIdentity.objects.select_related("contact").filter(contact=contact, pk=pk).first()
    )
    if identity is None:
        raise Http404("No such identity")
    return identity


@dataclass
class CustomValue:
    definition: CustomField
    value: Any

    @property
    def display(self) -> Any:
        if self.value is None or self.value == "":
            return None
        if self.definition.kind == CustomField.Kind.CHECKBOX:
            return "Yes" if self.value else "No"
        if self.definition.kind == CustomField.Kind.DATE:
            try:
                return dt.date.fromisoformat(str(self.value))
            except ValueError:
                return self.value
        return self.value


def custom_field_definitions(entity: str) -> list[CustomField]:
    """The active definitions, in the admin's order (inactive ones are neither shown nor edited)."""
    definitions = CustomField.objects.filter(entity=entity, active=True)
    return list(definitions.order_by("position", "label"))


def custom_values(definitions: list[CustomField], values: dict) -> list[CustomValue]:
    return [CustomValue(definition=d, value=(values or {}).get(d.key)) for d in definitions]


@dataclass
class ContactProfile:
    contact: Contact
    summary: ContactSummary
    custom_fields: list[CustomValue]
    definitions: list[CustomField]


def contact_profile(
    agent: Agent, contact: Contact, *, limit: int = RECENT_TICKETS
) -> ContactProfile:
    """Lifetime figures count every ticket; the list holds only the tickets this agent may open."""
    definitions = custom_field_definitions(CustomField.Entity.CONTACT)
    return ContactProfile(
        contact=contact,
        summary=contact_summary(agent, contact, limit=limit),
        custom_fields=custom_values(definitions, contact.custom_fields),
        definitions=definitions,
    )


# --- organizations -------------------------------------------------------------------------


def organizations_page(
    agent: Agent, *, query: str = "", cursor: str = "", size: int = PAGE_SIZE
) -> Page:
    """Organizations whose name starts with `query`, with member and ticket counts (3 queries)."""
    _ensure_agent(agent)
    query = _clean_query(query)
    organizations = Organization.objects.all()
    if query:
        # Lower(name) is the org_lower_name index.
        organizations = organizations.annotate(lower_name=Lower("name")).filter(
            starts_with("lower_name", query)
        )
    items, next_cursor = _name_keyset(organizations, cursor=cursor, size=size)
    ids = [o.pk for o in items]
    members = (
        dict(
            Contact.objects.filter(organization_id__in=ids)
            .order_by()
            .values("organization_id")
            .annotate(n=Count("id"))
            .values_list("organization_id", "n")
        )
        if ids
        else {}
    )
    tickets = ticket_counts(organization_ids=ids)
    for organization in items:
        organization.member_count = members.get(organization.pk, 0)
        organization.ticket_count = tickets.get(organization.pk, 0)
    return Page(items=items, next_cursor=next_cursor, query=query)


def organization_for(agent: Agent, pk: int | str) -> Organization:
    _ensure_agent(agent)
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise Http404("No such organization")
    return organization


@dataclass
class OrganizationProfile:
    organization: Organization
    members: list[Contact]
    member_count: int
    ticket_count: int
    recent: list[Ticket]
    custom_fields: list[CustomValue]
    definitions: list[CustomField]


def organization_profile(
    agent: Agent,
    organization: Organization,
    *,
    members_shown: int = MEMBERS_SHOWN,
    limit: int = RECENT_TICKETS,
) -> OrganizationProfile:
    """Figures count every ticket; the recent list only those this agent may open."""
    _ensure_agent(agent)
    members = list(
        organization.contacts.annotate(sort_name=Lower("name")).order_by("sort_name", "pk")[
            :members_shown
        ]
    )
    recent = list(
        tickets_visible_to(agent)
        .filter(organization=organization, merged_into__isnull=True)
        .select_related("contact")
        .order_by("-created_at", "-number")[:limit]
    )
    definitions = custom_field_definitions(CustomField.Entity.ORGANIZATION)
    return OrganizationProfile(
        organization=organization,
        members=members,
        member_count=organization.contacts.count(),
        ticket_count=ticket_counts(organization_ids=[organization.pk]).get(organization.pk, 0),
        recent=recent,
        custom_fields=custom_values(definitions, organization.custom_fields),
        definitions=definitions,
    )


def organization_choices() -> QuerySet[Organization]:
    """Every organization for a contact's organization picker, names only."""
    return Organization.objects.only("id", "name").order_by("name", "id")


# --- agents and teams (settings) ------------------------------------------------------------


def agents_for_settings(admin: Agent) -> list[Agent]:
    """Every agent, active or not, with user and teams: three queries for any number."""
    _ensure_admin(admin)
    return list(
        Agent.objects.select_related("user").prefetch_related("teams").order_by("name", "pk")
    )


def agent_for_settings(admin: Agent, pk: int | str) -> Agent:
    _ensure_admin(admin)
    agent = Agent.objects.select_related("user").filter(pk=pk).first()
    if agent is None:
        raise Http404("No such agent")
    return agent


def is_last_active_admin(agent: Agent) -> bool:
    """True when demoting or deactivating this agent would leave the desk with no active admin."""
    if agent.role != Agent.Role.ADMIN or not agent.user.is_active:
        return False
    others = Agent.objects.filter(role=Agent.Role.ADMIN, user__is_active=True).exclude(pk=agent.pk)
    return not others.exists()


def teams_for_settings(admin: Agent) -> list[Team]:
    """Every team with its member count, one grouped query."""
    _ensure_admin(admin)
    teams = Team.objects.annotate(member_count=Count("agents"))
    return list(teams.order_by("track", "tier", "name"))


def team_for_settings(admin: Agent, pk: int | str) -> Team:
    _ensure_admin(admin)
    team = Team.objects.annotate(member_count=Count("agents")).filter(pk=pk).first()
    if team is None:
        raise Http404("No such team")
    return team
