"""The tags and custom-fields settings pages: admins only, exact effects, fixed query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.core.models import CustomField
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import Tag

pytestmark = pytest.mark.django_db


def login(client, agent):
    client.force_login(agent.user)
    return client


def field_state(field: CustomField) -> tuple:
    field.refresh_from_db()
    return (
        field.key,
        field.label,
        field.kind,
        field.choices,
        field.required,
        field.position,
        field.active,
    )


@pytest.fixture
def billing_tag(db):
    return actions.create_tag(name="billing")


@pytest.fixture
def plan_field(db):
    return actions.create_custom_field(
        entity="ticket", label="Plan", kind="choice", choices="Free\nPro", position=2
    )


@pytest.fixture
def pages(billing_tag, plan_field):
    return [
        reverse("settings:tags"),
        reverse("settings:fields_entity", args=["ticket"]),
        reverse("settings:fields_entity", args=["contact"]),
        reverse("settings:fields_entity", args=["organization"]),
        reverse("settings:field_edit", args=[plan_field.pk]),
    ]


# --- who may open the pages ------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_from_every_page(client, pages):
    for url in pages + [reverse("settings:fields")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('core:login')}?next={url}"


@pytest.mark.parametrize("role", ["light_agent", "agent"])
def test_non_admins_get_403_on_every_page(client, pages, role, request):
    login(client, request.getfixturevalue(role))
    for url in pages + [reverse("settings:fields")]:
        assert client.get(url).status_code == 403, url


def test_admin_opens_every_page(client, pages, admin):
    login(client, admin)
    for url in pages:
        assert client.get(url).status_code == 200, url
    response = client.get(reverse("settings:fields"))
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:fields_entity", args=["ticket"])


def test_unknown_entity_is_404(client, admin):
    login(client, admin)
    assert client.get(reverse("settings:fields_entity", args=["planet"])).status_code == 404


@pytest.mark.parametrize("role", ["light_agent", "agent"])
def test_non_admin_writes_are_refused_and_change_nothing(
    client, role, request, billing_tag, plan_field, ticket
):
    actions.update_ticket(
        actor=request.getfixturevalue("as_agent"), ticket=ticket, tags=["billing"]
    )
    login(client, request.getfixturevalue(role))
    before = field_state(plan_field)
    writes = [
        (reverse("settings:tags"), {"name": "sneaky"}),
        (reverse("settings:tag_delete", args=[billing_tag.pk]), {}),
        (
            reverse("settings:fields_entity", args=["ticket"]),
            {"label": "X", "kind": "text", "position": "0"},
        ),
        (
            reverse("settings:field_edit", args=[plan_field.pk]),
            {"label": "Hacked", "position": "9", "choices": "A"},
        ),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    assert list(Tag.objects.values_list("name", flat=True)) == ["billing"]
    assert list(ticket.tags.values_list("name", flat=True)) == ["billing"]
    assert CustomField.objects.count() == 1
    assert field_state(plan_field) == before


# --- tags ---------------------------------------------------------------------------------


def test_tag_list_shows_each_tags_ticket_count(client, admin, as_agent, billing_tag):
    actions.create_tag(name="unused")
    for _ in range(3):
        actions.update_ticket(actor=as_agent, ticket=factories.make_ticket(), tags=["billing"])
    login(client, admin)
    response = client.get(reverse("settings:tags"))
    assert [(t.name, t.ticket_count) for t in response.context["tags"]] == [
        ("billing", 3),
        ("unused", 0),
    ]


@pytest.mark.parametrize("count", [5, 50])
def test_tag_list_runs_a_fixed_number_of_queries(
    client, admin, as_agent, count, django_assert_max_num_queries
):
    ticket = factories.make_ticket()
    names = [f"tag-{n}" for n in range(count)]
    actions.update_ticket(actor=as_agent, ticket=ticket, tags=names)
    login(client, admin)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("settings:tags"))
    assert len(response.context["tags"]) == count
    assert {t.ticket_count for t in response.context["tags"]} == {1}


def test_admin_creates_a_tag_as_a_slug(client, admin):
    login(client, admin)
    response = client.post(reverse("settings:tags"), {"name": "#Needs Reply"})
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:tags")
    assert list(Tag.objects.values_list("name", flat=True)) == ["needs-reply"]


def test_an_unusable_tag_name_is_a_field_error(client, admin):
    login(client, admin)
    response = client.post(reverse("settings:tags"), {"name": "###"})
    assert response.status_code == 422
    assert response.context["form"].errors == {"name": ["'###' is not a usable tag name"]}
    assert Tag.objects.count() == 0


def test_admin_deletes_a_tag_and_tickets_lose_it(client, admin, as_agent, billing_tag, ticket):
    actions.update_ticket(actor=as_agent, ticket=ticket, tags=["billing", "vip"])
    login(client, admin)
    response = client.post(reverse("settings:tag_delete", args=[billing_tag.pk]))
    assert response.status_code == 302
    assert not Tag.objects.filter(name="billing").exists()
    assert list(ticket.tags.values_list("name", flat=True)) == ["vip"]


def test_deleting_is_post_only(client, admin, billing_tag):
    login(client, admin)
    assert client.get(reverse("settings:tag_delete", args=[billing_tag.pk])).status_code == 405
    assert Tag.objects.filter(pk=billing_tag.pk).exists()


# --- custom fields ------------------------------------------------------------------------


def test_field_lists_are_per_entity_and_include_inactive_fields(client, admin, plan_field):
    actions.create_custom_field(entity="contact", label="Seats", kind="number")
    retired = actions.create_custom_field(entity="ticket", label="Old", kind="text", position=1)
    actions.update_custom_field(field=retired, active=False)
    login(client, admin)
    tickets = client.get(reverse("settings:fields_entity", args=["ticket"]))
    assert [f.key for f in tickets.context["fields"]] == ["old", "plan"]
    html = tickets.content.decode()
    assert "Inactive" in html
    assert "key and type are fixed" in html
    contacts = client.get(reverse("settings:fields_entity", args=["contact"]))
    assert [f.key for f in contacts.context["fields"]] == ["seats"]


@pytest.mark.parametrize("count", [5, 50])
def test_field_list_runs_a_fixed_number_of_queries(
    client, admin, count, django_assert_max_num_queries
):
    for n in range(count):
        actions.create_custom_field(entity="organization", label=f"Field {n}", kind="text")
    login(client, admin)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("settings:fields_entity", args=["organization"]))
    assert len(response.context["fields"]) == count


def test_admin_creates_a_choice_field_with_one_choice_per_line(client, admin):
    login(client, admin)
    response = client.post(
        reverse("settings:fields_entity", args=["contact"]),
        {
            "label": "Preferred region",
            "key": "",
            "kind": "choice",
            "choices": "EMEA\n\n APAC \nEMEA\nLATAM",
            "required": "on",
            "position": "3",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:fields_entity", args=["contact"])
    field = CustomField.objects.get()
    assert (
        field.entity,
        field.key,
        field.label,
        field.kind,
        field.choices,
        field.required,
        field.position,
        field.active,
    ) == (
        "contact",
        "preferred_region",
        "Preferred region",
        "choice",
        ["EMEA", "APAC", "LATAM"],
        True,
        3,
        True,
    )


def test_field_creation_errors_show_next_to_their_fields(client, admin, plan_field):
    login(client, admin)
    url = reverse("settings:fields_entity", args=["ticket"])
    taken = client.post(url, {"label": "Plan", "kind": "text", "position": "0"})
    assert taken.status_code == 422
    assert taken.context["form"].errors == {"key": ["plan is already used"]}
    no_choices = client.post(
        url, {"label": "Size", "kind": "choice", "choices": " \n", "position": "0"}
    )
    assert no_choices.status_code == 422
    assert no_choices.context["form"].errors == {
        "choices": ["a choice field needs at least one choice"]
    }
    assert CustomField.objects.count() == 1
    # The same key is free on another entity.
    assert (
        client.post(
            reverse("settings:fields_entity", args=["organization"]),
            {"label": "Plan", "kind": "text", "position": "0"},
        ).status_code
        == 302
    )


def test_admin_edits_a_field_but_its_key_and_type_stay(client, admin, plan_field):
    login(client, admin)
    page = client.get(reverse("settings:field_edit", args=[plan_field.pk]))
    assert "The key and type are fixed after creation" in page.content.decode()
    response = client.post(
        reverse("settings:field_edit", args=[plan_field.pk]),
        {
            "label": "Subscription plan",
            "choices": "Free\nPro\nEnterprise",
            "required": "on",
            "position": "7",
            "key": "hacked",
            "kind": "number",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:fields_entity", args=["ticket"])
    assert field_state(plan_field) == (
        "plan",
        "Subscription plan",
        "choice",
        ["Free", "Pro", "Enterprise"],
        True,
        7,
        False,
    )


def test_non_choice_fields_have_no_choices_box_and_can_be_reactivated(client, admin):
    field = actions.create_custom_field(entity="ticket", label="Order", kind="number")
    actions.update_custom_field(field=field, active=False)
    login(client, admin)
    page = client.get(reverse("settings:field_edit", args=[field.pk]))
    assert "choices" not in page.context["form"].fields
    client.post(
        reverse("settings:field_edit", args=[field.pk]),
        {"label": "Order number", "position": "0", "active": "on"},
    )
    assert field_state(field) == ("order", "Order number", "number", [], False, 0, True)


def test_field_edit_errors_keep_the_field_unchanged(client, admin, plan_field):
    login(client, admin)
    before = field_state(plan_field)
    response = client.post(
        reverse("settings:field_edit", args=[plan_field.pk]),
        {"label": "New label", "choices": "", "position": "1", "active": "on"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "choices": ["a choice field needs at least one choice"]
    }
    assert "<h1>Plan</h1>" in response.content.decode()
    assert field_state(plan_field) == before
