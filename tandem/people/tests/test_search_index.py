"""Contacts and organizations are searchable by name and identities as the actions write them."""

import pytest

from tandem.core import search
from tandem.core.search.maintenance import rebuild
from tandem.people import actions
from tandem.people.models import ContactIdentity

pytestmark = [pytest.mark.db_facing, pytest.mark.django_db]


def hits(text, kind):
    return [hit.key for hit in search.query(text, kinds=[kind]).hits]


def test_contact_is_found_by_name_email_and_phone():
    contact = actions.create_contact(
        email="Greta.Lindqvist@Nordic.test",
        name="Greta Lindqvist",
        identities=[(ContactIdentity.Kind.PHONE, "+46 8 123 456")],
    )
    assert hits("lindqvist", "contact") == [contact.pk]
    assert hits("greta.lindqvist@nordic.test", "contact") == [contact.pk]
    assert hits("lindq*", "contact") == [contact.pk]
    [phone] = contact.identities.filter(kind=ContactIdentity.Kind.PHONE)
    assert hits(phone.value, "contact") == [contact.pk]


def test_contact_changes_reach_the_index():
    contact = actions.find_or_create_contact(email="sam@harbor.test")
    assert hits("samuel", "contact") == []
    actions.update_contact(contact=contact, name="Samuel Harbor")
    assert hits("samuel", "contact") == [contact.pk]
    identity = actions.add_identity(contact=contact, kind="email", value="s.harbor@pier.test")
    assert hits("pier", "contact") == [contact.pk]
    actions.remove_identity(identity=identity)
    assert hits("pier", "contact") == []
    actions.delete_contact(contact=contact)
    assert hits("samuel", "contact") == []


def test_organization_is_found_by_name_and_domain_until_deleted():
    organization = actions.create_organization(name="Fjord Logistics", domains=["fjord.test"])
    assert hits("fjord.test", "organization") == [organization.pk]
    actions.update_organization(organization=organization, name="Fjord Freight")
    assert hits("freight", "organization") == [organization.pk]
    assert hits("logistics", "organization") == []
    actions.delete_organization(organization=organization)
    assert hits("freight", "organization") == []


def test_rebuild_restores_contacts_and_organizations():
    contact = actions.create_contact(email="ines@olive.test", name="Ines Oliveira")
    organization = actions.create_organization(name="Olive Grove", domains=["olive.test"])
    search.remove_kind("contact")
    search.remove_kind("organization")
    assert rebuild(["contact", "organization"]) == {"contact": 1, "organization": 1}
    assert hits("oliveira", "contact") == [contact.pk]
    assert hits("grove", "organization") == [organization.pk]
