"""pytest fixtures for the usual cast: teams, agents of each role, two customers and a ticket."""

from __future__ import annotations

import pytest

from tandem.people.actors import Actor
from tandem.people.models import Agent
from tandem.testing import factories


@pytest.fixture
def team(db):
    return factories.make_team(name="Support Tier 1", track="support", tier=1)


@pytest.fixture
def other_team(db):
    return factories.make_team(name="Billing", track="service")


@pytest.fixture
def admin(db):
    return factories.make_agent(role=Agent.Role.ADMIN, name="Ada Admin", email="admin@desk.test")


@pytest.fixture
def agent(db, team):
    return factories.make_agent(name="Alex Agent", email="alex@desk.test", teams=[team])


@pytest.fixture
def light_agent(db, team):
    return factories.make_agent(
        role=Agent.Role.LIGHT, name="Lee Light", email="lee@desk.test", teams=[team]
    )


@pytest.fixture
def other_team_agent(db, other_team):
    """An agent restricted to another team's tickets."""
    return factories.make_agent(
        name="Olly Other",
        email="olly@desk.test",
        teams=[other_team],
        ticket_access=Agent.Access.TEAMS,
    )


@pytest.fixture
def customer(db):
    return factories.make_contact(email="carol@customer.test", name="Carol Customer")


@pytest.fixture
def other_customer(db):
    return factories.make_contact(email="dave@elsewhere.test", name="Dave Elsewhere")


@pytest.fixture
def ticket(db, customer, team):
    return factories.make_ticket(
        contact=customer,
        subject="Cannot log in",
        body="The login page says my password is wrong.",
        team=team,
        track="support",
    )


@pytest.fixture
def as_agent(agent):
    return Actor.for_agent(agent)
