"""The people router: contacts (customers) with their identities and tickets, and organizations.

Every agent may read them; changing them takes a write token of an agent or admin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Status

from tandem.api.auth import agent_of, require_full_agent
from tandem.api.errors import renamed, responses
from tandem.api.schemas import (
    InputSchema,
    OrganizationRef,
    OutputSchema,
    PageParams,
    api_url,
    cursor_position,
    organization_ref,
    page,
)
from tandem.core.errors import FieldError, InvalidInput
from tandem.people import actions
from tandem.people.models import Contact, ContactIdentity, Organization
from tandem.tickets.api_schemas import SortName, TicketPage, ticket_out
from tandem.tickets.queries import (
    SORTS,
    encode_cursor,
    keyset_page,
    tickets_visible_to,
    with_list_relations,
)

router = Router()

LifecycleName = Literal[tuple(Contact.Lifecycle.values)]
IdentityKind = Literal[tuple(ContactIdentity.Kind.values)]


# --- schemas -------------------------------------------------------------------


class IdentityIn(InputSchema):
    kind: IdentityKind
    value: str = Field(max_length=254)


class IdentityOut(OutputSchema):
    id: int
    kind: IdentityKind
    value: str
    is_primary: bool
    verified_at: dt.datetime | None


class ContactCreateIn(InputSchema):
    name: str = Field("", max_length=200)
    email: str | None = Field(None, max_length=254, description="The primary email identity.")
    identities: list[IdentityIn] = []
    organization: int | None = Field(None, description="Defaults to the email domain's.")
    lifecycle: LifecycleName = Contact.Lifecycle.CUSTOMER.value
    plan: str = Field("", max_length=60)
    language: str = Field("", max_length=16)
    time_zone: str = Field("", max_length=64)
    notes: str = ""
    custom_fields: dict[str, Any] = {}


# Absent keys stay unchanged; keys that cannot be cleared refuse null (see TicketPatchIn).
class ContactPatchIn(InputSchema):
    name: str = Field(None, max_length=200)
    email: str = Field(None, max_length=254)
    organization: int | None = Field(None, description="null removes the organization.")
    lifecycle: LifecycleName = None
    plan: str = Field(None, max_length=60)
    language: str = Field(None, max_length=16)
    time_zone: str = Field(None, max_length=64)
    notes: str = None
    custom_fields: dict[str, Any] = None


class ContactOut(OutputSchema):
    id: int
    name: str
    email: str
    organization: OrganizationRef | None
    lifecycle: LifecycleName
    plan: str
    language: str
    time_zone: str
    notes: str
    custom_fields: dict[str, Any]
    identities: list[IdentityOut]
    created_at: dt.datetime
    updated_at: dt.datetime
    last_seen_at: dt.datetime | None
    url: str


class ContactPage(OutputSchema):
    items: list[ContactOut]
    next: str | None


class OrganizationCreateIn(InputSchema):
    name: str = Field(max_length=200)
    domains: list[str] = []
    shares_requests: bool = False
    plan: str = Field("", max_length=60)
    notes: str = ""
    custom_fields: dict[str, Any] = {}


class OrganizationPatchIn(InputSchema):
    name: str = Field(None, max_length=200)
    domains: list[str] = None
    shares_requests: bool = None
    plan: str = Field(None, max_length=60)
    notes: str = None
    custom_fields: dict[str, Any] = None


class OrganizationOut(OutputSchema):
    id: int
    name: str
    domains: list[str]
    shares_requests: bool
    plan: str
    notes: str
    custom_fields: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    url: str


class OrganizationPage(OutputSchema):
    items: list[OrganizationOut]
    next: str | None


class SearchParams(PageParams):
    q: str = Field("", description="Prefix of the name (or, for contacts, of the email).")


class ContactTicketParams(PageParams):
    sort: SortName = "updated"


def _identity_out(identity: ContactIdentity) -> dict[str, Any]:
    return {
        "id": identity.pk,
        "kind": identity.kind,
        "value": identity.value,
        "is_primary": identity.is_primary,
        "verified_at": identity.verified_at,
    }


def _contact_out(request: HttpRequest, contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "name": contact.name,
        "email": contact.email,
        "organization": organization_ref(contact.organization),
        "lifecycle": contact.lifecycle,
        "plan": contact.plan,
        "language": contact.language,
        "time_zone": contact.time_zone,
        "notes": contact.notes,
        "custom_fields": contact.custom_fields,
        "identities": [_identity_out(i) for i in contact.identities.all()],
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
        "last_seen_at": contact.last_seen_at,
        "url": api_url(request, f"contacts/{contact.pk}"),
    }


def _organization_out(request: HttpRequest, organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.pk,
        "name": organization.name,
        "domains": organization.domains,
        "shares_requests": organization.shares_requests,
        "plan": organization.plan,
        "notes": organization.notes,
        "custom_fields": organization.custom_fields,
        "created_at": organization.created_at,
        "updated_at": organization.updated_at,
        "url": api_url(request, f"organizations/{organization.pk}"),
    }


# --- reads ---------------------------------------------------------------------


def _contacts() -> QuerySet[Contact]:
    """What a contact's JSON shows, in two queries whatever the page size."""
    return Contact.objects.select_related("organization").prefetch_related("identities")


def _contact(pk: int) -> Contact:
    return get_object_or_404(_contacts(), pk=pk)


def _by_id_page(queryset: QuerySet, params: PageParams) -> tuple[list, str | None]:
    """A keyset page in id order: the cursor is the last id, so any page costs the first."""
    if params.cursor:
        _, last_id = cursor_position(params.cursor, "id")
        queryset = queryset.filter(pk__gt=last_id)
    rows = list(queryset.order_by("pk")[: params.limit + 1])
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    return rows, encode_cursor(rows[-1].pk, rows[-1].pk)


def _organization_id(pk: int | None, errors: list[FieldError]) -> Organization | None:
    if pk is None:
        return None
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        errors.append(FieldError("organization", "no such organization"))
    return organization


# --- contacts ------------------------------------------------------------------


@router.get(
    "/contacts",
    response={200: ContactPage, **responses(401, 422)},
    tags=["contacts"],
    url_name="contacts",
)
def list_contacts(request: HttpRequest, params: Query[SearchParams]):
    contacts = _contacts()
    q = params.q.strip()
    if q:
        contacts = contacts.filter(Q(name__istartswith=q) | Q(email__startswith=q.lower()))
    rows, next_cursor = _by_id_page(contacts, params)
    return page(request, [_contact_out(request, c) for c in rows], next_cursor)


@router.post(
    "/contacts", response={201: ContactOut, **responses(400, 401, 403, 422)}, tags=["contacts"]
)
def create_contact(request: HttpRequest, payload: ContactCreateIn):
    require_full_agent(request)
    fields = payload.dict(exclude_unset=True)
    errors: list[FieldError] = []
    if "organization" in fields:
        fields["organization"] = _organization_id(fields["organization"], errors)
    if errors:
        raise InvalidInput(errors)
    fields["identities"] = [(i["kind"], i["value"]) for i in fields.get("identities", [])]
    contact = actions.create_contact(**fields)
    return Status(201, _contact_out(request, _contact(contact.pk)))


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactOut, **responses(401, 404)},
    tags=["contacts"],
    url_name="contact",
)
def get_contact(request: HttpRequest, contact_id: int):
    return _contact_out(request, _contact(contact_id))


@router.patch(
    "/contacts/{contact_id}",
    response={200: ContactOut, **responses(400, 401, 403, 404, 422)},
    tags=["contacts"],
)
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatchIn):
    contact = _contact(contact_id)
    require_full_agent(request)
    fields = payload.dict(exclude_unset=True)
    errors: list[FieldError] = []
    if "organization" in fields:
        fields["organization"] = _organization_id(fields["organization"], errors)
    if errors:
        raise InvalidInput(errors)
    if fields:
        actions.update_contact(contact=contact, **fields)
    return _contact_out(request, _contact(contact_id))


@router.delete(
    "/contacts/{contact_id}",
    response={204: None, **responses(401, 403, 404, 422)},
    tags=["contacts"],
)
def delete_contact(request: HttpRequest, contact_id: int):
    """Only a contact without tickets can go."""
    contact = get_object_or_404(Contact, pk=contact_id)
    require_full_agent(request)
    actions.delete_contact(contact=contact)
    return Status(204, None)


@router.get(
    "/contacts/{contact_id}/tickets",
    response={200: TicketPage, **responses(401, 404, 422)},
    tags=["contacts"],
)
def contact_tickets(request: HttpRequest, contact_id: int, params: Query[ContactTicketParams]):
    """The contact's tickets that the token's agent may see."""
    contact = get_object_or_404(Contact, pk=contact_id)
    tickets = with_list_relations(tickets_visible_to(agent_of(request)).filter(contact=contact))
    if params.cursor:
        cursor_position(params.cursor, SORTS[params.sort][0])
    result = keyset_page(tickets, sort=params.sort, cursor=params.cursor, size=params.limit)
    return page(request, [ticket_out(request, t) for t in result.items], result.next_cursor)


@router.post(
    "/contacts/{contact_id}/identities",
    response={201: IdentityOut, **responses(400, 401, 403, 404, 422)},
    tags=["contacts"],
)
def add_identity(request: HttpRequest, contact_id: int, payload: IdentityIn):
    contact = get_object_or_404(Contact, pk=contact_id)
    require_full_agent(request)
    try:
        identity = actions.add_identity(contact=contact, kind=payload.kind, value=payload.value)
    except InvalidInput as error:
        # The action names a taken value after its kind; here the client sent it as `value`.
        raise renamed(error, {"email": "value", "identities": "value"}) from None
    return Status(201, _identity_out(identity))


@router.delete(
    "/contacts/{contact_id}/identities/{identity_id}",
    response={204: None, **responses(401, 403, 404)},
    tags=["contacts"],
)
def remove_identity(request: HttpRequest, contact_id: int, identity_id: int):
    identity = get_object_or_404(
        ContactIdentity.objects.select_related("contact"), pk=identity_id, contact_id=contact_id
    )
    require_full_agent(request)
    actions.remove_identity(identity=identity)
    return Status(204, None)


# --- organizations -------------------------------------------------------------


@router.get(
    "/organizations",
    response={200: OrganizationPage, **responses(401, 422)},
    tags=["organizations"],
    url_name="organizations",
)
def list_organizations(request: HttpRequest, params: Query[SearchParams]):
    organizations = Organization.objects.all()
    if params.q.strip():
        organizations = organizations.filter(name__istartswith=params.q.strip())
    rows, next_cursor = _by_id_page(organizations, params)
    return page(request, [_organization_out(request, o) for o in rows], next_cursor)


@router.post(
    "/organizations",
    response={201: OrganizationOut, **responses(400, 401, 403, 422)},
    tags=["organizations"],
)
def create_organization(request: HttpRequest, payload: OrganizationCreateIn):
    require_full_agent(request)
    organization = actions.create_organization(**payload.dict())
    return Status(201, _organization_out(request, organization))


@router.get(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, **responses(401, 404)},
    tags=["organizations"],
    url_name="organization",
)
def get_organization(request: HttpRequest, organization_id: int):
    return _organization_out(request, get_object_or_404(Organization, pk=organization_id))


@router.patch(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, **responses(400, 401, 403, 404, 422)},
    tags=["organizations"],
)
def update_organization(request: HttpRequest, organization_id: int, payload: OrganizationPatchIn):
    organization = get_object_or_404(Organization, pk=organization_id)
    require_full_agent(request)
    fields = payload.dict(exclude_unset=True)
    if fields:
        organization = actions.update_organization(organization=organization, **fields)
    return _organization_out(request, organization)


@router.delete(
    "/organizations/{organization_id}",
    response={204: None, **responses(401, 403, 404)},
    tags=["organizations"],
)
def delete_organization(request: HttpRequest, organization_id: int):
    """Its contacts and tickets stay, without an organization."""
    organization = get_object_or_404(Organization, pk=organization_id)
    require_full_agent(request)
    actions.delete_organization(organization=organization)
    return Status(204, None)


@router.get(
    "/organizations/{organization_id}/contacts",
    response={200: ContactPage, **responses(401, 404, 422)},
    tags=["organizations"],
)
def organization_contacts(request: HttpRequest, organization_id: int, params: Query[PageParams]):
    organization = get_object_or_404(Organization, pk=organization_id)
    rows, next_cursor = _by_id_page(_contacts().filter(organization=organization), params)
    return page(request, [_contact_out(request, c) for c in rows], next_cursor)
