"""Contacts (name, emails, phones, handles) and organizations (name, domains) in search.

The people actions call these inside their transaction, so the index changes with them.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import reverse

from tandem.core import search
from tandem.core.search.models import SearchDocument
from tandem.people.models import Contact, ContactIdentity, Organization

CONTACT = "contact"
ORGANIZATION = "organization"
BATCH = 1000


def contact_document(contact: Contact, identities: list[str]) -> search.Document:
    values = list(dict.fromkeys([contact.email, *identities]))
    return search.Document(
        kind=CONTACT,
        key=contact.pk,
        title=contact.name or contact.email or (values[0] if values else f"Contact {contact.pk}"),
        body="\n".join(value for value in values if value),
        facets={"lifecycle": contact.lifecycle},
        updated_at=contact.updated_at,
    )


def organization_document(organization: Organization) -> search.Document:
    return search.Document(
        kind=ORGANIZATION,
        key=organization.pk,
        title=organization.name,
        body="\n".join(organization.domains or []),
        facets={"plan": organization.plan},
        updated_at=organization.updated_at,
    )


def index_contact(contact: Contact) -> None:
    identities = ContactIdentity.objects.filter(contact_id=contact.pk).order_by("-is_primary", "id")
    search.index_documents(
        [contact_document(contact, list(identities.values_list("value", flat=True)))]
    )


def remove_contact(contact_id: int) -> None:
    search.remove_document(kind=CONTACT, key=contact_id)


def index_organization(organization: Organization) -> None:
    search.index_documents([organization_document(organization)])


def remove_organization(organization_id: int) -> None:
    search.remove_document(kind=ORGANIZATION, key=organization_id)


def contact_documents(contacts: QuerySet[Contact]) -> Iterator[search.Document]:
    identities = Prefetch(
        "identities", queryset=ContactIdentity.objects.order_by("-is_primary", "id")
    )
    ordered = contacts.order_by("pk").prefetch_related(identities)
    last = 0
    while batch := list(ordered.filter(pk__gt=last)[:BATCH]):
        last = batch[-1].pk
        for contact in batch:
            yield contact_document(contact, [i.value for i in contact.identities.all()])


def organization_documents(organizations: QuerySet[Organization]) -> Iterator[search.Document]:
    for organization in organizations.order_by("pk").iterator(chunk_size=BATCH):
        yield organization_document(organization)


def _source(kind: str, model, label: str, page: str, documents_of) -> search.Source:
    def stale(limit: int):
        current = SearchDocument.objects.filter(
            kind=kind, key=OuterRef("pk"), updated_at__gte=OuterRef("updated_at")
        )
        missing = model.objects.filter(~Exists(current)).values_list("pk", flat=True)[:limit]
        return documents_of(model.objects.filter(pk__in=list(missing)))

    return search.Source(
        kind=kind,
        count=model.objects.count,
        documents=lambda: documents_of(model.objects.all()),
        stale=stale,
        label=label,
        url=lambda pk: reverse(page, args=[pk]),
    )


def sources() -> list[search.Source]:
    return [
        _source(CONTACT, Contact, "Contact", "people:contact", contact_documents),
        _source(
            ORGANIZATION,
            Organization,
            "Organization",
            "people:organization",
            organization_documents,
        ),
    ]
