"""Trigger evaluation cost per ticket event with 200 active triggers, against none at all.

Run from the repository root: `python -m benchmarks.triggers [--triggers 200] [--events 200]`
(or `python -m benchmarks.run --only triggers`). Writes var/bench/triggers.json. Each timed
event is a real priority change through `update_ticket` on a throw-away SQLite desk; the
figure is the extra time per event the trigger engine adds (checking the rules' version stamp,
finding the cached triggers that listen, building the facts once, evaluating the conditions).
Each trigger listens for two of the ten events, so one in five listens for the timed one.
The triggers are written through the actions, as an admin would, so the cache is kept current.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EVENTS = [
    "ticket_created",
    "customer_replied",
    "agent_replied",
    "note_added",
    "status_changed",
    "assigned",
    "tags_changed",
    "sla_warning",
    "sla_breached",
    "priority_changed",
]


class EngineClock:
    """Time spent inside the trigger subscriber itself: on a machine shared with others, the
    difference of two whole-event medians taken a minute apart is mostly noise."""

    def __init__(self, handler):
        self.handler = handler
        self.spent_ms = 0.0

    def __call__(self, batch):
        start = time.perf_counter()
        try:
            return self.handler(batch)
        finally:
            self.spent_ms += (time.perf_counter() - start) * 1000


def _time_events(tickets, priorities, actor, update_ticket, clock) -> tuple[list, list]:
    """(whole event ms, of which in the trigger engine ms) per event."""
    timings, engine = [], []
    for index, ticket in enumerate(tickets):
        clock.spent_ms = 0.0
        start = time.perf_counter()
        update_ticket(actor=actor, ticket=ticket, priority=priorities[index % 2])
        timings.append((time.perf_counter() - start) * 1000)
        engine.append(clock.spent_ms)
    return timings, engine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.triggers")
    parser.add_argument("--triggers", type=int, default=200)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--output", type=Path, default=ROOT / "var" / "bench" / "triggers.json")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="tandem-triggers-bench-") as temp:
        os.environ["TANDEM_HOME"] = temp
        os.environ.setdefault("TANDEM_DEMO", "0")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from benchmarks.machine import machine_info, now_iso
        from tandem.core import event_bus
        from tandem.people.actors import Actor
        from tandem.testing import factories
        from tandem.tickets.actions import update_ticket
        from tandem.workflow import triggers as trigger_engine
        from tandem.workflow.actions import create_trigger
        from tandem.workflow.models import Trigger

        call_command("migrate", verbosity=0)
        agent = factories.make_agent(name="Bench", email="bench@desk.test")
        actor = Actor.for_agent(agent)
        contact = factories.make_contact(email="c@bench.test")
        tickets = [
            factories.make_ticket(contact=contact, subject=f"Bench {n}") for n in range(args.events)
        ]
        clock = EngineClock(trigger_engine.on_ticket_events)
        event_bus.subscribe(trigger_engine.SUBSCRIBER_NAME, clock)  # same name: same place
        baseline, engine_baseline = _time_events(
            tickets, ["high", "low"], actor, update_ticket, clock
        )

        # Conditions that are evaluated but do not match, so the cost is evaluation, not actions.
        for n in range(args.triggers):
            create_trigger(
                name=f"Rule {n}",
                position=n,
                events=[EVENTS[n % len(EVENTS)], EVENTS[(n + 3) % len(EVENTS)]],
                conditions={
                    "all": [
                        {"field": "subject", "op": "contains", "value": f"never-{n}"},
                        {"field": "tags", "op": "includes", "value": ["vip"]},
                    ]
                },
                actions=[{"type": "add_tags", "tags": ["bench"]}],
            )
        listening = sum(1 for t in Trigger.objects.all() if "priority_changed" in t.events)
        with_triggers, engine_with = _time_events(
            tickets, ["urgent", "normal"], actor, update_ticket, clock
        )

    def summary(values: list[float]) -> dict:
        ordered = sorted(values)
        return {
            "median_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 3),
        }

    extra = statistics.median(with_triggers) - statistics.median(baseline)
    report = {
        "benchmark": "trigger evaluation per event",
        "generated_at": now_iso(),
        "machine": machine_info(),
        "active_triggers": args.triggers,
        "triggers_listening_for_the_event": listening,
        "events": args.events,
        "without_triggers": summary(baseline),
        "with_triggers": summary(with_triggers),
        "extra_per_event_ms": round(extra, 3),
        "trigger_engine_without_triggers": summary(engine_baseline),
        "trigger_engine_with_triggers": summary(engine_with),
        "method": "update_ticket(priority=...) on SQLite in process; median of each run. "
        "extra_per_event_ms: the difference of the two whole-event medians; trigger_engine_*: "
        "time inside the trigger subscriber alone, the steadier figure on a shared machine.",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k != "machine"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
