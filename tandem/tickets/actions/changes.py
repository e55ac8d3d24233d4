"""Changing a ticket's properties: status, priority, track, team, assignee, tags, custom fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from tandem.core.custom_fields import clean_custom_fields
from tandem.core.errors import FieldError, InvalidInput, NotAllowed
from tandem.core.field_definitions import active_definitions
from tandem.core.models import CustomField
from tandem.people.actors import Actor
from tandem.people.models import Agent, Contact, Team, Track
from tandem.tickets import status as machine
from tandem.tickets.actions.events import announce_change, change_data, record_event
from tandem.tickets.models import (
    UNSOLVED_STATUSES,
    Message,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)

Kind = TicketEvent.Kind

CHANGEABLE = {
    "subject",
    "status",
    "priority",
    "track",
    "team",
    "assignee",
    "category",
    "tags",
    "add_tags",
    "remove_tags",
    "custom_fields",
    "contact",
}


def clean_tag_names(names: Iterable[str], *, field: str = "tags") -> list[str]:
    cleaned = []
    for raw in names:
        if not isinstance(raw, str):
            raise InvalidInput.single(field, "must be a list of tag names")
        slug = slugify(raw.strip().lstrip("#"), allow_unicode=True)[:64]
        if not slug:
            raise InvalidInput.single(field, f"{raw!r} is not a usable tag name")
        if slug not in cleaned:
            cleaned.append(slug)
    return cleaned


def tags_named(names: list[str]) -> list[Tag]:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    return [existing[n] for n in names]


def ticket_custom_field_definitions() -> list[CustomField]:
    return active_definitions(CustomField.Entity.TICKET)


def ensure_may_edit(actor: Actor) -> None:
    if actor.is_light_agent:
        raise NotAllowed("Light agents can add internal notes but cannot change tickets.")


def check_assignee(assignee: Agent | None, team: Team | None) -> None:
    if assignee is None:
        return
    if not assignee.user.is_active:
        raise InvalidInput.single("assignee", f"{assignee.name} is deactivated")
    if assignee.role == Agent.Role.LIGHT:
        raise InvalidInput.single("assignee", "light agents cannot be assigned tickets")


def support_tier(team: Team | None) -> int | None:
    """The escalation tier a team stands for; service teams and no team have none."""
    if team is None or team.track != Track.SUPPORT:
        return None
    return team.tier


def tier_move(before: Team | None, after: Team | None) -> tuple[str, dict] | None:
    """Moving to a support team of a higher tier is an escalation (METRICS.md), to a lower
    tier a de-escalation; returns the event kind and its data, or None for a plain move."""
    before_tier, after_tier = support_tier(before), support_tier(after)
    if after_tier is None:
        return None
    if before_tier is None:
        kind = Kind.ESCALATED if after_tier > 1 else None
    elif after_tier > before_tier:
        kind = Kind.ESCALATED
    elif after_tier < before_tier:
        kind = Kind.DE_ESCALATED
    else:
        kind = None
    if kind is None:
        return None
    return kind, {
        "from_team": before and before.pk,
        "from_team_name": before and before.name,
        "from_tier": before_tier,
        "to_team": after.pk,
        "to_team_name": after.name,
        "to_tier": after_tier,
    }


AUTOMATIC_DECISIONS = (Kind.ROUTED, Kind.TEAM_CHANGED, Kind.ASSIGNEE_CHANGED)


def _decision(ticket: Ticket, actor: Actor, reason: str) -> dict:
    """`reason` for an automatic change; `override` when a person undoes automation's choice."""
    if reason:
        return {"reason": reason}
    if actor.kind in ("agent", "api") and (
        ticket.events.filter(actor_kind="system", kind__in=AUTOMATIC_DECISIONS).exists()
    ):
        return {"override": True}
    return {}


def set_status(
    ticket: Ticket, new: str, *, actor: Actor, at: dt.datetime, reason: str = ""
) -> list[str]:
    """Apply one status transition (caller saves); returns the fields it changed."""
    old = ticket.status
    if new == old:
        return []
    if new not in Status.values:
        raise InvalidInput.single("status", f"must be one of {', '.join(Status.values)}")
    if not machine.can_transition(old, new):
        raise InvalidInput.single("status", f"cannot go from {old} to {new}")
    if new == Status.SOLVED and not actor.is_contact:
        # Required fields are the desk's bookkeeping; a customer closing their own request
        # is not asked to fill them.
        clean_custom_fields(
            ticket_custom_field_definitions(),
            {},
            current=ticket.custom_fields,
            enforce_required=True,
        )
    ticket.status = new
    ticket.unsolved = new in UNSOLVED_STATUSES
    fields = ["status", "unsolved"]
    if new == Status.SOLVED:
        ticket.solved_at = at
        fields.append("solved_at")
    if new == Status.CLOSED:
        ticket.closed_at = at
        fields.append("closed_at")
    data = change_data(old, new)
    if reason:
        data["reason"] = reason
    if machine.is_reopening(old, new):
        data["reopened"] = True
    record_event(ticket, Kind.STATUS_CHANGED, actor=actor, at=at, **data)
    return fields


def _validate(ticket: Ticket, changes: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    unknown = set(changes) - CHANGEABLE
    errors += [FieldError(name, "cannot be changed") for name in sorted(unknown)]
    cleaned = dict(changes)
    if "subject" in changes:
        subject = (changes["subject"] or "").strip()
        if not subject:
            errors.append(FieldError("subject", "may not be empty"))
        cleaned["subject"] = subject[:250]
    if "priority" in changes and changes["priority"] not in Priority.values:
        errors.append(FieldError("priority", f"must be one of {', '.join(Priority.values)}"))
    if "track" in changes and changes["track"] not in Track.values:
        errors.append(FieldError("track", "must be 'service' or 'support'"))
    if "status" in changes and changes["status"] not in Status.values:
        errors.append(FieldError("status", f"must be one of {', '.join(Status.values)}"))
    if "team" in changes and changes["team"] is not None and not isinstance(changes["team"], Team):
        errors.append(FieldError("team", "is not a team"))
    assignee = changes.get("assignee")
    if assignee is not None and not isinstance(assignee, Agent):
        errors.append(FieldError("assignee", "is not an agent"))
    if "contact" in changes and not isinstance(changes["contact"], Contact):
        errors.append(FieldError("contact", "is not a contact"))
    for key in ("tags", "add_tags", "remove_tags"):
        if key in changes:
            try:
                cleaned[key] = clean_tag_names(changes[key], field=key)
            except InvalidInput as error:
                errors += error.errors
    if "custom_fields" in changes:
        if not isinstance(changes["custom_fields"], dict):
            errors.append(FieldError("custom_fields", "must be an object"))
        else:
            try:
                cleaned["custom_fields"] = clean_custom_fields(
                    ticket_custom_field_definitions(),
                    changes["custom_fields"],
                    current=ticket.custom_fields,
                )
            except InvalidInput as error:
                errors += error.errors
    if errors:
        raise InvalidInput(errors)
    try:
        check_assignee(cleaned.get("assignee"), cleaned.get("team", ticket.team))
    except InvalidInput as error:
        raise error from None
    return cleaned


def apply_changes(
    ticket: Ticket,
    changes: dict[str, Any],
    *,
    actor: Actor,
    at: dt.datetime,
    tier_note: Message | None = None,
    reason: str = "",
) -> None:
    """Validate and apply `changes` to a locked ticket, writing one event per changed property.

    `tier_note` is the internal note an escalation or de-escalation was made with; its
    event points at it. `reason` explains an automatic team or assignee change (routing,
    assignment); a person changing what automation decided is marked as an override, which
    is what a classifier learns from.
    """
    ensure_may_edit(actor)
    if ticket.status == Status.CLOSED:
        raise InvalidInput.single("status", "a closed ticket cannot change")
    cleaned = _validate(ticket, changes)
    fields: list[str] = []

    for name, kind in (
        ("subject", Kind.SUBJECT_CHANGED),
        ("priority", Kind.PRIORITY_CHANGED),
        ("category", Kind.CATEGORY_CHANGED),
    ):
        if name in cleaned and cleaned[name] != getattr(ticket, name):
            record_event(
                ticket,
                kind,
                actor=actor,
                at=at,
                **change_data(getattr(ticket, name), cleaned[name]),
            )
            setattr(ticket, name, cleaned[name])
            fields.append(name)

    if "team" in cleaned and cleaned["team"] != ticket.team:
        before, after = ticket.team, cleaned["team"]
        record_event(
            ticket,
            Kind.TEAM_CHANGED,
            actor=actor,
            at=at,
            **change_data(before and before.pk, after and after.pk),
            names=change_data(before and before.name, after and after.name),
            **_decision(ticket, actor, reason),
        )
        move = tier_move(before, after)
        if move:
            kind, data = move
            record_event(ticket, kind, actor=actor, at=at, message=tier_note, **data)
        ticket.team = after
        fields.append("team")
        if after is not None and "track" not in cleaned and after.track != ticket.track:
            cleaned["track"] = after.track

    if "track" in cleaned and cleaned["track"] != ticket.track:
        record_event(
            ticket,
            Kind.TRACK_CHANGED,
            actor=actor,
            at=at,
            **change_data(ticket.track, cleaned["track"]),
        )
        ticket.track = cleaned["track"]
        fields.append("track")

    if "assignee" in cleaned and cleaned["assignee"] != ticket.assignee:
        before, after = ticket.assignee, cleaned["assignee"]
        record_event(
            ticket,
            Kind.ASSIGNEE_CHANGED,
            actor=actor,
            at=at,
            **change_data(before and before.pk, after and after.pk),
            names=change_data(before and before.name, after and after.name),
            **_decision(ticket, actor, reason),
        )
        ticket.assignee = after
        fields.append("assignee")

    if "contact" in cleaned and cleaned["contact"] != ticket.contact:
        before, after = ticket.contact, cleaned["contact"]
        record_event(
            ticket, Kind.REQUESTER_CHANGED, actor=actor, at=at, **change_data(before.pk, after.pk)
        )
        ticket.contact = after
        ticket.organization_id = after.organization_id
        fields += ["contact", "organization"]

    if "custom_fields" in cleaned and cleaned["custom_fields"] != ticket.custom_fields:
        record_event(
            ticket,
            Kind.CUSTOM_FIELDS_CHANGED,
            actor=actor,
            at=at,
            **change_data(ticket.custom_fields, cleaned["custom_fields"]),
        )
        ticket.custom_fields = cleaned["custom_fields"]
        fields.append("custom_fields")

    tags_changed = _apply_tags(ticket, cleaned, actor=actor, at=at)

    if "status" in cleaned:
        fields += set_status(ticket, cleaned["status"], actor=actor, at=at)

    if fields or tags_changed:
        # Only a real change counts as activity: re-saving the same values must not
        # move the ticket to the top of everyone's inbox.
        ticket.updated_at = at
        ticket.save(update_fields=sorted(set(fields)) + ["updated_at"])


def _apply_tags(ticket: Ticket, cleaned: dict, *, actor: Actor, at: dt.datetime) -> bool:
    if not {"tags", "add_tags", "remove_tags"} & set(cleaned):
        return False
    current = sorted(ticket.tags.values_list("name", flat=True))
    wanted = set(cleaned["tags"]) if "tags" in cleaned else set(current)
    wanted |= set(cleaned.get("add_tags", []))
    wanted -= set(cleaned.get("remove_tags", []))
    if wanted == set(current):
        return False
    ticket.tags.set(tags_named(sorted(wanted)))
    record_event(
        ticket, Kind.TAGS_CHANGED, actor=actor, at=at, **change_data(current, sorted(wanted))
    )
    return True


def lock_ticket(ticket: Ticket, *, with_people: bool = True) -> Ticket:
    """The same row re-read under a row lock: concurrent edits serialise, never clobber.

    `with_people` joins team, assignee and contact, which property changes compare
    against; adding a message needs only the row.
    """
    tickets = Ticket.objects.select_for_update(of=("self",))
    if with_people:
        tickets = tickets.select_related("team", "assignee", "contact")
    return tickets.get(pk=ticket.pk)


@transaction.atomic
def update_ticket(
    *,
    actor: Actor,
    ticket: Ticket,
    at: dt.datetime | None = None,
    reason: str = "",
    **changes: Any,
) -> Ticket:
    """Change what is passed, nothing else. Raises InvalidInput naming every bad field.

    `reason` says why, for automatic team and assignee changes ("round robin: ...")."""
    at = at or timezone.now()
    locked = lock_ticket(ticket)
    apply_changes(locked, changes, actor=actor, at=at, reason=reason)
    announce_change(locked, "updated")
    return locked


@transaction.atomic
def bulk_update_tickets(*, actor: Actor, tickets: Iterable[Ticket], **changes: Any) -> list[Ticket]:
    """The same change on many tickets, all or nothing."""
    at = timezone.now()
    updated = []
    for ticket in tickets:
        locked = lock_ticket(ticket)
        try:
            apply_changes(locked, changes, actor=actor, at=at)
        except InvalidInput as error:
            for item in error.errors:
                item.message = f"ticket #{locked.number}: {item.message}"
            raise
        announce_change(locked, "updated")
        updated.append(locked)
    return updated
