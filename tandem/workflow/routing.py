"""Routing new tickets: the first active rule whose conditions match sets team, track,
priority and tags (and a required skill), then the team's assignment strategy picks an agent.

It runs as an event-bus subscriber on every ticket created, from any channel. A team chosen
by whoever opened the ticket in the workspace or through the API is kept; a team that came
from a mailbox default, or no team, is the rule's to set. Every decision is a `routed`
event with its reason; the changes themselves go through `update_ticket`, so they are
events too and a person's later change reads as an override.
"""

from __future__ import annotations

from django.db import transaction

from tandem.core import event_bus
from tandem.core.event_bus import ActionEvents
from tandem.people.actors import Actor
from tandem.people.models import Team
from tandem.tickets.actions.changes import lock_ticket, update_ticket
from tandem.tickets.actions.events import announce_change, record_event
from tandem.tickets.models import Ticket, TicketEvent
from tandem.workflow import conditions
from tandem.workflow.assignment import assign_ticket
from tandem.workflow.assignment_availability import touch_agent_activity
from tandem.workflow.models import RoutingRule, TicketRouting
from tandem.workflow.rule_cache import cached_for_token

Kind = TicketEvent.Kind
BUSY = "routing:busy"
CACHE_NAME = "routing"


def active_routing_rules() -> tuple[RoutingRule, ...]:
    """In order, cached per process under the rules' version token (rule_cache.py), which
    every routing rule write changes. Shared by threads: only read, and their team is
    loaded per match (a team deleted since leaves the rule's cached id behind)."""
    return cached_for_token(CACHE_NAME, lambda: tuple(RoutingRule.objects.filter(active=True)))


def ticket_facts(ticket: Ticket, created: ActionEvents | None = None) -> dict:
    """The ticket as the plain values conditions test; `created` is the batch that created it,
    which holds its first message and its tags already."""
    if created is not None:
        added = created.of_kind(Kind.MESSAGE_ADDED)
        first = added[0].message if added else None
        tags = list((created.of_kind(Kind.CREATED)[0].data or {}).get("tags") or [])
    else:
        first = ticket.messages.order_by("created_at", "id").first()
        tags = list(ticket.tags.values_list("name", flat=True))
    email = ticket.contact.email or ""
    return {
        "subject": ticket.subject,
        "body": first.body if first else "",
        "channel": ticket.channel,
        "track": ticket.track,
        "priority": ticket.priority,
        "tags": tags,
        "organization": ticket.organization.name if ticket.organization_id else "",
        "contact_email_domain": email.rpartition("@")[2].lower(),
        "custom_fields": ticket.custom_fields or {},
    }


def first_match(rules, facts: dict) -> tuple[RoutingRule | None, str]:
    for rule in rules:
        outcome = conditions.evaluate_routing_conditions(rule.conditions, facts)
        if outcome.matched:
            return rule, f"rule {rule.name!r} matched {outcome.reason}"
    return None, ""


def _rule_changes(rule: RoutingRule, ticket: Ticket, *, keep_team: bool) -> dict:
    changes: dict = {}
    team = None
    if rule.set_team_id and not keep_team:
        team = Team.objects.filter(pk=rule.set_team_id).first()
    if team is not None:
        changes["team"] = team
    if rule.set_track and not (keep_team and ticket.team_id):
        changes["track"] = rule.set_track
    if rule.set_priority:
        changes["priority"] = rule.set_priority
    if rule.add_tags:
        changes["add_tags"] = list(rule.add_tags)
    return changes


@transaction.atomic
def route_ticket(*, ticket: Ticket, opened_by: str, created: ActionEvents | None = None) -> Ticket:
    """Apply the first matching rule to a new ticket, then assign it by its team's strategy.

    Returns the ticket as routing left it: the same instance when nothing changed."""
    keep_team = opened_by in ("agent", "api") and ticket.team_id is not None
    rules = active_routing_rules()
    rule, reason = first_match(rules, ticket_facts(ticket, created)) if rules else (None, "")
    if rule is not None:
        locked = lock_ticket(ticket)
        data = {"rule": rule.pk, "rule_name": rule.name, "reason": reason}
        if keep_team and rule.set_team_id:
            data["kept_team"] = ticket.team.name
        record_event(locked, Kind.ROUTED, actor=Actor.system(), at=locked.created_at, **data)
        announce_change(locked, "routed")
        TicketRouting.objects.update_or_create(
            ticket=ticket,
            defaults={"rule": rule, "required_skills": [s for s in [rule.require_skill] if s]},
        )
        changes = _rule_changes(rule, locked, keep_team=keep_team)
        ticket = locked
        if changes:
            ticket = update_ticket(actor=Actor.system(), ticket=locked, reason=reason, **changes)
    return assign_ticket(ticket=ticket)


def _note_agent_activity(batch: event_bus.ActionEvents) -> None:
    """An agent changing tickets is at work: inactivity lowers availability only without."""
    agent = batch.events[0].actor_agent if batch.events[0].actor_agent_id else None
    if agent is not None:
        touch_agent_activity(agent)


def on_ticket_events(batch: event_bus.ActionEvents) -> bool:
    """Bus subscriber: route what was just created; assign what just moved team unassigned."""
    memory = event_bus.chain()
    if memory.get(BUSY):
        return False  # our own changes coming back around
    _note_agent_activity(batch)
    created = batch.of_kind(Kind.CREATED)
    moved = batch.of_kind(Kind.TEAM_CHANGED)
    if not created and not moved:
        return False
    memory[BUSY] = True
    try:
        if created:
            routed = route_ticket(
                ticket=batch.ticket, opened_by=created[0].actor_kind, created=batch
            )
            # No rule matched and nobody was assigned: the publisher's copy is still current.
            return routed is not batch.ticket
        assign_ticket(ticket=Ticket.objects.get(pk=batch.ticket.pk))
    finally:
        memory[BUSY] = False
    return True
