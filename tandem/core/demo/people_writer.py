"""Writes the demo cast (custom fields, teams, agents, organizations, contacts) through actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import transaction
from django.test.utils import override_settings

from tandem.core.demo.cast import DEMO_PASSWORD, Cast
from tandem.core.models import CustomField
from tandem.people import actions as people
from tandem.people.models import Agent, Contact, Organization, Team
from tandem.tickets.actions import create_custom_field


class DemoPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds, for the demo's published password only.

    Twenty agents at Django's default cost would add several seconds to every first
    `make run`, to protect a password printed on screen. The hash keeps the standard
    algorithm name, so Django verifies it with its own hasher and re-hashes it at full
    cost on the agent's first sign-in (`must_update`).
    """

    iterations = 10_000


@dataclass
class Desk:
    """The written cast, by the keys the ticket plans use."""

    teams: dict[str, Team]
    agents: dict[str, Agent]
    organizations: list[Organization]
    contacts: list[Contact]


def ensure_custom_fields(cast: Cast) -> list[CustomField]:
    """The demo's custom fields, created once; a reload reuses the definitions it finds."""
    fields = []
    for position, (entity, key, label, kind, choices) in enumerate(cast.custom_fields):
        existing = CustomField.objects.filter(entity=entity, key=key).first()
        fields.append(
            existing
            or create_custom_field(
                entity=entity,
                key=key,
                label=label,
                kind=kind,
                choices=list(choices) or None,
                position=position,
            )
        )
    return fields


def write_people(cast: Cast, *, progress: Callable[[str], None]) -> Desk:
    with transaction.atomic():
        ensure_custom_fields(cast)
        teams = {
            name: people.create_team(name=name, track=track, tier=tier, description=description)
            for name, track, tier, description in cast.teams
        }
        hashers = [f"{DemoPasswordHasher.__module__}.{DemoPasswordHasher.__name__}"]
        with override_settings(PASSWORD_HASHERS=hashers + _default_hashers()):
            for spec in cast.agents:
                people.create_agent(
                    email=spec.email,
                    name=spec.name,
                    role=spec.role,
                    password=DEMO_PASSWORD,
                    teams=[teams[name] for name in spec.teams],
                    ticket_access=spec.access,
                )
        agents = {a.email: a for a in Agent.objects.select_related("user")}
        progress(f"{len(teams)} teams, {len(agents)} agents")

        organizations = [
            people.create_organization(
                name=spec.name,
                domains=list(spec.domains),
                shares_requests=spec.shares_requests,
                plan=spec.plan,
                custom_fields=spec.custom_fields,
            )
            for spec in cast.organizations
        ]
    contacts: list[Contact] = []
    for start in range(0, len(cast.contacts), 500):
        with transaction.atomic():
            for spec in cast.contacts[start : start + 500]:
                organization = (
                    organizations[spec.organization] if spec.organization is not None else None
                )
                contacts.append(
                    people.create_contact(
                        email=spec.email,
                        name=spec.name,
                        identities=spec.identities,
                        custom_fields=spec.custom_fields,
                        organization=organization,
                        lifecycle=spec.lifecycle,
                        plan=organization.plan if organization else "",
                        language=spec.language,
                        time_zone=spec.time_zone,
                    )
                )
    progress(f"{len(organizations)} organizations, {len(contacts)} contacts")
    return Desk(teams=teams, agents=agents, organizations=organizations, contacts=contacts)


def _default_hashers() -> list[str]:
    from django.conf import settings

    return list(settings.PASSWORD_HASHERS)
