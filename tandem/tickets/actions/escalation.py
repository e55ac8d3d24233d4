"""Escalating a ticket up the support tiers and de-escalating it back, each with a required note.

The tiers are the support teams' `tier` (1, 2, 3). Without a chosen team, escalation goes
to the next tier (a ticket outside support starts at tier 1) and de-escalation goes back to
the team the ticket was last escalated from, else to the tier below. When several teams
share a tier, the first by name is taken; pass `team` to choose another.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tandem.core.errors import InvalidInput
from tandem.people.actors import Actor
from tandem.people.models import Team, Track
from tandem.tickets.actions.changes import apply_changes, ensure_may_edit, lock_ticket, support_tier
from tandem.tickets.actions.events import announce_change
from tandem.tickets.actions.lifecycle import add_message
from tandem.tickets.models import Message, Status, Ticket, TicketEvent

HIGHEST_TIER = 3


def tier_team(tier: int) -> Team | None:
    """The support team that stands for `tier` (the first by name when several do)."""
    return Team.objects.filter(track=Track.SUPPORT, tier=tier).order_by("name", "id").first()


def _check_movable(ticket: Ticket) -> None:
    if ticket.status == Status.CLOSED:
        raise InvalidInput.single("status", "a closed ticket cannot change tiers")


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise InvalidInput.single("note", "say what was tried and why the ticket moves tiers")
    return note


def _escalation_target(ticket: Ticket, team: Team | None) -> Team:
    current = support_tier(ticket.team) or 0
    if team is not None:
        if support_tier(team) is None:
            raise InvalidInput.single("team", f"{team.name} is not a support team with a tier")
        if team.tier <= current:
            raise InvalidInput.single(
                "team", f"{team.name} (tier {team.tier}) is not above tier {current}"
            )
        return team
    if current >= HIGHEST_TIER:
        raise InvalidInput.single(
            "team", f"the ticket is already at the highest tier ({ticket.team.name})"
        )
    target = tier_team(current + 1)
    if target is None:
        raise InvalidInput.single("team", f"no support team has tier {current + 1}")
    return target


def _de_escalation_target(ticket: Ticket, team: Team | None) -> Team:
    current = support_tier(ticket.team)
    if current is None or current <= 1:
        where = ticket.team.name if ticket.team else "no team"
        raise InvalidInput.single("team", f"the ticket has no lower tier to go back to ({where})")
    if team is not None:
        if support_tier(team) is None or team.tier >= current:
            raise InvalidInput.single(
                "team", f"{team.name} is not a support team below tier {current}"
            )
        return team
    last = (
        ticket.events.filter(kind=TicketEvent.Kind.ESCALATED, data__to_team=ticket.team_id)
        .order_by("-created_at", "-id")
        .first()
    )
    if last is not None and last.data.get("from_team"):
        origin = Team.objects.filter(pk=last.data["from_team"]).first()
        if origin is not None and (support_tier(origin) or HIGHEST_TIER + 1) < current:
            return origin
    target = tier_team(current - 1)
    if target is None:
        raise InvalidInput.single("team", f"no support team has tier {current - 1}")
    return target


def _move_tier(*, actor: Actor, ticket: Ticket, team: Team, note: str, at: dt.datetime) -> Ticket:
    """The note first, so the tier event can point at it; the new team starts unassigned."""
    message: Message = add_message(
        actor=actor, ticket=ticket, body=note, visibility=Message.Visibility.INTERNAL, at=at
    )
    locked = lock_ticket(ticket)
    apply_changes(locked, {"team": team, "assignee": None}, actor=actor, at=at, tier_note=message)
    announce_change(locked, "updated")
    return locked


@transaction.atomic
def escalate_ticket(
    *,
    actor: Actor,
    ticket: Ticket,
    note: str,
    team: Team | None = None,
    at: dt.datetime | None = None,
) -> Ticket:
    """Hand a ticket to the next tier's team (or the higher-tier `team` given), with an
    internal note saying what was tried. Writes an `escalated` event."""
    ensure_may_edit(actor)
    note = _clean_note(note)
    locked = lock_ticket(ticket)
    _check_movable(locked)
    target = _escalation_target(locked, team)
    return _move_tier(actor=actor, ticket=ticket, team=target, note=note, at=at or timezone.now())


@transaction.atomic
def de_escalate_ticket(
    *,
    actor: Actor,
    ticket: Ticket,
    note: str,
    team: Team | None = None,
    at: dt.datetime | None = None,
) -> Ticket:
    """Send a ticket back down a tier (to the team it came from, or the lower-tier `team`
    given), with an internal note saying why. Writes a `de_escalated` event."""
    ensure_may_edit(actor)
    note = _clean_note(note)
    locked = lock_ticket(ticket)
    _check_movable(locked)
    target = _de_escalation_target(locked, team)
    return _move_tier(actor=actor, ticket=ticket, team=target, note=note, at=at or timezone.now())
