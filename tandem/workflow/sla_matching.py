"""Which SLA policy applies to a ticket: the first active one whose conditions all match.

`TicketFacts` is what conditions look at, taken from the ticket once; `matches` is a pure
function of (conditions, facts), testable with plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CONDITION_KEYS = ("plans", "tracks", "priorities", "channels", "tags", "custom_fields")
LIST_CONDITIONS = ("plans", "tracks", "priorities", "channels", "tags")


@dataclass(frozen=True)
class TicketFacts:
    plan: str = ""
    track: str = ""
    priority: str = ""
    channel: str = ""
    tags: frozenset[str] = frozenset()
    custom_fields: Mapping[str, Any] = field(default_factory=dict)


def facts_of(ticket, *, tags: frozenset[str] | None = None) -> TicketFacts:
    """The organization's plan (the contact's when there is no organization) and the rest;
    `tags` when the caller knows them already (a ticket being created)."""
    plan = ""
    if ticket.organization_id and ticket.organization is not None:
        plan = ticket.organization.plan
    if not plan and ticket.contact_id:
        plan = ticket.contact.plan
    return TicketFacts(
        plan=plan,
        track=ticket.track,
        priority=ticket.priority,
        channel=ticket.channel,
        tags=tags if tags is not None else frozenset(ticket.tags.values_list("name", flat=True)),
        custom_fields=dict(ticket.custom_fields or {}),
    )


def matches(conditions: Mapping[str, Any], facts: TicketFacts) -> bool:
    """Every condition present must hold; an empty list or a missing key matches anything."""
    for key, single in (
        ("plans", facts.plan),
        ("tracks", facts.track),
        ("priorities", facts.priority),
        ("channels", facts.channel),
    ):
        wanted = conditions.get(key) or ()
        if wanted and single not in wanted:
            return False
    wanted_tags = conditions.get("tags") or ()
    if wanted_tags and not facts.tags & set(wanted_tags):
        return False
    for key, value in (conditions.get("custom_fields") or {}).items():
        if facts.custom_fields.get(key) != value:
            return False
    return True


def first_matching(policies: Iterable, facts: TicketFacts):
    """The first policy (in their order) that is active and matches, or None."""
    for policy in policies:
        if policy.active and matches(policy.conditions or {}, facts):
            return policy
    return None


def clean_conditions(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Stored form of conditions: known keys only, lists of distinct non-empty strings.

    Raises ValueError naming the bad key, for forms and the settings actions.
    """
    cleaned: dict[str, Any] = {}
    for key in raw:
        if key not in CONDITION_KEYS:
            raise ValueError(f"unknown condition {key!r}")
    for key in LIST_CONDITIONS:
        values = raw.get(key) or []
        if isinstance(values, str) or not isinstance(values, Sequence):
            raise ValueError(f"{key} must be a list")
        items = []
        for value in values:
            text = str(value).strip()
            if text and text not in items:
                items.append(text)
        if items:
            cleaned[key] = items
    custom = raw.get("custom_fields") or {}
    if not isinstance(custom, Mapping):
        raise ValueError("custom_fields must be an object")
    if custom:
        cleaned["custom_fields"] = dict(custom)
    return cleaned
