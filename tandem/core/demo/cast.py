"""Who is in the demo desk: teams, agents, organizations and contacts, planned from a seed.

Pure: a plan of plain values, written to the database by `people_writer`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from tandem.core.demo import names

DEMO_DOMAIN = "demo.test"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
# Every demo agent's password. Public on purpose: this is a demo desk, shown on screen.
DEMO_PASSWORD = "demo-password"
SHOWCASE_ORG = ("Northwind Logistics", "northwind-logistics.example")
SHOWCASE_CUSTOMER = ("Jordan", "Blake")
DEMO_CUSTOMER_EMAIL = "jordan.blake@northwind-logistics.example"

# (entity, key, label, kind, choices)
CUSTOM_FIELDS = (
    ("ticket", "order_number", "Order number", "text", ()),
    ("ticket", "plan", "Plan", "choice", names.ORG_PLANS),
    ("ticket", "affected_users", "Affected users", "number", ()),
    ("contact", "role", "Role", "choice", names.CONTACT_ROLES),
    ("contact", "newsletter", "Newsletter", "checkbox", ()),
    ("organization", "account_manager", "Account manager", "text", ()),
    ("organization", "renewal_date", "Renewal date", "date", ()),
    ("organization", "seats", "Seats", "number", ()),
)


@dataclass(frozen=True)
class AgentSpec:
    email: str
    name: str
    first: str
    teams: tuple[str, ...]
    role: str
    access: str


@dataclass(frozen=True)
class OrganizationSpec:
    index: int
    name: str
    domains: tuple[str, ...]
    shares_requests: bool
    plan: str
    custom_fields: dict


@dataclass(frozen=True)
class ContactSpec:
    index: int
    first: str
    last: str
    email: str
    organization: int | None
    identities: tuple[tuple[str, str], ...]
    lifecycle: str
    language: str
    time_zone: str
    custom_fields: dict
    # How often this person writes in, relative to others: a few customers write a lot.
    weight: float

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Cast:
    agents: list[AgentSpec]
    organizations: list[OrganizationSpec]
    contacts: list[ContactSpec]
    teams: tuple = names.TEAMS
    custom_fields: tuple = CUSTOM_FIELDS
    by_team: dict[str, list[AgentSpec]] = field(default_factory=dict)

    def __post_init__(self):
        for agent in self.agents:
            for team in agent.teams:
                self.by_team.setdefault(team, []).append(agent)

    @property
    def light_agent(self) -> AgentSpec:
        return next(a for a in self.agents if a.role == "light")

    def team_agents(self, team: str) -> list[AgentSpec]:
        """Agents who can take tickets of `team` (light agents cannot be assigned)."""
        return [a for a in self.by_team.get(team, []) if a.role != "light"]


def plan_agents() -> list[AgentSpec]:
    agents = []
    for first, last, teams, role, access in names.AGENTS:
        email = ADMIN_EMAIL if role == "admin" else f"{first}.{last}@{DEMO_DOMAIN}".lower()
        agents.append(
            AgentSpec(
                email=email,
                name=f"{first} {last}",
                first=first,
                teams=tuple(teams),
                role=role,
                access=access,
            )
        )
    return agents


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def plan_organizations(
    rng: random.Random, count: int, *, today: dt.date, account_managers: list[str]
) -> list[OrganizationSpec]:
    pairs = [(stem, kind) for stem in names.COMPANY_STEMS for kind in names.COMPANY_KINDS]
    rng.shuffle(pairs)
    showcase_name, showcase_domain = SHOWCASE_ORG
    organizations = [
        OrganizationSpec(
            index=0,
            name=showcase_name,
            domains=(showcase_domain,),
            shares_requests=True,
            plan="Business",
            custom_fields={
                "account_manager": account_managers[0],
                "seats": 180,
                "renewal_date": (today + dt.timedelta(days=75)).isoformat(),
            },
        )
    ]
    for stem, kind in pairs:
        if len(organizations) >= count:
            break
        name = f"{stem} {kind}"
        if name == showcase_name:
            continue
        domain = f"{_slug(name)}.example"
        domains = (domain,)
        if rng.random() < 0.12:
            domains = (domain, f"{_slug(name)}-{rng.choice(('de', 'fr', 'us', 'nl'))}.example")
        plan = rng.choices(names.ORG_PLANS, weights=names.ORG_PLAN_WEIGHTS)[0]
        custom = {"seats": rng.choice((5, 10, 25, 50, 80, 150, 400))}
        if plan in ("Business", "Enterprise") or rng.random() < 0.3:
            custom["account_manager"] = rng.choice(account_managers)
        if rng.random() < 0.7:
            custom["renewal_date"] = (today + dt.timedelta(days=rng.randint(10, 360))).isoformat()
        organizations.append(
            OrganizationSpec(
                index=len(organizations),
                name=name + rng.choice(names.COMPANY_SUFFIXES),
                domains=domains,
                shares_requests=rng.random() < 0.2,
                plan=plan,
                custom_fields=custom,
            )
        )
    return organizations


class _Unique:
    """Hands out values not handed out before, by adding a counter when a value repeats."""

    def __init__(self):
        self.seen: set[str] = set()

    def take(self, value: str, fmt: str = "{value}{n}") -> str:
        candidate, n = value, 1
        while candidate in self.seen:
            n += 1
            candidate = fmt.format(value=value, n=n)
        self.seen.add(candidate)
        return candidate


def plan_contacts(
    rng: random.Random, count: int, organizations: list[OrganizationSpec]
) -> list[ContactSpec]:
    emails, phones, handles = _Unique(), _Unique(), _Unique()
    # Organization sizes are long-tailed: a handful of big accounts, many small ones.
    org_weights = [min(rng.paretovariate(1.2), 40.0) for _ in organizations]
    org_weights[0] = 30.0
    contacts: list[ContactSpec] = []
    for index in range(count):
        if index == 0:
            first, last = SHOWCASE_CUSTOMER
            organization: OrganizationSpec | None = organizations[0]
        else:
            first = rng.choice(names.FIRST_NAMES)
            last = rng.choice(names.LAST_NAMES)
            organization = (
                rng.choices(organizations, weights=org_weights)[0] if rng.random() < 0.88 else None
            )
        if organization is None:
            local = f"{first}{last}".lower() + str(rng.randint(1, 99))
            email = emails.take(f"{local}@{rng.choice(names.PERSONAL_DOMAINS)}")
        else:
            style = rng.random()
            local = (
                f"{first}.{last}"
                if style < 0.7 or index == 0
                else f"{first[0]}{last}"
                if style < 0.9
                else first
            ).lower()
            domain = organization.domains[0]
            email = emails.take(f"{local}@{domain}", fmt="{n}.{value}")
        identities = []
        if rng.random() < 0.25 or index == 0:
            digits = "".join(str(rng.randint(0, 9)) for _ in range(9))
            identities.append(("phone", phones.take(f"+{rng.choice((44, 49, 33, 31, 1))}{digits}")))
        if rng.random() < 0.10:
            identities.append(("chat", handles.take(f"visitor-{rng.getrandbits(32):08x}")))
        if rng.random() < 0.05:
            identities.append(("twitter", handles.take(f"@{first}{last}".lower())))
        if rng.random() < 0.03:
            digits = "".join(str(rng.randint(0, 9)) for _ in range(10))
            identities.append(("whatsapp", phones.take(f"+{rng.choice((34, 39, 55))}{digits}")))
        custom = {"role": rng.choices(names.CONTACT_ROLES, weights=names.CONTACT_ROLE_WEIGHTS)[0]}
        if rng.random() < 0.4:
            custom["newsletter"] = rng.random() < 0.6
        if index == 0:
            custom = {"role": "Admin", "newsletter": True}
        lifecycle = rng.choices(("customer", "lead", "churned"), weights=(92, 5, 3))[0]
        contacts.append(
            ContactSpec(
                index=index,
                first=first,
                last=last,
                email=email,
                organization=organization.index if organization else None,
                identities=tuple(identities),
                lifecycle="customer" if index == 0 else lifecycle,
                language=rng.choice(names.LANGUAGES),
                time_zone=rng.choice(names.TIME_ZONES),
                custom_fields=custom,
                weight=8.0 if index == 0 else min(rng.paretovariate(1.6), 15.0),
            )
        )
    return contacts


def plan_cast(rng: random.Random, *, organizations: int, contacts: int, today: dt.date) -> Cast:
    agents = plan_agents()
    managers = [a.name for a in agents if "Service" in a.teams or "Billing" in a.teams]
    orgs = plan_organizations(rng, organizations, today=today, account_managers=managers)
    return Cast(agents=agents, organizations=orgs, contacts=plan_contacts(rng, contacts, orgs))
