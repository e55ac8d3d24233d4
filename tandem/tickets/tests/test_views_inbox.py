"""The inbox page: views, filters, sort, keyset pages, the query bound and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.people.actors import Actor
from tandem.people.models import Agent
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.views import inbox as inbox_views

INBOX = reverse("tickets:inbox")
T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def numbers(response) -> list[int]:
    return [row.ticket.number for row in response.context["rows"]]


def signed_in(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def desk(db, agent, team, other_team, customer):
    """A small desk with one ticket per interesting shape, oldest activity first."""
    colleague = factories.make_agent(name="Casey Colleague", teams=[team])
    org = factories.make_organization(name="Acme")
    acme_customer = factories.make_contact(email="ana@acme.test", name="Ana", organization=org)
    made = {}

    def ticket(key, minutes, **fields):
        made[key] = factories.make_ticket(
            subject=key,
            contact=fields.pop("contact", customer),
            at=T0 + dt.timedelta(minutes=minutes),
            **fields,
        )

    ticket("mine_support", 1, assignee=agent, team=team, track="support", priority="high")
    ticket("mine_pending", 2, assignee=agent, team=other_team, track="service", status="pending")
    ticket(
        "unassigned_service",
        3,
        team=other_team,
        track="service",
        tags=["billing"],
        channel="email",
        contact=acme_customer,
    )
    ticket(
        "unassigned_support",
        4,
        team=team,
        track="support",
        priority="urgent",
        tags=["billing", "vip"],
    )
    ticket("colleague_open", 5, assignee=colleague, team=team, track="support", status="open")
    ticket("mine_solved", 6, assignee=agent, team=team, track="support", status="solved")
    made["colleague"] = colleague
    return made


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(INBOX + "?view=mine")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_signed_in_non_agent_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user(username="someone", password="x" * 12)
    client.force_login(user)
    assert client.get(INBOX).status_code == 403


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("mine", ["mine_pending", "mine_support"]),
        ("unassigned", ["unassigned_support", "unassigned_service"]),
        ("service", ["unassigned_service", "mine_pending"]),
        ("support", ["colleague_open", "unassigned_support", "mine_support"]),
        (
            "open",
            [
                "colleague_open",
                "unassigned_support",
                "unassigned_service",
                "mine_pending",
                "mine_support",
            ],
        ),
        ("solved", ["mine_solved"]),
    ],
)
def test_each_view_lists_exactly_its_tickets_newest_activity_first(
    client, agent, desk, view, expected
):
    response = signed_in(client, agent).get(INBOX, {"view": view})
    assert response.status_code == 200
    assert numbers(response) == [desk[key].number for key in expected]


def test_unknown_view_falls_back_to_all_open(client, agent, desk):
    response = signed_in(client, agent).get(INBOX, {"view": "nonsense"})
    assert response.context["state"].view == "open"
    assert len(numbers(response)) == 5


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "pending"}, ["mine_pending"]),
        ({"priority": "urgent"}, ["unassigned_support"]),
        ({"track": "service"}, ["unassigned_service", "mine_pending"]),
        ({"channel": "email"}, ["unassigned_service"]),
        ({"tag": "billing"}, ["unassigned_support", "unassigned_service"]),
        ({"tag": "vip", "priority": "urgent"}, ["unassigned_support"]),
        ({"assignee": "none"}, ["unassigned_support", "unassigned_service"]),
    ],
)
def test_filters_narrow_the_view(client, agent, desk, params, expected):
    response = signed_in(client, agent).get(INBOX, params)
    assert numbers(response) == [desk[key].number for key in expected]


def test_team_and_assignee_filters_take_ids(client, agent, team, desk):
    client = signed_in(client, agent)
    by_team = client.get(INBOX, {"team": team.pk})
    assert numbers(by_team) == [
        desk[k].number for k in ("colleague_open", "unassigned_support", "mine_support")
    ]
    by_assignee = client.get(INBOX, {"assignee": desk["colleague"].pk})
    assert numbers(by_assignee) == [desk["colleague_open"].number]


def test_malformed_filter_values_are_ignored_not_errors(client, agent, desk):
    response = signed_in(client, agent).get(
        INBOX, {"team": "abc", "status": "<script>", "assignee": "-3", "cursor": "!!"}
    )
    assert response.status_code == 200
    assert len(numbers(response)) == 5


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "oldest",
            [
                "mine_support",
                "mine_pending",
                "unassigned_service",
                "unassigned_support",
                "colleague_open",
            ],
        ),
        (
            "number",
            [
                "colleague_open",
                "unassigned_support",
                "unassigned_service",
                "mine_pending",
                "mine_support",
            ],
        ),
        (
            "created",
            [
                "colleague_open",
                "unassigned_support",
                "unassigned_service",
                "mine_pending",
                "mine_support",
            ],
        ),
    ],
)
def test_sort_orders(client, agent, desk, sort, expected):
    response = signed_in(client, agent).get(INBOX, {"sort": sort})
    assert numbers(response) == [desk[key].number for key in expected]


def test_sort_by_last_activity_follows_a_new_reply(client, agent, desk):
    actions.add_message(
        actor=Actor.for_agent(agent),
        ticket=desk["mine_support"],
        body="On it",
        visibility="internal",
    )
    response = signed_in(client, agent).get(INBOX)
    assert numbers(response)[0] == desk["mine_support"].number


def test_rows_show_every_column(client, agent, desk):
    response = signed_in(client, agent).get(INBOX, {"view": "unassigned"})
    html = response.content.decode()
    row = desk["unassigned_service"]
    assert f">{row.number}</td>" in html
    assert "unassigned_service</a>" in html
    assert "Ana</span>" in html and '<span class="org">Acme</span>' in html
    assert '<span class="pill status-new">New</span>' in html
    assert '<span class="prio prio-urgent">Urgent</span>' in html
    assert '<span class="track track-service">Service</span>' in html
    assert '<span class="track track-support">Support</span>' in html
    assert '<span class="team">Billing</span>' in html
    assert '<span class="muted">Unassigned</span>' in html
    assert ">billing</a>" in html and ">vip</a>" in html
    assert 'title="Mon 3 Mar 2025, 09:03 UTC"' in html


def test_row_links_carry_the_list_and_position(client, agent, desk):
    response = signed_in(client, agent).get(INBOX, {"view": "mine", "sort": "number"})
    html = response.content.decode()
    expected = reverse("tickets:detail", args=[desk["mine_pending"].number])
    assert f'href="{expected}?in=view%3Dmine%26sort%3Dnumber&amp;pos=' in html


def test_tag_links_keep_the_view_and_encode_the_name(client, agent, team, customer):
    factories.make_ticket(subject="Odd tag", contact=customer, team=team, tags=["größe"])
    response = signed_in(client, agent).get(INBOX, {"view": "unassigned"})
    html = response.content.decode()
    assert f'href="{INBOX}?view=unassigned&amp;tag=gr%C3%B6%C3%9Fe"' in html
    assert ">größe</a>" in html
    on_default_view = signed_in(client, agent).get(INBOX).content.decode()
    assert f'href="{INBOX}?tag=gr%C3%B6%C3%9Fe"' in on_default_view


class TestPagination:
    @pytest.fixture
    def many(self, db, customer, monkeypatch):
        monkeypatch.setattr(inbox_views, "PAGE_SIZE", 7)
        # Ties on updated_at on purpose: the number breaks them, so no row is lost or doubled.
        return [
            factories.make_ticket(
                contact=customer, subject=f"Paged {i}", at=T0 + dt.timedelta(minutes=i // 3)
            )
            for i in range(30)
        ]

    @pytest.mark.parametrize("sort", ["updated", "oldest", "created", "number"])
    def test_walking_every_page_sees_each_ticket_once_in_order(self, client, agent, many, sort):
        client = signed_in(client, agent)
        seen, cursor, pages = [], "", 0
        while True:
            response = client.get(
                INBOX, {"sort": sort, "cursor": cursor} if cursor else {"sort": sort}
            )
            seen += numbers(response)
            pages += 1
            next_query = response.context["next_query"]
            if not next_query:
                break
            cursor = dict(part.split("=", 1) for part in next_query.split("&"))["cursor"]
        assert pages == 5
        assert len(seen) == 30 and len(set(seen)) == 30
        key = {
            "updated": lambda t: (-t.updated_at.timestamp(), -t.number),
            "oldest": lambda t: (t.updated_at.timestamp(), t.number),
            "created": lambda t: (-t.created_at.timestamp(), -t.number),
            "number": lambda t: -t.number,
        }[sort]
        assert seen == [t.number for t in sorted(many, key=key)]

    def test_load_more_over_htmx_returns_only_rows(self, client, agent, many):
        client = signed_in(client, agent)
        first = client.get(INBOX)
        response = client.get(INBOX + "?" + first.context["next_query"], HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert [t.name for t in response.templates][0] == "tickets/_inbox_rows.html"
        assert "<html" not in html
        assert html.count("data-row ") == 7
        assert 'id="load-more"' in html
        assert not set(numbers(first)) & set(numbers(response))

    def test_first_page_has_no_back_link_later_pages_do(self, client, agent, many):
        client = signed_in(client, agent)
        first = client.get(INBOX)
        assert "Back to the first page" not in first.content.decode()
        later = client.get(INBOX + "?" + first.context["next_query"])
        assert "Back to the first page" in later.content.decode()


def _busy_desk(count: int, team, agent):
    org = factories.make_organization()
    for i in range(count):
        contact = factories.make_contact(organization=org)
        factories.make_ticket(
            contact=contact,
            subject=f"Busy {i}",
            team=team,
            assignee=agent,
            tags=[f"t{i % 4}", "common"],
            priority="high",
        )


@pytest.mark.parametrize("size", [5, 60])
@pytest.mark.parametrize("who", ["agent", "other_team_agent", "light_agent"])
def test_query_count_is_fixed_whatever_the_page_size(
    client, request, team, other_team, agent, django_assert_max_num_queries, size, who
):
    _busy_desk(size, team if who != "other_team_agent" else other_team, agent)
    viewer: Agent = request.getfixturevalue(who)
    client = signed_in(client, viewer)
    with django_assert_max_num_queries(8):
        response = client.get(INBOX, {"tag": "common"})
    assert len(numbers(response)) == min(size, 50)


def test_query_count_holds_for_filtered_later_pages(
    client, agent, team, django_assert_max_num_queries
):
    _busy_desk(60, team, agent)
    client = signed_in(client, agent)
    first = client.get(INBOX, {"view": "mine", "priority": "high"})
    with django_assert_max_num_queries(8):
        later = client.get(INBOX + "?" + first.context["next_query"])
    assert len(numbers(later)) == 10


def test_light_agent_sees_their_teams_tickets_and_no_bulk_controls(client, light_agent, desk):
    response = signed_in(client, light_agent).get(INBOX)
    html = response.content.decode()
    assert numbers(response) == [
        desk[k].number for k in ("colleague_open", "unassigned_support", "mine_support")
    ]
    assert 'id="bulk-form"' not in html
    assert "data-row-check" not in html
    assert reverse("tickets:new") not in html


def test_team_restricted_agent_sees_only_their_team(client, other_team_agent, desk):
    response = signed_in(client, other_team_agent).get(INBOX)
    assert numbers(response) == [desk[k].number for k in ("unassigned_service", "mine_pending")]


def test_full_agent_gets_bulk_controls(client, agent, desk):
    html = signed_in(client, agent).get(INBOX).content.decode()
    assert 'id="bulk-form"' in html
    assert html.count("data-row-check") == 5
    assert "data-check-all" in html


def test_empty_view_says_so(client, admin):
    response = signed_in(client, admin).get(INBOX, {"view": "mine"})
    assert "This view is empty right now." in response.content.decode()


def test_go_to_ticket_jumps_or_explains(client, agent, other_team_agent, ticket):
    client = signed_in(client, agent)
    response = client.get(reverse("tickets:go"), {"number": f"#{ticket.number}"})
    assert response["Location"] == reverse("tickets:detail", args=[ticket.number])
    client.force_login(other_team_agent.user)
    response = client.get(reverse("tickets:go"), {"number": ticket.number}, follow=True)
    assert f"There is no ticket #{ticket.number} you can open." in response.content.decode()


def test_relative_times_show_absolute_in_title(client, agent, customer):
    now = timezone.now()
    factories.make_ticket(contact=customer, at=now - dt.timedelta(minutes=3))
    html = signed_in(client, agent).get(INBOX).content.decode()
    assert ">3 min ago</time>" in html
