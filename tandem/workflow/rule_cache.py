"""The active workflow settings, loaded once per process and checked by one version token.

Loading and compiling hundreds of triggers on every ticket event cost tens of milliseconds;
a cached rule set costs one indexed one-row query per event chain: the `RulesVersion` token,
which every write to a trigger, automation, routing rule, SLA policy or calendar changes
(`rules_changed`, called by the actions). A process whose cached token differs from the
database's reloads, so an edit made in the web process is used by the job worker on its next
event, and a rolled-back edit is simply a token that no longer matches.

The triggers are compiled here (`active_rules`); other settings (SLA policies, routing rules)
are cached under the same token with `cached_for_token`, so one check serves them all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from tandem.core import event_bus
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
    by_event: dict[str, tuple[CompiledTrigger, ...]]

    def listening(self, event_types: Iterable[str]) -> list[CompiledTrigger]:
        """Triggers listening for any of `event_types`, each once, in trigger order."""
        found = {ct.order: ct for event in event_types for ct in self.by_event.get(event, ())}
        return [found[order] for order in sorted(found)]


# This process's settings under the token: name -> (token, value). Threads share them: the
# rows in them are only read, never changed. The token is None while no rule was ever
# written through the actions.
_cached_settings: dict[str, tuple[str | None, object]] = {}
# The token as this event chain read it. A chain runs inside one action's transaction, which
# writes no settings, so one read serves every subscriber and every batch of the chain.
_CHAIN_TOKEN = "rule_cache:token"

T = TypeVar("T")


def current_token() -> str | None:
    memory = event_bus.chain()  # a fresh, throw-away dict outside a chain
    if _CHAIN_TOKEN not in memory:
        memory[_CHAIN_TOKEN] = (
            RulesVersion.objects.filter(pk=1).values_list("token", flat=True).first()
        )
    return memory[_CHAIN_TOKEN]


def _load_triggers() -> RuleSet:
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
    return RuleSet(by_event={e: tuple(cts) for e, cts in by_event.items()})


def active_rules() -> RuleSet:
    """The active triggers as the database has them now (the cached set while still current)."""
    return cached_for_token("triggers", _load_triggers)


def cached_for_token(name: str, load: Callable[[], T]) -> T:
    """`load()`'s answer, loaded again only when the settings' token has changed.

    The value is shared by every thread of the process: callers only read it.
    """
    token = current_token()
    entry = _cached_settings.get(name)
    if entry is None or entry[0] != token:
        entry = _cached_settings[name] = (token, load())
    return entry[1]


def forget_local_rules() -> None:
    """Drop this process's cached rule set and settings (the next event reloads them)."""
    _cached_settings.clear()


def rules_changed() -> None:
    """Every trigger, automation, routing rule, SLA policy and calendar write calls this
    inside its transaction: a new token for every process, and this process's cache dropped
    now and again after commit (an event between the two may have cached the set as this
    transaction sees it)."""
    RulesVersion.objects.update_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": timezone.now()}
    )
    event_bus.chain().pop(_CHAIN_TOKEN, None)
    forget_local_rules()
    transaction.on_commit(forget_local_rules)
