"""The active triggers, compiled once per process and indexed by the event they listen for.

Loading and compiling hundreds of triggers on every ticket event cost tens of milliseconds;
a cached rule set costs one indexed one-row query per event: the `RulesVersion` token, which
every trigger and automation write changes (`rules_changed`, called by the actions). A process
whose cached token differs from the database's reloads, so an edit made in the web process is
used by the job worker on its next event, and a rolled-back edit is simply a token that no
longer matches.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tandem.workflow.conditions import compile_trigger_conditions
from tandem.workflow.models import RulesVersion, Trigger


@dataclass(frozen=True)
class CompiledTrigger:
    """A trigger ready to run: its row (read-only, shared by every event), its place in the
    order, the events it listens for and its conditions as one predicate over the facts."""

    trigger: Trigger
    order: int
    events: frozenset[str]
    matches: Callable[[Mapping], bool]


@dataclass(frozen=True)
class RuleSet:
    token: str | None  # None while no rule was ever written through the actions
    by_event: dict[str, tuple[CompiledTrigger, ...]]

    def listening(self, event_types: Iterable[str]) -> list[CompiledTrigger]:
        """Triggers listening for any of `event_types`, each once, in trigger order."""
        found = {ct.order: ct for event in event_types for ct in self.by_event.get(event, ())}
        return [found[order] for order in sorted(found)]


# This process's rule set. Threads share it: the rows in it are only read, never changed.
_cached: RuleSet | None = None


def current_token() -> str | None:
    return RulesVersion.objects.filter(pk=1).values_list("token", flat=True).first()


def _load(token: str | None) -> RuleSet:
    by_event: dict[str, list[CompiledTrigger]] = {}
    active = Trigger.objects.filter(active=True).order_by("position", "id")
    for order, trigger in enumerate(active):
        compiled = CompiledTrigger(
            trigger=trigger,
            order=order,
            events=frozenset(trigger.events),
            matches=compile_trigger_conditions(trigger.conditions),
        )
        for event in compiled.events:
            by_event.setdefault(event, []).append(compiled)
    return RuleSet(token=token, by_event={e: tuple(cts) for e, cts in by_event.items()})


def active_rules() -> RuleSet:
    """The active triggers as the database has them now (the cached set while still current)."""
    global _cached
    token = current_token()
    rules = _cached
    if rules is None or rules.token != token:
        rules = _cached = _load(token)
    return rules


def forget_local_rules() -> None:
    """Drop this process's cached rule set (the next event reloads it)."""
    global _cached
    _cached = None


def rules_changed() -> None:
    """Every trigger and automation write calls this inside its transaction: a new token for
    every process, and this process's cache dropped now and again after commit (an event
    between the two may have cached the set as this transaction sees it)."""
    RulesVersion.objects.update_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": timezone.now()}
    )
    forget_local_rules()
    transaction.on_commit(forget_local_rules)
