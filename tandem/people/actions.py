"""Every write to contacts, organizations, agents and teams."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.core.custom_fields import clean_custom_fields
from tandem.core.errors import FieldError, InvalidInput
from tandem.core.field_definitions import active_definitions
from tandem.core.models import CustomField
from tandem.people import directory, search_index
from tandem.people.models import Agent, Contact, ContactIdentity, Organization, Team, Track


def normalize_email(raw: str, *, field: str = "email") -> str:
    email = (raw or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise InvalidInput.single(field, "is not a valid email address") from error
    return email


def normalize_identity(kind: str, value: str, *, field: str = "value") -> str:
    if kind not in ContactIdentity.Kind.values:
        raise InvalidInput.single(
            "kind", f"must be one of {', '.join(ContactIdentity.Kind.values)}"
        )
    if kind == ContactIdentity.Kind.EMAIL:
        return normalize_email(value, field=field)
    cleaned = (value or "").strip()
    if kind == ContactIdentity.Kind.PHONE:
        cleaned = "".join(ch for ch in cleaned if ch.isdigit() or ch == "+")
    if not cleaned:
        raise InvalidInput.single(field, "may not be empty")
    return cleaned[:254]


def _custom_field_definitions(entity: str) -> list[CustomField]:
    return active_definitions(entity)


def _organization_for_domain(email: str) -> Organization | None:
    domain = email.rpartition("@")[2]
    # Domains are few per organization and organizations few per desk; JSON contains
    # is not portable across SQLite and PostgreSQL, so match in Python over a narrow set.
    for organization in Organization.objects.filter(domains__icontains=domain).only(
        "id", "domains"
    ):
        if domain in (d.lower() for d in organization.domains):
            return organization
    return None


@transaction.atomic
def find_or_create_contact(*, email: str, name: str = "") -> Contact:
    """The contact owning this email identity, created (with its organization by domain) if new."""
    email = normalize_email(email)
    identity = (
        ContactIdentity.objects.select_related("contact")
        .filter(kind=ContactIdentity.Kind.EMAIL, value=email)
        .first()
    )
    if identity:
        contact = identity.contact
        if name and not contact.name:
            contact.name = name.strip()[:200]
            contact.save(update_fields=["name", "updated_at"])
            search_index.index_contact(contact)
        return contact
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                name=(name or "").strip()[:200],
                email=email,
                organization=_organization_for_domain(email),
            )
            ContactIdentity.objects.create(
                contact=contact, kind=ContactIdentity.Kind.EMAIL, value=email, is_primary=True
            )
    except IntegrityError:
        # Another request created the same sender between our read and our write.
        return ContactIdentity.objects.get(kind=ContactIdentity.Kind.EMAIL, value=email).contact
    search_index.index_contact(contact)
    return contact


CONTACT_FIELDS = ("name", "organization", "lifecycle", "plan", "language", "time_zone", "notes")


@transaction.atomic
def create_contact(
    *,
    email: str | None = None,
    name: str = "",
    identities: Iterable[tuple[str, str]] = (),
    custom_fields: dict[str, Any] | None = None,
    **fields: Any,
) -> Contact:
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise InvalidInput([FieldError(f, "is not a contact field") for f in sorted(unknown)])
    wanted: list[tuple[str, str]] = []
    if email:
        wanted.append((ContactIdentity.Kind.EMAIL, normalize_email(email)))
    for index, (kind, value) in enumerate(identities):
        wanted.append((kind, normalize_identity(kind, value, field=f"identities[{index}].value")))
    if not wanted and not name:
        raise InvalidInput.single("email", "a contact needs a name, an email or an identity")
    _ensure_identities_free(wanted)
    values = clean_custom_fields(
        _custom_field_definitions(CustomField.Entity.CONTACT), custom_fields or {}
    )
    primary_email = next((v for k, v in wanted if k == ContactIdentity.Kind.EMAIL), "")
    if "organization" not in fields and primary_email:
        fields["organization"] = _organization_for_domain(primary_email)
    contact = Contact.objects.create(
        name=name.strip(), email=primary_email, custom_fields=values, **fields
    )
    seen_kinds: set[str] = set()
    for kind, value in wanted:
        ContactIdentity.objects.create(
            contact=contact, kind=kind, value=value, is_primary=kind not in seen_kinds
        )
        seen_kinds.add(kind)
    search_index.index_contact(contact)
    return contact


def _ensure_identities_free(wanted: list[tuple[str, str]], *, owner: Contact | None = None) -> None:
    errors = []
    for kind, value in wanted:
        taken = ContactIdentity.objects.filter(kind=kind, value=value)
        if owner is not None:
            taken = taken.exclude(contact=owner)
        if taken.exists():
            errors.append(
                FieldError(
                    "email" if kind == "email" else "identities",
                    f"{value} already belongs to another contact",
                )
            )
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def update_contact(
    *, contact: Contact, email: str | None = None, custom_fields: dict | None = None, **fields: Any
) -> Contact:
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise InvalidInput([FieldError(f, "is not a contact field") for f in sorted(unknown)])
    if "lifecycle" in fields and fields["lifecycle"] not in Contact.Lifecycle.values:
        raise InvalidInput.single(
            "lifecycle", f"must be one of {', '.join(Contact.Lifecycle.values)}"
        )
    if custom_fields is not None:
        contact.custom_fields = clean_custom_fields(
            _custom_field_definitions(CustomField.Entity.CONTACT),
            custom_fields,
            current=contact.custom_fields,
        )
    if email is not None and normalize_email(email) != contact.email:
        new_email = normalize_email(email)
        _ensure_identities_free([(ContactIdentity.Kind.EMAIL, new_email)], owner=contact)
        contact.identities.filter(kind=ContactIdentity.Kind.EMAIL).update(is_primary=False)
        ContactIdentity.objects.update_or_create(
            kind=ContactIdentity.Kind.EMAIL,
            value=new_email,
            defaults={"contact": contact, "is_primary": True},
        )
        contact.email = new_email
    for name, value in fields.items():
        setattr(contact, name, value.strip() if isinstance(value, str) else value)
    contact.updated_at = timezone.now()
    contact.save()
    search_index.index_contact(contact)
    return contact


@transaction.atomic
def add_identity(*, contact: Contact, kind: str, value: str) -> ContactIdentity:
    value = normalize_identity(kind, value)
    _ensure_identities_free([(kind, value)], owner=contact)
    has_primary = contact.identities.filter(kind=kind, is_primary=True).exists()
    identity, _ = ContactIdentity.objects.get_or_create(
        contact=contact, kind=kind, value=value, defaults={"is_primary": not has_primary}
    )
    if kind == ContactIdentity.Kind.EMAIL and not contact.email:
        contact.email = value
        contact.save(update_fields=["email", "updated_at"])
    search_index.index_contact(contact)
    return identity


@transaction.atomic
def remove_identity(*, identity: ContactIdentity) -> None:
    contact = identity.contact
    identity.delete()
    if identity.kind == ContactIdentity.Kind.EMAIL and contact.email == identity.value:
        successor = contact.identities.filter(kind=ContactIdentity.Kind.EMAIL).first()
        if successor:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
        contact.email = successor.value if successor else ""
        contact.save(update_fields=["email", "updated_at"])
    search_index.index_contact(contact)


@transaction.atomic
def delete_contact(*, contact: Contact) -> None:
    if contact.tickets.exists():
        raise InvalidInput.single(
            "contact", "has tickets; merge the contact or delete the tickets first"
        )
    search_index.remove_contact(contact.pk)
    contact.delete()


ORGANIZATION_FIELDS = ("name", "domains", "shares_requests", "plan", "notes")


def _clean_domains(domains: Any) -> list[str]:
    if isinstance(domains, str):
        domains = [d for d in domains.replace(",", " ").split() if d]
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise InvalidInput.single("domains", "must be a list of domain names")
    cleaned = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    for domain in cleaned:
        if "." not in domain or " " in domain:
            raise InvalidInput.single("domains", f"{domain!r} is not a domain name")
    return cleaned


@transaction.atomic
def create_organization(
    *, name: str, custom_fields: dict | None = None, **fields: Any
) -> Organization:
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise InvalidInput([FieldError(f, "is not an organization field") for f in sorted(unknown)])
    if not (name or "").strip():
        raise InvalidInput.single("name", "may not be empty")
    if "domains" in fields:
        fields["domains"] = _clean_domains(fields["domains"])
    values = clean_custom_fields(
        _custom_field_definitions(CustomField.Entity.ORGANIZATION), custom_fields or {}
    )
    organization = Organization.objects.create(name=name.strip(), custom_fields=values, **fields)
    search_index.index_organization(organization)
    return organization


@transaction.atomic
def update_organization(
    *, organization: Organization, custom_fields: dict | None = None, **fields: Any
) -> Organization:
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise InvalidInput([FieldError(f, "is not an organization field") for f in sorted(unknown)])
    if "name" in fields and not (fields["name"] or "").strip():
        raise InvalidInput.single("name", "may not be empty")
    if "domains" in fields:
        fields["domains"] = _clean_domains(fields["domains"])
    if custom_fields is not None:
        organization.custom_fields = clean_custom_fields(
            _custom_field_definitions(CustomField.Entity.ORGANIZATION),
            custom_fields,
            current=organization.custom_fields,
        )
    for name, value in fields.items():
        setattr(organization, name, value.strip() if isinstance(value, str) else value)
    organization.save()
    search_index.index_organization(organization)
    return organization


@transaction.atomic
def delete_organization(*, organization: Organization) -> None:
    # Contacts and tickets keep existing; they just lose the organization (SET_NULL).
    search_index.remove_organization(organization.pk)
    organization.delete()


# --- agents and teams ------------------------------------------------------


@transaction.atomic
def create_agent(
    *,
    email: str,
    name: str = "",
    role: str = Agent.Role.AGENT,
    password: str | None = None,
    teams: Iterable[Team] = (),
    ticket_access: str = Agent.Access.ALL,
) -> Agent:
    email = normalize_email(email)
    if role not in Agent.Role.values:
        raise InvalidInput.single("role", f"must be one of {', '.join(Agent.Role.values)}")
    if ticket_access not in Agent.Access.values:
        raise InvalidInput.single("ticket_access", "must be 'all' or 'teams'")
    user_model = get_user_model()
    if (
        Agent.objects.filter(email=email).exists()
        or user_model.objects.filter(username=email).exists()
    ):
        raise InvalidInput.single("email", "an agent with this email already exists")
    user = user_model(
        username=email,
        email=email,
        is_staff=role == Agent.Role.ADMIN,
        is_superuser=role == Agent.Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    agent = Agent.objects.create(
        user=user,
        email=email,
        name=(name or email.partition("@")[0]).strip(),
        role=role,
        ticket_access=Agent.Access.TEAMS if role == Agent.Role.LIGHT else ticket_access,
    )
    agent.teams.set(teams)
    directory.forget_agents()
    return agent


@transaction.atomic
def update_agent(
    *,
    agent: Agent,
    name: str | None = None,
    role: str | None = None,
    ticket_access: str | None = None,
    teams: Iterable[Team] | None = None,
    active: bool | None = None,
    signature: str | None = None,
) -> Agent:
    if role is not None and role not in Agent.Role.values:
        raise InvalidInput.single("role", f"must be one of {', '.join(Agent.Role.values)}")
    if ticket_access is not None and ticket_access not in Agent.Access.values:
        raise InvalidInput.single("ticket_access", "must be 'all' or 'teams'")
    _keep_an_active_admin(agent, role=role, active=active)
    if name is not None:
        if not name.strip():
            raise InvalidInput.single("name", "may not be empty")
        agent.name = name.strip()
    if role is not None:
        agent.role = role
    if ticket_access is not None:
        agent.ticket_access = ticket_access
    if agent.role == Agent.Role.LIGHT:
        agent.ticket_access = Agent.Access.TEAMS
    if signature is not None:
        agent.signature = signature
    agent.save()
    user = agent.user
    user.is_staff = user.is_superuser = agent.role == Agent.Role.ADMIN
    if active is not None:
        user.is_active = active
    user.save(update_fields=["is_staff", "is_superuser", "is_active"])
    if teams is not None:
        agent.teams.set(teams)
    directory.forget_agents()
    return agent


def _keep_an_active_admin(agent: Agent, *, role: str | None, active: bool | None) -> None:
    """The desk must always keep one active admin, or nobody could manage it any more."""
    demoted = role is not None and role != Agent.Role.ADMIN
    is_active_admin = agent.role == Agent.Role.ADMIN and agent.user.is_active
    if not (is_active_admin and (demoted or active is False)):
        return
    # Lock every admin row in a fixed order: two admins demoting each other at once
    # serialise here instead of both succeeding.
    admins = (
        Agent.objects.select_for_update(of=("self",))
        .filter(role=Agent.Role.ADMIN)
        .select_related("user")
        .order_by("pk")
    )
    if not any(a.user.is_active for a in admins if a.pk != agent.pk):
        raise InvalidInput.single(
            "role" if demoted else "active",
            "the desk needs at least one active admin: make another agent an admin first",
        )


def _clean_team_fields(track: str, tier: int | None) -> int | None:
    if track not in Track.values:
        raise InvalidInput.single("track", "must be 'service' or 'support'")
    if track == Track.SERVICE:
        return None
    if tier in (None, ""):
        return 1
    try:
        tier = int(tier)
    except (TypeError, ValueError) as error:
        raise InvalidInput.single("tier", "must be 1, 2 or 3") from error
    if tier not in (1, 2, 3):
        raise InvalidInput.single("tier", "must be 1, 2 or 3")
    return tier


@transaction.atomic
def create_team(
    *, name: str, track: str = Track.SERVICE, tier: int | None = None, description: str = ""
) -> Team:
    name = (name or "").strip()
    if not name:
        raise InvalidInput.single("name", "may not be empty")
    if Team.objects.filter(name__iexact=name).exists():
        raise InvalidInput.single("name", "a team with this name already exists")
    tier = _clean_team_fields(track, tier)
    team = Team.objects.create(name=name, track=track, tier=tier, description=description)
    directory.forget_teams()
    return team


@transaction.atomic
def update_team(
    *,
    team: Team,
    name: str | None = None,
    track: str | None = None,
    tier: int | None = None,
    description: str | None = None,
) -> Team:
    if name is not None:
        name = name.strip()
        if not name:
            raise InvalidInput.single("name", "may not be empty")
        if Team.objects.filter(name__iexact=name).exclude(pk=team.pk).exists():
            raise InvalidInput.single("name", "a team with this name already exists")
        team.name = name
    new_track = track if track is not None else team.track
    team.tier = _clean_team_fields(new_track, tier if tier is not None else team.tier)
    team.track = new_track
    if description is not None:
        team.description = description
    team.save()
    directory.forget_teams()
    return team


@transaction.atomic
def delete_team(*, team: Team) -> None:
    team.delete()
    directory.forget_teams()
