"""Contact and organization pages: every agent reads, light agents only read, lists stay cheap."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tandem.core.models import CustomField
from tandem.people import actions as people_actions
from tandem.people import queries
from tandem.people.models import Contact, ContactIdentity, Organization
from tandem.testing import factories
from tandem.tickets import actions as ticket_actions

pytestmark = pytest.mark.django_db


def login(client, agent):
    client.force_login(agent.user)
    return client


def contact_state(contact: Contact) -> tuple:
    contact.refresh_from_db()
    identities = sorted(contact.identities.values_list("kind", "value"))
    return (
        contact.name,
        contact.email,
        contact.organization_id,
        contact.lifecycle,
        contact.notes,
        contact.custom_fields,
        identities,
    )


def organization_state(organization: Organization) -> tuple:
    organization.refresh_from_db()
    return (
        organization.name,
        organization.domains,
        organization.shares_requests,
        organization.plan,
        organization.custom_fields,
    )


@pytest.fixture
def acme(db):
    return factories.make_organization(name="Acme", domains=["acme.test"])


@pytest.fixture
def contact_fields(db):
    ticket_actions.create_custom_field(entity="contact", label="Seats", kind="number", position=1)
    ticket_actions.create_custom_field(entity="contact", label="VIP", kind="checkbox", position=2)
    ticket_actions.create_custom_field(entity="contact", label="Renewal", kind="date", position=3)
    ticket_actions.create_custom_field(
        entity="contact", label="Region", kind="choice", choices="EMEA\nAPAC", position=4
    )
    return list(CustomField.objects.filter(entity="contact"))


# --- who may open what ---------------------------------------------------------------------


@pytest.fixture
def read_pages(customer, acme):
    return [
        reverse("people:contacts"),
        reverse("people:contact", args=[customer.pk]),
        reverse("people:organizations"),
        reverse("people:organization", args=[acme.pk]),
    ]


@pytest.fixture
def edit_pages(customer, acme):
    return [
        reverse("people:contact_create"),
        reverse("people:contact_edit", args=[customer.pk]),
        reverse("people:organization_edit", args=[acme.pk]),
    ]


def test_anonymous_is_sent_to_sign_in(client, read_pages, edit_pages):
    for url in read_pages + edit_pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('core:login')}?next={url}"


@pytest.mark.parametrize("role", ["light_agent", "agent", "admin"])
def test_every_agent_reads_contacts_and_organizations(client, read_pages, role, request):
    login(client, request.getfixturevalue(role))
    for url in read_pages:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_full_agents_open_the_edit_pages(client, edit_pages, role, request):
    login(client, request.getfixturevalue(role))
    for url in edit_pages:
        assert client.get(url).status_code == 200, url


def test_light_agent_cannot_open_edit_pages_and_sees_no_forms(
    client, light_agent, customer, edit_pages
):
    login(client, light_agent)
    for url in edit_pages:
        assert client.get(url).status_code == 403, url
    html = client.get(reverse("people:contact", args=[customer.pk])).content.decode()
    assert reverse("people:contact_edit", args=[customer.pk]) not in html
    assert reverse("people:identity_add", args=[customer.pk]) not in html
    assert reverse("people:contact_delete", args=[customer.pk]) not in html
    listing = client.get(reverse("people:contacts")).content.decode()
    assert reverse("people:contact_create") not in listing
    assert client.get(reverse("people:organizations")).context.get("new_form") is None


def test_light_agent_writes_are_refused_and_change_nothing(client, light_agent, customer, acme):
    identity = customer.identities.get()
    contact_before, organization_before = contact_state(customer), organization_state(acme)
    counts_before = (
        Contact.objects.count(),
        Organization.objects.count(),
        ContactIdentity.objects.count(),
    )
    login(client, light_agent)
    writes = [
        (reverse("people:contact_create"), {"name": "New", "email": "new@example.test"}),
        (
            reverse("people:contact_edit", args=[customer.pk]),
            {"name": "Changed", "lifecycle": "churned"},
        ),
        (reverse("people:identity_add", args=[customer.pk]), {"kind": "phone", "value": "+1 555"}),
        (reverse("people:identity_remove", args=[customer.pk, identity.pk]), {}),
        (reverse("people:contact_delete", args=[customer.pk]), {}),
        (reverse("people:organization_create"), {"name": "Evil Corp"}),
        (reverse("people:organization_edit", args=[acme.pk]), {"name": "Renamed"}),
        (reverse("people:organization_delete", args=[acme.pk]), {}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    assert contact_state(customer) == contact_before
    assert organization_state(acme) == organization_before
    assert (
        Contact.objects.count(),
        Organization.objects.count(),
        ContactIdentity.objects.count(),
    ) == counts_before


def test_anonymous_writes_redirect_and_change_nothing(client, customer):
    before = contact_state(customer)
    response = client.post(reverse("people:contact_edit", args=[customer.pk]), {"name": "X"})
    assert response.status_code == 302
    assert client.post(reverse("people:contact_delete", args=[customer.pk])).status_code == 302
    assert contact_state(customer) == before


def test_missing_contact_and_organization_are_404(client, agent):
    login(client, agent)
    assert client.get(reverse("people:contact", args=[999999])).status_code == 404
    assert client.get(reverse("people:organization", args=[999999])).status_code == 404


# --- the contact list ------------------------------------------------------------------------


def test_contact_list_shows_organization_and_ticket_count(client, agent, acme):
    carol = factories.make_contact(email="carol@acme.test", name="Carol Customer")
    dave = factories.make_contact(email="dave@elsewhere.test", name="Dave Elsewhere")
    factories.make_ticket(contact=carol)
    factories.make_ticket(contact=carol)
    login(client, agent)
    response = client.get(reverse("people:contacts"))
    rows = [
        (c.display_name, c.organization and c.organization.name, c.ticket_count)
        for c in response.context["page"].items
    ]
    assert rows == [("Carol Customer", "Acme", 2), ("Dave Elsewhere", None, 0)]
    html = response.content.decode()
    assert reverse("people:contact", args=[carol.pk]) in html
    assert reverse("people:organization", args=[acme.pk]) in html
    assert dave.email in html


def test_contact_search_matches_the_start_of_name_or_email_in_any_case(client, agent):
    factories.make_contact(email="carol@customer.test", name="Carol Customer")
    factories.make_contact(email="zed@carolina.test", name="Zed")
    factories.make_contact(email="bob@example.test", name="Caroline Bob")
    factories.make_contact(email="mcarol@example.test", name="Mary McCarol")
    login(client, agent)
    names = [
        c.display_name
        for c in client.get(reverse("people:contacts"), {"q": "  CAROL "}).context["page"].items
    ]
    assert names == ["Carol Customer", "Caroline Bob"]
    by_email = client.get(reverse("people:contacts"), {"q": "mcarol@"}).context["page"].items
    assert [c.display_name for c in by_email] == ["Mary McCarol"]
    nothing = client.get(reverse("people:contacts"), {"q": "arol"})
    assert nothing.context["page"].items == []
    assert "starts with “arol”" in nothing.content.decode()


def test_contact_search_by_htmx_returns_only_the_results(client, agent, customer):
    login(client, agent)
    response = client.get(reverse("people:contacts"), {"q": "carol"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<table class="table">')
    assert "Carol Customer" in html
    assert "<html" not in html


def test_contact_list_filters_by_organization(client, agent, acme, customer):
    member = factories.make_contact(email="ann@acme.test", name="Ann")
    login(client, agent)
    response = client.get(reverse("people:contacts"), {"organization": acme.pk})
    assert [c.pk for c in response.context["page"].items] == [member.pk]


def test_contact_pages_follow_a_keyset_cursor_without_overlap(agent):
    for name in ["ann", "Bea", "cid", "Dot", "eve"]:
        factories.make_contact(name=name)
    first = queries.contacts_page(agent, size=2)
    assert [c.name for c in first.items] == ["ann", "Bea"]
    second = queries.contacts_page(agent, size=2, cursor=first.next_cursor)
    assert [c.name for c in second.items] == ["cid", "Dot"]
    third = queries.contacts_page(agent, size=2, cursor=second.next_cursor)
    assert [c.name for c in third.items] == ["eve"]
    assert third.next_cursor is None
    # A tampered cursor shows the first page rather than an error.
    assert [c.name for c in queries.contacts_page(agent, size=2, cursor="%%%").items] == [
        "ann",
        "Bea",
    ]


def test_contact_list_links_the_next_page(client, agent):
    for n in range(queries.PAGE_SIZE + 3):
        factories.make_contact(name=f"Person {n:03d}")
    login(client, agent)
    first = client.get(reverse("people:contacts"))
    cursor = first.context["page"].next_cursor
    assert f"after={cursor}" in first.content.decode()
    second = client.get(reverse("people:contacts"), {"after": cursor})
    assert [c.name for c in second.context["page"].items] == [
        "Person 050",
        "Person 051",
        "Person 052",
    ]


@pytest.mark.parametrize("count", [5, 50])
def test_contact_list_runs_a_fixed_number_of_queries(
    client, agent, acme, count, django_assert_max_num_queries
):
    for n in range(count):
        contact = factories.make_contact(email=f"member{n}@acme.test")
        factories.make_ticket(contact=contact)
    login(client, agent)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("people:contacts"))
    assert len(response.context["page"].items) == count
    with django_assert_max_num_queries(5):
        client.get(reverse("people:contacts"), {"q": "member"})


# --- one contact -------------------------------------------------------------------------


def test_contact_profile_shows_identities_details_and_typed_custom_fields(
    client, agent, acme, contact_fields
):
    contact = factories.make_contact(email="carol@acme.test", name="Carol Customer")
    people_actions.add_identity(contact=contact, kind="phone", value="+1 (555) 010-9999")
    people_actions.update_contact(
        contact=contact,
        plan="Pro",
        language="de",
        time_zone="Europe/Berlin",
        notes="Prefers email.",
        lifecycle="lead",
        custom_fields={"seats": "12", "vip": True, "renewal": "2026-03-01", "region": "EMEA"},
    )
    login(client, agent)
    response = client.get(reverse("people:contact", args=[contact.pk]))
    html = response.content.decode()
    for text in [
        "Carol Customer",
        "carol@acme.test",
        "+15550109999",
        "Phone",
        "primary",
        "Acme",
        "Lead",
        "Pro",
        "Europe/Berlin",
        "Prefers email.",
    ]:
        assert text in html, text
    shown = {v.definition.key: v.display for v in response.context["profile"].custom_fields}
    assert shown == {"seats": 12, "vip": "Yes", "renewal": dt.date(2026, 3, 1), "region": "EMEA"}
    assert "1 Mar 2026" in html


def test_contact_profile_lists_only_tickets_the_agent_may_open(
    client, other_team_agent, customer, ticket, other_team
):
    visible = factories.make_ticket(contact=customer, subject="Invoice question", team=other_team)
    login(client, other_team_agent)
    response = client.get(reverse("people:contact", args=[customer.pk]))
    summary = response.context["profile"].summary
    assert (summary.ticket_count, summary.unsolved_count) == (2, 2)  # lifetime: every ticket
    assert [t.number for t in summary.recent] == [visible.number]
    html = response.content.decode()
    assert "Invoice question" in html
    assert "Cannot log in" not in html
    assert f'href="{reverse("tickets:detail", args=[visible.number])}"' in html
    assert reverse("tickets:detail", args=[ticket.number]) not in html


def test_agent_edits_a_contact_with_typed_custom_fields(
    client, agent, customer, acme, contact_fields
):
    login(client, agent)
    response = client.post(
        reverse("people:contact_edit", args=[customer.pk]),
        {
            "name": "Carol C.",
            "email": "carol@customer.test",
            "organization": acme.pk,
            "lifecycle": "churned",
            "plan": "Free",
            "language": "fr",
            "time_zone": "Europe/Paris",
            "notes": "Left for a competitor",
            "cf_seats": "3.5",
            "cf_vip": "on",
            "cf_renewal": "2025-12-31",
            "cf_region": "APAC",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("people:contact", args=[customer.pk])
    customer.refresh_from_db()
    assert (
        customer.name,
        customer.organization,
        customer.lifecycle,
        customer.plan,
        customer.language,
        customer.time_zone,
        customer.notes,
    ) == ("Carol C.", acme, "churned", "Free", "fr", "Europe/Paris", "Left for a competitor")
    assert customer.custom_fields == {
        "seats": 3.5,
        "vip": True,
        "renewal": "2025-12-31",
        "region": "APAC",
    }
    # Emptied fields are cleared; an unticked checkbox is stored as false.
    client.post(
        reverse("people:contact_edit", args=[customer.pk]),
        {"name": "Carol C.", "lifecycle": "churned", "cf_seats": ""},
    )
    customer.refresh_from_db()
    assert customer.custom_fields == {"vip": False}
    assert customer.email == "carol@customer.test"  # an empty email box changes nothing


def test_contact_edit_errors_show_next_to_the_field_and_save_nothing(
    client, agent, customer, other_customer, contact_fields
):
    before = contact_state(customer)
    login(client, agent)
    response = client.post(
        reverse("people:contact_edit", args=[customer.pk]),
        {
            "name": "Changed",
            "lifecycle": "customer",
            "email": "dave@elsewhere.test",
            "cf_seats": "many",
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {"cf_seats": ["Enter a number."]}
    taken = client.post(
        reverse("people:contact_edit", args=[customer.pk]),
        {
            "name": "Changed",
            "lifecycle": "customer",
            "email": "dave@elsewhere.test",
        },
    )
    assert taken.status_code == 422
    assert taken.context["form"].errors == {
        "email": ["dave@elsewhere.test already belongs to another contact"]
    }
    assert contact_state(customer) == before


def test_a_choice_no_longer_offered_is_reported_not_silently_dropped(
    client, agent, customer, contact_fields
):
    people_actions.update_contact(contact=customer, custom_fields={"region": "EMEA"})
    region = CustomField.objects.get(key="region")
    ticket_actions.update_custom_field(field=region, choices="APAC\nLATAM")
    login(client, agent)
    page = client.get(reverse("people:contact_edit", args=[customer.pk]))
    assert "EMEA (no longer offered)" in page.content.decode()
    response = client.post(
        reverse("people:contact_edit", args=[customer.pk]),
        {"name": "Carol Customer", "lifecycle": "customer", "cf_region": "EMEA"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {"cf_region": ["Region must be one of: APAC, LATAM"]}
    customer.refresh_from_db()
    assert customer.custom_fields == {"region": "EMEA"}


def test_agent_adds_and_removes_identities(client, agent, customer, other_customer):
    login(client, agent)
    response = client.post(
        reverse("people:identity_add", args=[customer.pk]),
        {"kind": "email", "value": "Carol.Work@Customer.test"},
    )
    assert response.status_code == 302
    assert sorted(customer.identities.values_list("kind", "value", "is_primary")) == [
        ("email", "carol.work@customer.test", False),
        ("email", "carol@customer.test", True),
    ]
    taken = client.post(
        reverse("people:identity_add", args=[customer.pk]),
        {"kind": "email", "value": "dave@elsewhere.test"},
    )
    assert taken.status_code == 422
    assert taken.context["identity_form"].errors == {
        "__all__": ["Email: dave@elsewhere.test already belongs to another contact"]
    }
    primary = customer.identities.get(value="carol@customer.test")
    client.post(reverse("people:identity_remove", args=[customer.pk, primary.pk]))
    customer.refresh_from_db()
    assert customer.email == "carol.work@customer.test"
    assert list(customer.identities.values_list("value", "is_primary")) == [
        ("carol.work@customer.test", True)
    ]


def test_removing_another_contacts_identity_is_404(client, agent, customer, other_customer):
    login(client, agent)
    theirs = other_customer.identities.get()
    url = reverse("people:identity_remove", args=[customer.pk, theirs.pk])
    assert client.post(url).status_code == 404
    assert ContactIdentity.objects.filter(pk=theirs.pk).exists()


def test_contact_with_tickets_is_not_deleted_and_the_reason_is_shown(
    client, agent, customer, ticket
):
    login(client, agent)
    response = client.post(reverse("people:contact_delete", args=[customer.pk]), follow=True)
    assert Contact.objects.filter(pk=customer.pk).exists()
    assert (
        "Not deleted: this contact has tickets; merge the contact or delete the tickets "
        "first." in response.content.decode()
    )


def test_contact_without_tickets_is_deleted(client, agent, customer):
    login(client, agent)
    response = client.post(reverse("people:contact_delete", args=[customer.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("people:contacts")
    assert not Contact.objects.filter(pk=customer.pk).exists()
    assert not ContactIdentity.objects.filter(value="carol@customer.test").exists()


def test_agent_creates_a_contact_who_joins_the_organization_of_their_domain(client, agent, acme):
    login(client, agent)
    response = client.post(
        reverse("people:contact_create"), {"name": "Nina New", "email": "nina@acme.test"}
    )
    contact = Contact.objects.get(email="nina@acme.test")
    assert response["Location"] == reverse("people:contact", args=[contact.pk])
    assert (contact.name, contact.organization) == ("Nina New", acme)
    again = client.post(reverse("people:contact_create"), {"email": "nina@acme.test"})
    assert again.status_code == 422
    assert again.context["form"].errors == {
        "email": ["nina@acme.test already belongs to another contact"]
    }


# --- organizations ------------------------------------------------------------------------


def test_organization_list_shows_member_and_ticket_counts_and_searches_by_prefix(
    client, agent, acme
):
    factories.make_organization(name="Globex")
    member = factories.make_contact(email="m@acme.test")
    factories.make_contact(email="n@acme.test")
    factories.make_ticket(contact=member)
    login(client, agent)
    rows = [
        (o.name, o.member_count, o.ticket_count)
        for o in client.get(reverse("people:organizations")).context["page"].items
    ]
    assert rows == [("Acme", 2, 1), ("Globex", 0, 0)]
    found = client.get(reverse("people:organizations"), {"q": "glo"}).context["page"].items
    assert [o.name for o in found] == ["Globex"]


@pytest.mark.parametrize("count", [5, 50])
def test_organization_list_runs_a_fixed_number_of_queries(
    client, agent, count, django_assert_max_num_queries
):
    for n in range(count):
        organization = factories.make_organization(domains=[f"org{n}.test"])
        factories.make_ticket(contact=factories.make_contact(email=f"a@org{n}.test"))
        assert organization.contacts.count() == 1
    login(client, agent)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("people:organizations"))
    assert len(response.context["page"].items) == count


def test_organization_page_shows_details_members_and_only_visible_tickets(
    client, other_team_agent, acme, team, other_team
):
    people_actions.update_organization(
        organization=acme, plan="Enterprise", shares_requests=True, notes="Key account"
    )
    member = factories.make_contact(email="pat@acme.test", name="Pat Member")
    factories.make_ticket(contact=member, subject="Hidden from other team", team=team)
    shown = factories.make_ticket(contact=member, subject="Billing run", team=other_team)
    login(client, other_team_agent)
    response = client.get(reverse("people:organization", args=[acme.pk]))
    profile = response.context["profile"]
    assert [c.pk for c in profile.members] == [member.pk]
    assert (profile.member_count, profile.ticket_count) == (1, 2)
    assert [t.number for t in profile.recent] == [shown.number]
    html = response.content.decode()
    for text in ["acme.test", "Enterprise", "Key account", "Pat Member", "Billing run"]:
        assert text in html, text
    assert "Hidden from other team" not in html


def test_agent_creates_edits_and_deletes_an_organization(client, agent):
    ticket_actions.create_custom_field(
        entity="organization", label="Tier", kind="choice", choices="Gold\nSilver"
    )
    login(client, agent)
    response = client.post(
        reverse("people:organization_create"),
        {
            "name": " Initech ",
            "domains": "Initech.test, @initech.example",
            "plan": "Pro",
            "cf_tier": "Gold",
        },
    )
    organization = Organization.objects.get(name="Initech")
    assert response["Location"] == reverse("people:organization", args=[organization.pk])
    assert organization_state(organization) == (
        "Initech",
        ["initech.example", "initech.test"],
        False,
        "Pro",
        {"tier": "Gold"},
    )
    contact = factories.make_contact(email="peter@initech.test")
    assert contact.organization == organization
    client.post(
        reverse("people:organization_edit", args=[organization.pk]),
        {
            "name": "Initech Ltd",
            "domains": "initech.test",
            "shares_requests": "on",
            "cf_tier": "Silver",
        },
    )
    assert organization_state(organization) == (
        "Initech Ltd",
        ["initech.test"],
        True,
        "",
        {"tier": "Silver"},
    )
    response = client.post(reverse("people:organization_delete", args=[organization.pk]))
    assert response["Location"] == reverse("people:organizations")
    assert not Organization.objects.filter(pk=organization.pk).exists()
    contact.refresh_from_db()
    assert contact.organization is None


def test_organization_form_errors_show_next_to_the_field(client, agent, acme):
    login(client, agent)
    before = organization_state(acme)
    response = client.post(
        reverse("people:organization_edit", args=[acme.pk]),
        {"name": "Acme", "domains": "not-a-domain"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {"domains": ["'not-a-domain' is not a domain name"]}
    assert organization_state(acme) == before
    count = Organization.objects.count()
    empty = client.post(reverse("people:organization_create"), {"name": ""})
    assert empty.status_code == 422
    assert empty.context["new_form"].errors == {"name": ["This field is required."]}
    assert Organization.objects.count() == count


# --- every URL of the app, so a new page cannot forget its permission check -----------------

READ_ONLY_PAGES = {"contacts", "contact", "organizations", "organization"}


@pytest.fixture
def every_people_url(customer, acme):
    from tandem.people import urls

    identity = customer.identities.get()
    args = {
        "contact": [customer.pk],
        "contact_edit": [customer.pk],
        "contact_delete": [customer.pk],
        "identity_add": [customer.pk],
        "identity_remove": [customer.pk, identity.pk],
        "organization": [acme.pk],
        "organization_edit": [acme.pk],
        "organization_delete": [acme.pk],
    }
    return {
        p.name: reverse(f"people:{p.name}", args=args.get(p.name, [])) for p in urls.urlpatterns
    }


def test_every_people_url_sends_anonymous_visitors_to_sign_in(client, every_people_url):
    for name, url in every_people_url.items():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, name
            assert response["Location"].startswith(f"{reverse('core:login')}?next="), name


def test_light_agents_read_every_page_and_write_none(
    client, light_agent, every_people_url, customer, acme
):
    before = (contact_state(customer), organization_state(acme))
    client.force_login(light_agent.user)
    for name, url in every_people_url.items():
        if name in READ_ONLY_PAGES:
            assert client.get(url).status_code == 200, name
        else:
            assert client.get(url).status_code == 403, name
        assert client.post(url).status_code == (405 if name in READ_ONLY_PAGES else 403), name
    assert (contact_state(customer), organization_state(acme)) == before
