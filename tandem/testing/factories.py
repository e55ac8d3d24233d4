"""factory_boy factories that go through actions, so test data obeys the same rules as real data."""

from __future__ import annotations

import itertools

from tandem.people import actions as people_actions
from tandem.people.actors import Actor
from tandem.people.models import Agent, Contact, Organization, Team
from tandem.tickets import actions as ticket_actions
from tandem.tickets.models import Ticket

_counter = itertools.count(1)

PASSWORD = "correct-horse-battery"


def make_agent(
    *,
    role: str = Agent.Role.AGENT,
    teams=(),
    name: str = "",
    email: str = "",
    ticket_access: str = Agent.Access.ALL,
) -> Agent:
    n = next(_counter)
    return people_actions.create_agent(
        email=email or f"agent{n}@desk.test",
        name=name or f"Agent {n}",
        role=role,
        password=PASSWORD,
        teams=teams,
        ticket_access=ticket_access,
    )


def make_team(*, name: str = "", track: str = "service", tier: int | None = None) -> Team:
    n = next(_counter)
    return people_actions.create_team(name=name or f"Team {n}", track=track, tier=tier)


def make_organization(*, name: str = "", domains=(), shares_requests: bool = False) -> Organization:
    n = next(_counter)
    return people_actions.create_organization(
        name=name or f"Org {n}", domains=list(domains), shares_requests=shares_requests
    )


def make_contact(
    *, email: str = "", name: str = "", organization: Organization | None = None
) -> Contact:
    n = next(_counter)
    contact = people_actions.find_or_create_contact(
        email=email or f"customer{n}@example.test", name=name or f"Customer {n}"
    )
    if organization is not None:
        contact = people_actions.update_contact(contact=contact, organization=organization)
    return contact


def make_ticket(
    *,
    contact: Contact | None = None,
    subject: str = "",
    body: str = "Please help",
    actor: Actor | None = None,
    **fields,
) -> Ticket:
    contact = contact or make_contact()
    n = next(_counter)
    return ticket_actions.create_ticket(
        actor=actor or Actor.for_contact(contact),
        contact=contact,
        subject=subject or f"Question {n}",
        body=body,
        **fields,
    )
