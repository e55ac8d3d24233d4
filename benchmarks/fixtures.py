"""A large desk for benchmarks, bulk-inserted straight into the tables (never for real data).

Going through the actions costs ~2 ms per write; a million tickets with their messages
and events would take hours. So this one place writes rows directly, in big batches
(executemany on SQLite, COPY on PostgreSQL), with plain indexes dropped during the load
and rebuilt after, then ANALYZE. Distributions follow the demo desk: most old tickets
closed, a live backlog in the last two weeks, skewed customers, tags on some tickets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bulk import IndexPause, Sink
from benchmarks.fixture_people import write_people
from benchmarks.fixture_tickets import TAGS, write_tickets

FIXTURE_VERSION = 2
REPO = Path(__file__).resolve().parent.parent
BENCH_AGENT_EMAIL = "bench.agent@bench.test"
RESTRICTED_AGENT_EMAIL = "bench.restricted@bench.test"


def source_fingerprint(*patterns: str, salt: str = "") -> str:
    """A short hash of the files matching `patterns` (relative to the repository)."""
    digest = hashlib.sha256(salt.encode())
    for pattern in patterns:
        for path in sorted(REPO.glob(pattern)):
            digest.update(path.relative_to(REPO).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def migrations_fingerprint() -> str:
    """Changes whenever any migration does, so a cached fixture never outlives its schema."""
    return source_fingerprint("tandem/*/migrations/*.py", salt=f"fixture-v{FIXTURE_VERSION}")


@dataclass(frozen=True)
class Shape:
    tickets: int

    @property
    def contacts(self) -> int:
        return max(1_000, self.tickets // 5)

    @property
    def organizations(self) -> int:
        return max(100, self.contacts // 10)

    @property
    def agents(self) -> int:
        return 60 if self.tickets >= 500_000 else 40

    @property
    def days(self) -> int:
        return 3 * 365 if self.tickets >= 500_000 else 365


TEAMS = (  # name, track, tier
    ("Service EMEA", "service", None),
    ("Service Americas", "service", None),
    ("Billing", "service", None),
    ("Onboarding", "service", None),
    ("Support Tier 1 EMEA", "support", 1),
    ("Support Tier 1 Americas", "support", 1),
    ("Support Tier 2", "support", 2),
    ("Support Tier 3", "support", 3),
)


def build(
    connection, tickets: int, *, seed: int = 7, progress: Callable[[str], None] = print
) -> dict:
    """Fill an empty, migrated database with a desk of `tickets` tickets. Returns row counts."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from tandem.people.models import Agent, Contact, ContactIdentity, Organization, Team
    from tandem.tickets.models import Message, Tag, Ticket, TicketEvent

    started = time.perf_counter()
    rng = random.Random(seed)
    shape = Shape(tickets)
    sink = Sink(connection)
    now = timezone.now().replace(microsecond=0)
    start = now - dt.timedelta(days=shape.days)
    counts: dict[str, int] = {}

    with transaction.atomic():
        teams = [
            Team.objects.create(name=name, track=track, tier=tier) for name, track, tier in TEAMS
        ]
        password = make_password("bench-password")
        users, agents = [], []
        for index in range(shape.agents):
            email = (
                BENCH_AGENT_EMAIL
                if index == 0
                else RESTRICTED_AGENT_EMAIL
                if index == 1
                else f"agent{index}@bench.test"
            )
            users.append(
                get_user_model()(
                    username=email,
                    email=email,
                    password=password,
                    is_staff=index == 2,
                    is_superuser=index == 2,
                )
            )
        get_user_model().objects.bulk_create(users)
        users = list(get_user_model().objects.filter(email__endswith="@bench.test").order_by("id"))
        for index, user in enumerate(users):
            role = "admin" if index == 2 else "light" if index in (3, 4) else "agent"
            access = "teams" if index == 1 or role == "light" else "all"
            agents.append(
                Agent(
                    user=user,
                    email=user.email,
                    name=f"Bench Agent {index}",
                    role=role,
                    ticket_access=access,
                )
            )
        Agent.objects.bulk_create(agents)
        agents = list(Agent.objects.order_by("id"))
        through = Agent.teams.through
        memberships = [
            through(agent=agents[0], team=teams[4]),
            through(agent=agents[1], team=teams[2]),
        ]
        for index, agent in enumerate(agents[2:], start=2):
            memberships.append(through(agent=agent, team=teams[index % len(teams)]))
        through.objects.bulk_create(memberships)
        tags = Tag.objects.bulk_create([Tag(name=name) for name in TAGS])
        tag_ids = [t.pk for t in Tag.objects.filter(name__in=TAGS).order_by("id")]
        del tags
        counts["agents"] = len(agents)

    team_agents: dict[int, list[int]] = {}
    for membership in memberships:
        if membership.agent.role != "light":
            team_agents.setdefault(membership.team.pk, []).append(membership.agent.pk)
    service_teams = [t.pk for t in teams if t.track == "service"]
    support_tier1 = [t.pk for t in teams if t.tier == 1]
    support_higher = [t.pk for t in teams if t.tier in (2, 3)]

    heavy = [
        ContactIdentity,
        Contact,
        Organization,
        Ticket,
        Message,
        TicketEvent,
        Ticket.tags.through,
    ]
    tables = [m._meta.db_table for m in heavy]
    cursor = connection.cursor()
    if connection.vendor == "sqlite":
        # Outside any transaction, or SQLite ignores them. A half-built fixture is thrown
        # away anyway, so no journal and no syncing.
        for pragma in (
            "foreign_keys = OFF",
            "journal_mode = OFF",
            "synchronous = OFF",
            "cache_size = -400000",
        ):
            cursor.execute(f"PRAGMA {pragma}")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Foreign keys are right by construction; checking 7 million of them row by
            # row would double the load time.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        with IndexPause(connection, tables):
            counts.update(
                write_people(sink, rng, shape, start, Organization, Contact, ContactIdentity)
            )
            progress(
                f"  {counts['contacts']:,} contacts, {counts['organizations']:,} organizations"
                f" ({time.perf_counter() - started:.0f} s)"
            )
            ticket_counts = write_tickets(
                sink,
                rng,
                shape,
                now=now,
                start=start,
                team_agents=team_agents,
                service_teams=service_teams,
                support_tier1=support_tier1,
                support_higher=support_higher,
                tag_ids=tag_ids,
                models=(Ticket, Message, TicketEvent, Ticket.tags.through, Contact),
                progress=lambda line: progress(f"  {line} ({time.perf_counter() - started:.0f} s)"),
            )
            counts.update(ticket_counts)
            progress(f"  rebuilding indexes ({time.perf_counter() - started:.0f} s)")
        if connection.vendor == "postgresql":
            for table, column in (
                ("tickets_ticket", "number"),
                ("tickets_message", "id"),
                ("tickets_ticketevent", "id"),
                ("people_contact", "id"),
                ("people_organization", "id"),
                ("people_contactidentity", "id"),
            ):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                    f"(SELECT MAX({column}) FROM {table}))"
                )
    if connection.vendor == "sqlite":
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
            cursor.execute(f"PRAGMA {pragma}")
    progress(f"  analyzing ({time.perf_counter() - started:.0f} s)")
    _analyze(connection)
    counts["build_seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _analyze(connection) -> None:
    if connection.vendor == "postgresql":
        raw = connection.connection
        autocommit = raw.autocommit
        raw.autocommit = True
        try:
            raw.execute("VACUUM ANALYZE")
        finally:
            raw.autocommit = autocommit
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
