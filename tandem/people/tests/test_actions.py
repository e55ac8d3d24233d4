import pytest

from tandem.core.errors import InvalidInput
from tandem.people import actions
from tandem.people.models import Agent, Contact, ContactIdentity, Team
from tandem.testing.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_find_or_create_contact_is_idempotent_and_case_blind():
    first = actions.find_or_create_contact(email="Carol@Example.TEST", name="Carol")
    again = actions.find_or_create_contact(email="carol@example.test ", name="Someone else")
    assert first == again and again.name == "Carol"
    assert first.email == "carol@example.test"
    assert ContactIdentity.objects.get().is_primary


def test_new_contact_joins_organization_by_mail_domain():
    org = actions.create_organization(name="Acme", domains="acme.test, @ACME.example")
    assert org.domains == ["acme.example", "acme.test"]
    assert actions.find_or_create_contact(email="x@acme.example").organization == org
    assert actions.find_or_create_contact(email="x@other.test").organization is None


def test_bad_email_is_a_field_error():
    with pytest.raises(InvalidInput) as caught:
        actions.find_or_create_contact(email="not an email")
    assert caught.value.errors[0].field == "email"
    assert Contact.objects.count() == 0


def test_contact_with_several_identities_and_one_owner_per_identity():
    contact = actions.create_contact(
        email="pat@example.test",
        name="Pat",
        identities=[("phone", "+44 20 7946 0000"), ("twitter", "@pat")],
    )
    assert sorted(contact.identities.values_list("kind", "value")) == [
        ("email", "pat@example.test"),
        ("phone", "+442079460000"),
        ("twitter", "@pat"),
    ]
    with pytest.raises(InvalidInput) as caught:
        actions.create_contact(email="other@example.test", identities=[("phone", "+442079460000")])
    assert "already belongs" in caught.value.errors[0].message
    assert Contact.objects.count() == 1


def test_changing_email_moves_primary_identity():
    contact = actions.create_contact(email="old@example.test", name="Sam")
    actions.update_contact(contact=contact, email="New@Example.test")
    contact.refresh_from_db()
    assert contact.email == "new@example.test"
    primary = contact.identities.get(is_primary=True, kind="email")
    assert primary.value == "new@example.test"
    assert actions.find_or_create_contact(email="old@example.test") == contact


def test_removing_primary_email_promotes_the_next():
    contact = actions.create_contact(email="a@example.test")
    actions.add_identity(contact=contact, kind="email", value="b@example.test")
    actions.remove_identity(identity=contact.identities.get(value="a@example.test"))
    contact.refresh_from_db()
    assert contact.email == "b@example.test"
    assert contact.identities.get().is_primary


def test_contact_with_tickets_cannot_be_deleted():
    ticket = make_ticket()
    with pytest.raises(InvalidInput):
        actions.delete_contact(contact=ticket.contact)
    assert Contact.objects.filter(pk=ticket.contact_id).exists()


def test_contact_custom_fields_are_typed():
    from tandem.tickets.actions import create_custom_field

    create_custom_field(entity="contact", label="Seats", kind="number")
    contact = actions.create_contact(email="c@example.test", custom_fields={"seats": "40"})
    assert contact.custom_fields == {"seats": 40}
    with pytest.raises(InvalidInput):
        actions.update_contact(contact=contact, custom_fields={"seats": "lots"})
    contact.refresh_from_db()
    assert contact.custom_fields == {"seats": 40}


def test_teams_have_tiers_only_on_support_track():
    service = actions.create_team(name="Billing", track="service", tier=2)
    assert service.tier is None
    support = actions.create_team(name="Tier 2", track="support", tier=2)
    assert support.tier == 2
    with pytest.raises(InvalidInput):
        actions.create_team(name="Tier 9", track="support", tier=9)
    with pytest.raises(InvalidInput):
        actions.create_team(name="billing", track="service")
    assert Team.objects.count() == 2


def test_create_agent_roles_and_light_agents_are_team_restricted():
    light = actions.create_agent(email="eng@desk.test", role="light", password="long-password-1")
    assert light.ticket_access == Agent.Access.TEAMS and not light.can_reply_publicly
    admin = actions.create_agent(email="boss@desk.test", role="admin")
    assert admin.user.is_staff and admin.sees_all_tickets and not admin.user.has_usable_password()
    with pytest.raises(InvalidInput):
        actions.create_agent(email="BOSS@desk.test")
    actions.update_agent(agent=light, role="agent", ticket_access="all", active=False)
    light.refresh_from_db()
    assert light.sees_all_tickets and not light.user.is_active


def test_the_last_active_admin_cannot_be_demoted_or_deactivated():
    only = actions.create_agent(email="root@desk.test", role="admin")
    for change in ({"role": "agent"}, {"active": False}):
        with pytest.raises(InvalidInput) as caught:
            actions.update_agent(agent=only, **change)
        assert "at least one active admin" in caught.value.errors[0].message
    only.refresh_from_db()
    assert only.role == "admin" and only.user.is_active
    second = actions.create_agent(email="second@desk.test", role="admin")
    actions.update_agent(agent=only, role="agent")
    with pytest.raises(InvalidInput):
        actions.update_agent(agent=second, active=False)
