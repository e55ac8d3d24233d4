"""The trigger engine: a bus subscriber that runs active triggers, in order, on what an action
just did to a ticket, plus the dry run (the rules' writes are in actions/rules.py).

Loop safety: the event chain's memory (`event_bus.chain()`) records each (trigger, ticket) that
fired, so a trigger fires at most once per ticket per chain even when its own change, or another
trigger's, publishes the event it listens for; the bus itself stops chains deeper than
MAX_CHAIN_DEPTH. A failing action rolls back only its trigger (a savepoint) and is logged on the
trigger's run, never breaking the action that caused the event.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from tandem.core import event_bus
from tandem.core.errors import InvalidInput
from tandem.people.actors import Actor
from tandem.tickets.models import Ticket, TicketEvent
from tandem.workflow import rule_cache
from tandem.workflow.conditions import evaluate_trigger_conditions
from tandem.workflow.models import Trigger, TriggerRun
from tandem.workflow.triggers_actions import (
    RuleContext,
    apply_action,
    describe_action,
)
from tandem.workflow.triggers_facts import Facts, facts_for, trigger_event_of, trigger_events

log = logging.getLogger(__name__)

SUBSCRIBER_NAME = "triggers"


def _fired_key(trigger_id: int, ticket_id: int) -> tuple:
    return ("trigger_fired", trigger_id, ticket_id)


def run_rule_actions(rule, *, kind: str, ticket: Ticket, at: dt.datetime) -> tuple[list[dict], str]:
    """Apply each action of `rule` in order inside a savepoint; (what changed, error text)."""
    ctx = RuleContext(rule=rule, at=at, kind=kind)
    changes: list[dict] = []
    try:
        with transaction.atomic():
            for action in rule.actions:
                current = Ticket.objects.select_related("team", "contact").get(pk=ticket.pk)
                changes.append(apply_action(action, ticket=current, ctx=ctx))
    except (InvalidInput, Ticket.DoesNotExist, LookupError, ValueError) as error:
        log.warning("%s %r failed on #%s: %s", kind, rule.name, ticket.pk, error)
        return [], str(error)
    return changes, ""


def record_fired(
    rule,
    *,
    kind: str,
    ticket: Ticket,
    at: dt.datetime,
    changes: list[dict],
    error: str,
    event: TicketEvent | None = None,
    event_type: str = "",
    period_start: dt.datetime | None = None,
) -> TriggerRun:
    """The activity-log row and the ticket's trigger_fired / automation_fired event."""
    run = TriggerRun.objects.create(
        ticket=ticket,
        event=event,
        event_type=event_type,
        ran_at=at,
        changes=changes,
        error=error,
        period_start=period_start,
        **{kind: rule},
    )
    event_kind = (
        TicketEvent.Kind.TRIGGER_FIRED if kind == "trigger" else TicketEvent.Kind.AUTOMATION_FIRED
    )
    data = {kind: rule.pk, "name": rule.name, "run": run.pk, "changes": changes}
    if error:
        data["error"] = error
    if event_type:
        data["event"] = event_type
    # Written directly, not published: what the actions changed has been published already,
    # and "a trigger fired" is not something another trigger reacts to.
    TicketEvent.objects.create(
        ticket=ticket, kind=event_kind, data=data, created_at=at, **Actor.system().event_fields()
    )
    return run


def on_ticket_events(batch: event_bus.ActionEvents) -> bool:
    """Bus subscriber: run every active trigger listening for an event in `batch`."""
    happened = trigger_events(batch.events)
    if not happened:
        return False
    listening = rule_cache.active_rules().listening(happened)
    if not listening:
        return False
    memory = event_bus.chain()
    changed = False
    at = timezone.now()
    # Facts are built once per event type and again only after a trigger changed the ticket
    # (the costly ones only when a condition reads them): with hundreds of triggers,
    # evaluation must cost dictionary lookups, not queries.
    facts_by_event: dict[str, tuple[Ticket, Facts]] = {}
    for compiled in listening:
        trigger = compiled.trigger
        key = _fired_key(trigger.pk, batch.ticket.pk)
        if key in memory:
            continue  # fired once in this chain already: its own change must not re-fire it
        event_type = next(e for e in happened if e in compiled.events)
        if event_type not in facts_by_event:
            ticket = Ticket.objects.select_related("team__calendar", "organization").get(
                pk=batch.ticket.pk
            )
            facts_by_event[event_type] = (
                ticket,
                facts_for(
                    ticket,
                    event_type=event_type,
                    events=batch.events,
                    event=happened[event_type],
                    at=at,
                ),
            )
        ticket, facts = facts_by_event[event_type]
        if not compiled.matches(facts):
            continue
        memory[key] = True
        changes, error = run_rule_actions(trigger, kind="trigger", ticket=ticket, at=at)
        record_fired(
            trigger,
            kind="trigger",
            ticket=ticket,
            at=at,
            changes=changes,
            error=error,
            event=happened[event_type],
            event_type=event_type,
        )
        if changes:
            changed = True
            facts_by_event.clear()
    return changed


def dry_run(*, trigger: Trigger, ticket: Ticket, event: TicketEvent | None = None) -> dict:
    """Evaluate `trigger` against a past ticket event (its latest one it listens for) and say
    what its actions would change; writes nothing."""
    if event is None:
        candidates = ticket.events.order_by("-created_at", "-id")[:200]
        event = next((e for e in candidates if trigger_event_of(e) in trigger.events), None)
        event = event or ticket.events.order_by("-created_at", "-id").first()
    event_type = trigger_event_of(event) if event else None
    ticket = Ticket.objects.select_related("team__calendar", "organization").get(pk=ticket.pk)
    facts = facts_for(
        ticket,
        event_type=event_type or "",
        events=[event] if event else [],
        event=event,
        at=event.created_at if event else timezone.now(),
    )
    matched, results = evaluate_trigger_conditions(trigger.conditions, facts)
    listens = event_type in trigger.events
    return {
        "trigger": trigger.pk,
        "ticket": ticket.number,
        "event": {"id": event.pk, "kind": event.kind, "type": event_type} if event else None,
        "listens_for_event": listens,
        "conditions": results,
        "would_fire": listens and matched,
        "actions": [describe_action(a, ticket=ticket) for a in trigger.actions]
        if listens and matched
        else [],
    }
