"""The people API: contacts with their identities and tickets, and organizations."""

from __future__ import annotations

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.people import actions
from tandem.people.models import Contact, ContactIdentity, Organization
from tandem.testing import factories
from tandem.tickets.actions import create_custom_field

iso = DjangoJSONEncoder().default


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def people_state() -> tuple:
    return (
        list(
            Contact.objects.order_by("id").values_list(
                "id", "name", "email", "organization", "lifecycle", "plan", "custom_fields"
            )
        ),
        list(
            ContactIdentity.objects.order_by("id").values_list(
                "id", "contact", "kind", "value", "is_primary"
            )
        ),
        list(
            Organization.objects.order_by("id").values_list(
                "id", "name", "domains", "plan", "shares_requests"
            )
        ),
    )


@pytest.fixture
def acme(db):
    return factories.make_organization(name="Acme", domains=["acme.test"])


@pytest.fixture
def tier_field(db):
    return create_custom_field(entity="contact", label="Tier", kind="number")


# --- contacts: reading ---------------------------------------------------------


def test_contact_json_in_full(agent_api, acme):
    contact = factories.make_contact(email="ann@acme.test", name="Ann")
    phone = actions.add_identity(contact=contact, kind="phone", value="+1 555 0100")
    email = contact.identities.get(kind="email")

    response = agent_api.get(f"contacts/{contact.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": contact.pk,
        "name": "Ann",
        "email": "ann@acme.test",
        "organization": {"id": acme.pk, "name": "Acme"},
        "lifecycle": "customer",
        "plan": "",
        "language": "",
        "time_zone": "",
        "notes": "",
        "custom_fields": {},
        "identities": [
            {
                "id": email.pk,
                "kind": "email",
                "value": "ann@acme.test",
                "is_primary": True,
                "verified_at": None,
            },
            {
                "id": phone.pk,
                "kind": "phone",
                "value": "+15550100",
                "is_primary": True,
                "verified_at": None,
            },
        ],
        "created_at": iso(contact.created_at),
        "updated_at": iso(contact.updated_at),
        "last_seen_at": None,
        "url": f"http://testserver/api/v1/contacts/{contact.pk}",
    }


def test_unknown_contact_is_404(agent_api):
    response = agent_api.get("contacts/999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_contacts_search_by_name_or_email_prefix(agent_api):
    ann = factories.make_contact(email="ann@one.test", name="Ann Archer")
    bob = factories.make_contact(email="bob@two.test", name="Robert Annan")
    factories.make_contact(email="cy@three.test", name="Cy")

    assert ids(agent_api.get("contacts", {"q": "ann"})) == [ann.pk]
    assert ids(agent_api.get("contacts", {"q": "ROB"})) == [bob.pk]
    assert ids(agent_api.get("contacts", {"q": "Bob@"})) == [bob.pk]
    assert len(ids(agent_api.get("contacts"))) == 3


def test_contacts_page_by_id_keeping_the_search(agent_api):
    made = [factories.make_contact(name=f"Sam {n}").pk for n in range(5)]
    factories.make_contact(name="Other")

    seen, url = [], "/api/v1/contacts?q=sam&limit=2"
    while url:
        page = agent_api.client.get(url, headers=agent_api.headers).json()
        seen += [c["id"] for c in page["items"]]
        url = page["next"]
        assert url is None or "q=sam" in url
    assert seen == made


def test_contacts_bad_cursor_is_422(agent_api):
    response = agent_api.get("contacts", {"cursor": "%%%"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_contacts_cost_the_same_queries_for_5_and_50(
    agent_api, acme, django_assert_max_num_queries
):
    for n in range(50):
        contact = factories.make_contact(email=f"p{n}@acme.test")
        actions.add_identity(contact=contact, kind="phone", value=f"+1555{n:04d}")
    agent_api.get("contacts", {"limit": 1})

    counts = {}
    for size in (5, 50):
        # token, contacts with their organization, identities
        with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as queries:
            assert len(agent_api.get("contacts", {"limit": size}).json()["items"]) == size
        counts[size] = len(queries)
    assert counts[5] == counts[50]


def test_contact_tickets_shows_only_what_the_agent_may_see(
    other_team_api, other_team, customer, ticket
):
    theirs = factories.make_ticket(contact=customer, team=other_team)
    factories.make_ticket()  # someone else's

    response = other_team_api.get(f"contacts/{customer.pk}/tickets")

    assert [t["number"] for t in response.json()["items"]] == [theirs.number]


def test_contact_tickets_page_and_cost_fixed_queries(
    agent_api, customer, team, django_assert_max_num_queries
):
    made = [factories.make_ticket(contact=customer, team=team, tags=["x"]).number for _ in range(6)]
    agent_api.get(f"contacts/{customer.pk}/tickets", {"limit": 1})

    with django_assert_max_num_queries(4):  # token, contact, tickets, tags
        first = agent_api.get(
            f"contacts/{customer.pk}/tickets", {"limit": 4, "sort": "number"}
        ).json()
    second = agent_api.client.get(first["next"], headers=agent_api.headers).json()
    assert [t["number"] for t in first["items"] + second["items"]] == made[::-1]
    assert second["next"] is None


# --- contacts: writing ---------------------------------------------------------


def test_create_contact_with_identities_and_fields(agent_api, acme, tier_field):
    response = agent_api.post(
        "contacts",
        {
            "name": "Dana",
            "email": "Dana@Acme.test",
            "lifecycle": "lead",
            "plan": "pro",
            "identities": [{"kind": "phone", "value": "+44 20 7946 0000"}],
            "custom_fields": {"tier": "2"},
            "notes": "Met at the fair",
        },
    )

    assert response.status_code == 201, response.content
    contact = Contact.objects.get(email="dana@acme.test")
    body = response.json()
    assert body["id"] == contact.pk
    assert body["organization"] == {"id": acme.pk, "name": "Acme"}  # by email domain
    assert (body["lifecycle"], body["plan"], body["custom_fields"], body["notes"]) == (
        "lead",
        "pro",
        {"tier": 2},
        "Met at the fair",
    )
    assert [(i["kind"], i["value"], i["is_primary"]) for i in body["identities"]] == [
        ("email", "dana@acme.test", True),
        ("phone", "+442079460000", True),
    ]


def test_create_contact_with_an_explicit_organization_or_none(agent_api, acme):
    other = factories.make_organization(name="Other")
    first = agent_api.post("contacts", {"email": "e@acme.test", "organization": other.pk})
    second = agent_api.post("contacts", {"email": "f@acme.test", "organization": None})

    assert first.json()["organization"]["id"] == other.pk
    assert second.json()["organization"] is None


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({}, "email", "a contact needs a name, an email or an identity"),
        ({"email": "nope"}, "email", "is not a valid email address"),
        (
            {"email": "carol@customer.test"},
            "email",
            "carol@customer.test already belongs to another contact",
        ),
        (
            {"name": "X", "identities": [{"kind": "phone", "value": "abc"}]},
            "identities[0].value",
            "may not be empty",
        ),
        (
            {"name": "X", "identities": [{"kind": "pager", "value": "1"}]},
            "identities[0].kind",
            "Input should be 'email', 'phone', 'chat', 'twitter', 'facebook', 'whatsapp'"
            " or 'other'",
        ),
        ({"name": "X", "organization": 999}, "organization", "no such organization"),
        (
            {"name": "X", "lifecycle": "vip"},
            "lifecycle",
            "Input should be 'lead', 'customer' or 'churned'",
        ),
        (
            {"name": "X", "custom_fields": {"tier": "high"}},
            "custom_fields.tier",
            "Tier must be a number",
        ),
    ],
)
def test_create_contact_refusal_names_the_field(
    agent_api, customer, tier_field, payload, field, message
):
    before = people_state()

    response = agent_api.post("contacts", payload)

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert people_state() == before


def test_patch_contact_changes_only_what_is_sent(agent_api, customer, acme):
    response = agent_api.patch(
        f"contacts/{customer.pk}",
        {
            "plan": "enterprise",
            "email": "carol@new.test",
            "organization": acme.pk,
        },
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.plan, customer.email, customer.organization) == (
        "Carol Customer",
        "enterprise",
        "carol@new.test",
        acme,
    )
    assert [(i["value"], i["is_primary"]) for i in response.json()["identities"]] == [
        ("carol@new.test", True),
        ("carol@customer.test", False),
    ]

    cleared = agent_api.patch(f"contacts/{customer.pk}", {"organization": None})
    assert cleared.json()["organization"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "dave@elsewhere.test"}, "email"),
        ({"email": "bad"}, "email"),
        ({"name": None}, "name"),
        ({"organization": 999}, "organization"),
        ({"lifecycle": "gone"}, "lifecycle"),
        ({"nickname": "C"}, "nickname"),
    ],
)
def test_patch_contact_refusal_changes_nothing(agent_api, customer, other_customer, payload, field):
    before = people_state()

    response = agent_api.patch(f"contacts/{customer.pk}", payload)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert people_state() == before


def test_delete_contact_without_tickets(agent_api):
    lonely = actions.create_contact(name="Lonely")

    response = agent_api.delete(f"contacts/{lonely.pk}")

    assert response.status_code == 204
    assert not Contact.objects.filter(pk=lonely.pk).exists()


def test_contact_with_tickets_cannot_be_deleted(agent_api, ticket, customer):
    before = people_state()

    response = agent_api.delete(f"contacts/{customer.pk}")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "contact",
            "message": "has tickets; merge the contact or delete the tickets first",
        }
    ]
    assert people_state() == before


def test_add_and_remove_identities(agent_api, customer):
    added = agent_api.post(
        f"contacts/{customer.pk}/identities", {"kind": "email", "value": "Carol@Home.test"}
    )

    assert added.status_code == 201
    identity = ContactIdentity.objects.get(pk=added.json()["id"])
    assert added.json() == {
        "id": identity.pk,
        "kind": "email",
        "value": "carol@home.test",
        "is_primary": False,
        "verified_at": None,
    }

    primary = customer.identities.get(is_primary=True)
    removed = agent_api.delete(f"contacts/{customer.pk}/identities/{primary.pk}")

    assert removed.status_code == 204
    customer.refresh_from_db()
    assert customer.email == "carol@home.test"
    identity.refresh_from_db()
    assert identity.is_primary


def test_identity_already_taken_is_422_naming_value(agent_api, customer, other_customer):
    before = people_state()

    response = agent_api.post(
        f"contacts/{customer.pk}/identities", {"kind": "email", "value": "dave@elsewhere.test"}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "value",
            "message": "dave@elsewhere.test already belongs to another contact",
        }
    ]
    assert people_state() == before


def test_identity_of_another_contact_is_404(agent_api, customer, other_customer):
    theirs = other_customer.identities.get()
    before = people_state()

    response = agent_api.delete(f"contacts/{customer.pk}/identities/{theirs.pk}")

    assert response.status_code == 404
    assert people_state() == before


def test_light_agent_reads_contacts_but_cannot_change_them(light_api, customer, acme):
    assert light_api.get(f"contacts/{customer.pk}").status_code == 200
    before = people_state()
    identity = customer.identities.get()

    for response in (
        light_api.post("contacts", {"name": "New"}),
        light_api.patch(f"contacts/{customer.pk}", {"plan": "x"}),
        light_api.delete(f"contacts/{customer.pk}"),
        light_api.post(f"contacts/{customer.pk}/identities", {"kind": "phone", "value": "1"}),
        light_api.delete(f"contacts/{customer.pk}/identities/{identity.pk}"),
        light_api.post("organizations", {"name": "New"}),
        light_api.patch(f"organizations/{acme.pk}", {"plan": "x"}),
        light_api.delete(f"organizations/{acme.pk}"),
    ):
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Light agents can read customers and organizations, not change them."
        }
    assert people_state() == before


# --- organizations -------------------------------------------------------------


def test_organization_json_search_and_pages(agent_api, acme):
    factories.make_organization(name="Acme Labs")
    factories.make_organization(name="Globex")

    response = agent_api.get(f"organizations/{acme.pk}")

    assert response.json() == {
        "id": acme.pk,
        "name": "Acme",
        "domains": ["acme.test"],
        "shares_requests": False,
        "plan": "",
        "notes": "",
        "custom_fields": {},
        "created_at": iso(acme.created_at),
        "updated_at": iso(acme.updated_at),
        "url": f"http://testserver/api/v1/organizations/{acme.pk}",
    }
    first = agent_api.get("organizations", {"q": "acme", "limit": 1}).json()
    second = agent_api.client.get(first["next"], headers=agent_api.headers).json()
    assert [o["name"] for o in first["items"] + second["items"]] == ["Acme", "Acme Labs"]
    assert second["next"] is None
    assert agent_api.get("organizations/999").status_code == 404


def test_create_and_patch_organization(agent_api):
    created = agent_api.post(
        "organizations",
        {"name": " Initech ", "domains": ["@Initech.test"], "shares_requests": True},
    )

    assert created.status_code == 201
    organization = Organization.objects.get()
    assert (organization.name, organization.domains, organization.shares_requests) == (
        "Initech",
        ["initech.test"],
        True,
    )

    patched = agent_api.patch(f"organizations/{organization.pk}", {"plan": "gold"})

    assert patched.status_code == 200
    assert (patched.json()["plan"], patched.json()["name"]) == ("gold", "Initech")


@pytest.mark.parametrize(
    ("method", "payload", "field"),
    [
        ("post", {"name": "  "}, "name"),
        ("post", {"name": "X", "domains": ["nodot"]}, "domains"),
        ("post", {}, "name"),
        ("patch", {"name": ""}, "name"),
        ("patch", {"domains": "acme.test"}, "domains"),
        ("patch", {"shares_requests": None}, "shares_requests"),
    ],
)
def test_organization_refusal_names_the_field(agent_api, acme, method, payload, field):
    before = people_state()
    path = "organizations" if method == "post" else f"organizations/{acme.pk}"

    response = getattr(agent_api, method)(path, payload)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert people_state() == before


def test_deleting_an_organization_keeps_its_contacts(agent_api, acme):
    member = factories.make_contact(email="m@acme.test")
    assert member.organization == acme

    response = agent_api.delete(f"organizations/{acme.pk}")

    assert response.status_code == 204
    member.refresh_from_db()
    assert member.organization is None


def test_organization_contacts(agent_api, acme):
    members = [factories.make_contact(email=f"m{n}@acme.test").pk for n in range(3)]
    factories.make_contact(email="x@elsewhere.test")

    assert ids(agent_api.get(f"organizations/{acme.pk}/contacts")) == members
    assert agent_api.get("organizations/999/contacts").status_code == 404
