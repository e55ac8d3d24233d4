"""Loading the demo desk: plan it from a seed, write it through the actions, mark it loaded."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tandem.core import event_bus, live, search
from tandem.core.demo.articles import write_demo_articles
from tandem.core.demo.cast import plan_cast
from tandem.core.demo.macros import write_demo_macros
from tandem.core.demo.people_writer import write_people
from tandem.core.demo.service_levels import configure_service_levels, start_open_ticket_clocks
from tandem.core.demo.stories import plan_tickets
from tandem.core.demo.ticket_writer import TicketWriter
from tandem.core.demo.workflow_rules import write_demo_rules
from tandem.core.demo_marker import forget_demo_marker, mark_demo_loaded
from tandem.core.search.maintenance import catch_up
from tandem.kb.models import Article, Category, HelpSearch, Macro
from tandem.mail.actions import create_mailbox
from tandem.mail.models import Mailbox
from tandem.people.directory import forget_agents, forget_teams
from tandem.people.models import Agent, Contact, Organization, Team
from tandem.tickets.models import Message, Tag, Ticket, TicketEvent, TicketLink
from tandem.workflow.models import Automation, RoutingRule, TicketSla, Trigger
from tandem.workflow.rule_cache import rules_changed

DEFAULT_SEED = 2024


@dataclass(frozen=True)
class Size:
    tickets: int
    contacts: int
    organizations: int
    days: int


SIZES = {
    "full": Size(tickets=10_000, contacts=2_000, organizations=200, days=90),
    # A month rather than three: a small desk still has a live backlog to click through.
    "small": Size(tickets=300, contacts=150, organizations=20, days=30),
}


@dataclass
class DemoSummary:
    seed: int
    size: str
    tickets: int
    contacts: int
    organizations: int
    agents: int
    messages: int
    events: int
    merges: int
    seconds: float
    cpu_seconds: float
    statuses: dict[str, int] = field(default_factory=dict)

    def text(self) -> str:
        statuses = ", ".join(f"{count:,} {name}" for name, count in sorted(self.statuses.items()))
        return (
            f"Demo desk (seed {self.seed}, {self.size}): {self.tickets:,} tickets "
            f"({statuses}), {self.messages:,} messages, {self.events:,} events, "
            f"{self.merges} merges; {self.contacts:,} contacts in {self.organizations} "
            f"organizations; {self.agents} agents. Loaded in {self.seconds:.1f} s "
            f"({self.cpu_seconds:.1f} s CPU)."
        )


class DeskNotEmpty(Exception):
    """The demo goes only into a desk without tickets, so it never mixes with real data."""


def desk_has_tickets() -> bool:
    return Ticket.objects.exists()


def load_demo(
    *,
    seed: int = DEFAULT_SEED,
    size: str = "full",
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Plan the desk from `seed`, write it through the actions, and return what was loaded.

    The same seed and `now` give the same desk. Nothing is left behind on failure.
    """
    progress = progress or (lambda line: None)
    if desk_has_tickets() or Agent.objects.exists() or Contact.objects.exists():
        raise DeskNotEmpty("this desk already has tickets or people")
    started, cpu_started = time.perf_counter(), time.process_time()
    dimensions = SIZES[size]
    now = (now or timezone.now()).replace(microsecond=0)
    rng = random.Random(seed)
    cast = plan_cast(
        rng, organizations=dimensions.organizations, contacts=dimensions.contacts, today=now.date()
    )
    plans = plan_tickets(
        random.Random(rng.getrandbits(64)),
        cast,
        count=dimensions.tickets,
        now=now,
        days=dimensions.days,
    )
    progress(f"planned {len(plans):,} tickets in {time.perf_counter() - started:.1f} s")
    try:
        # No page can be watching a desk that does not exist yet, and in a separate
        # command process the in-memory layer reaches nobody: skip the live pushes, one
        # async_to_sync per action at ~1.3 ms each, most of what the write itself costs.
        with live.quiet():
            desk = write_people(cast, progress=progress)
            create_demo_mailbox(desk)
            configure_service_levels(desk.teams)
            write_demo_macros(desk)
            articles = write_demo_articles(desk, seed=seed)
            progress(f"{articles} knowledge-base articles")
            with event_bus.quiet():  # history: no workflow reacts to it as if it were live
                stats = TicketWriter(desk, cast, progress=progress).run(plans)
            # Only now: the rules act on what happens from here on, not on the history.
            rules = write_demo_rules(desk.teams)
            progress(", ".join(f"{count} {kind}" for kind, count in rules.items()))
            clocks = start_open_ticket_clocks(now)
            progress(f"SLA clocks for {clocks:,} open tickets")
            # The history was written quietly; index it now rather than leave search
            # empty until the periodic catch-up comes round.
            indexed = catch_up(seconds=3600)
            progress("search index: " + ", ".join(f"{n:,} {kind}" for kind, n in indexed.items()))
    except BaseException:
        wipe_desk()
        raise
    summary = DemoSummary(
        seed=seed,
        size=size,
        tickets=stats.tickets,
        contacts=len(desk.contacts),
        organizations=len(desk.organizations),
        agents=len(desk.agents),
        messages=Message.objects.count(),
        events=TicketEvent.objects.count(),
        merges=stats.merges,
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
        statuses=dict(Counter(Ticket.objects.values_list("status", flat=True))),
    )
    mark_demo_loaded(summary.text())
    return summary


DEMO_MAILBOX = "support@demo.test"


def create_demo_mailbox(desk) -> None:
    """support@demo.test, served by the SMTP listener: mail sent to it becomes tickets."""
    create_mailbox(
        address=DEMO_MAILBOX,
        display_name="Tandem Demo Support",
        receive_via=Mailbox.Inbound.SMTP,
        default_team=desk.teams["Support Tier 1"],
    )


@transaction.atomic
def wipe_desk() -> None:
    """Delete every ticket and person (demo or not): `tandem demo --force` starts from zero.

    Children go first so each delete is one statement rather than Django's cascade
    collector walking hundreds of thousands of rows.
    """
    TicketEvent.objects.all().delete()
    TicketSla.objects.all().delete()
    TicketLink.objects.all().delete()
    Ticket.tags.through.objects.all().delete()
    Ticket.followers.through.objects.all().delete()
    Message.objects.all().delete()
    Ticket.objects.update(merged_into=None, followup_of=None)
    Ticket.objects.all().delete()
    Tag.objects.all().delete()
    Contact.objects.all().delete()
    Organization.objects.all().delete()
    get_user_model().objects.filter(agent__isnull=False).delete()
    Mailbox.objects.filter(address=DEMO_MAILBOX).delete()
    Macro.objects.all().delete()
    for model in (Trigger, Automation, RoutingRule):  # their runs and deliveries go with them
        model.objects.all().delete()
    rules_changed()  # every process drops the rules it compiled
    Article.objects.all().delete()  # versions, votes and attachments go with them
    Category.objects.all().delete()
    HelpSearch.objects.all().delete()
    Team.objects.all().delete()
    # Pickers cache teams and agents across requests; these rows went without the actions.
    forget_teams()
    forget_agents()
    for source in search.sources():  # the index would otherwise point at deleted rows
        search.remove_kind(source.kind)
    forget_demo_marker()
