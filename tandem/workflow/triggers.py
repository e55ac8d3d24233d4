"""The trigger engine: a bus subscriber that runs active triggers, in order, on what an action
just did to a ticket, plus the dry run and the rules' write actions.

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
from tandem.core.errors import FieldError, InvalidInput
from tandem.people.actors import Actor
from tandem.tickets.models import Ticket, TicketEvent
from tandem.workflow import trigger_conditions
from tandem.workflow.models import Trigger, TriggerEvent, TriggerRun
from tandem.workflow.triggers_actions import (
    RuleContext,
    apply_action,
    describe_action,
    validate_actions,
)
from tandem.workflow.triggers_facts import facts_for, trigger_event_of, trigger_events

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


def active_triggers() -> list[Trigger]:
    return list(Trigger.objects.filter(active=True).order_by("position", "id"))


def on_ticket_events(batch: event_bus.ActionEvents) -> bool:
    """Bus subscriber: run every active trigger listening for an event in `batch`."""
    happened = trigger_events(batch.events)
    if not happened:
        return False
    triggers = [t for t in active_triggers() if set(t.events) & set(happened)]
    if not triggers:
        return False
    memory = event_bus.chain()
    changed = False
    at = timezone.now()
    # Facts are built once per event type and again only after a trigger changed the ticket:
    # with hundreds of triggers, evaluation must cost a dictionary lookup, not queries.
    facts_by_event: dict[str, tuple[Ticket, dict]] = {}
    for trigger in triggers:
        key = _fired_key(trigger.pk, batch.ticket.pk)
        if key in memory:
            continue  # fired once in this chain already: its own change must not re-fire it
        event_type = next(e for e in happened if e in trigger.events)
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
        if not trigger_conditions.matches(trigger.conditions, facts):
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
    matched, results = trigger_conditions.evaluate(trigger.conditions, facts)
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


# --- the rules' own write actions (settings pages and the API call these) ---

RULE_FIELDS = {"name", "position", "active", "events", "conditions", "actions"}


def _validate_trigger(values: dict, *, instance: Trigger | None = None) -> dict:
    unknown = sorted(set(values) - RULE_FIELDS)
    errors = [FieldError(name, "is not a trigger field") for name in unknown]
    if "name" in values or instance is None:
        name = (values.get("name") or "").strip()
        if not name:
            errors.append(FieldError("name", "may not be empty"))
        elif Trigger.objects.filter(name=name).exclude(pk=getattr(instance, "pk", None)).exists():
            errors.append(FieldError("name", f"a trigger named {name!r} exists"))
        values["name"] = name[:120]
    if "events" in values or instance is None:
        events = values.get("events")
        if not isinstance(events, list) or not events:
            errors.append(FieldError("events", "must list at least one event"))
        else:
            bad = [e for e in events if e not in TriggerEvent.values]
            if bad:
                known = ", ".join(TriggerEvent.values)
                errors.append(FieldError("events", f"unknown {bad}; use {known}"))
    if "conditions" in values:
        errors += trigger_conditions.validate_conditions(values["conditions"])
    if "actions" in values or instance is None:
        errors += validate_actions(values.get("actions"))
    if "position" in values and (not isinstance(values["position"], int) or values["position"] < 0):
        errors.append(FieldError("position", "must be a whole number, 0 or more"))
    if "active" in values and not isinstance(values["active"], bool):
        errors.append(FieldError("active", "must be true or false"))
    if errors:
        raise InvalidInput(errors)
    return values


@transaction.atomic
def create_trigger(**values) -> Trigger:
    values = _validate_trigger(dict(values))
    if "position" not in values:
        last = Trigger.objects.order_by("-position").values_list("position", flat=True).first()
        values["position"] = (last or 0) + 1
    return Trigger.objects.create(**values)


@transaction.atomic
def update_trigger(*, trigger: Trigger, **values) -> Trigger:
    values = _validate_trigger(dict(values), instance=trigger)
    for name, value in values.items():
        setattr(trigger, name, value)
    trigger.save(update_fields=[*values, "updated_at"])
    return trigger


@transaction.atomic
def delete_trigger(*, trigger: Trigger) -> None:
    trigger.delete()


@transaction.atomic
def reorder_triggers(*, order: list[int]) -> None:
    """Positions 1..n in the order given; triggers not named keep their relative order after."""
    rest = Trigger.objects.exclude(pk__in=order).order_by("position", "id")
    ids = [*order, *rest.values_list("pk", flat=True)]
    for position, pk in enumerate(ids, start=1):
        Trigger.objects.filter(pk=pk).update(position=position)
