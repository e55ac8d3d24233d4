"""The ticket page: timeline, composer, property panel, customer sidebar, light-agent limits."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tandem.people import actions as people_actions
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import Message, Ticket, TicketEvent

HTMX = {"HTTP_HX_REQUEST": "true"}


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, whitespace collapsed."""
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html)


def template_names(response) -> list[str]:
    return [t.name for t in response.templates]


def snapshot(ticket: Ticket) -> tuple:
    ticket = Ticket.objects.get(pk=ticket.pk)
    return (
        ticket.status,
        ticket.priority,
        ticket.track,
        ticket.team_id,
        ticket.assignee_id,
        ticket.category,
        ticket.custom_fields,
        sorted(ticket.tags.values_list("name", flat=True)),
        ticket.messages.count(),
        ticket.events.count(),
        ticket.updated_at,
    )


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def light_client(client, light_agent):
    client.force_login(light_agent.user)
    return client


def url(name, ticket, *args):
    return reverse(f"tickets:{name}", args=[ticket.number, *args])


# --- reading ---------------------------------------------------------------------


def test_page_shows_header_conversation_and_events(agent_client, agent, ticket):
    actor = Actor.for_agent(agent)
    actions.add_message(actor=actor, ticket=ticket, body="We are looking into it.")
    actions.add_message(
        actor=actor, ticket=ticket, body="Check the SSO logs", visibility="internal"
    )
    actions.update_ticket(actor=actor, ticket=ticket, status="pending")
    response = agent_client.get(url("detail", ticket))
    assert response.status_code == 200
    html = response.content.decode()
    page = text_of(response)
    assert f"#{ticket.number} Cannot log in" in page
    assert "The login page says my password is wrong." in page
    assert html.count('class="msg msg-customer"') == 1
    assert html.count('class="msg msg-reply"') == 1
    assert html.count('class="msg msg-note"') == 1
    assert "Internal note" in page
    assert "Alex Agent changed status from new to open" in page
    assert "Alex Agent changed status from open to pending" in page
    assert '<span class="pill status-pending">Pending</span>' in html
    assert f'data-ticket-socket="/ws/tickets/{ticket.number}/"' in html


def test_message_html_is_rendered_as_sanitised_markup_only(agent_client, customer, team):
    ticket = factories.make_ticket(
        contact=customer, team=team, body="x", html="<p><b>Bold</b><script>alert(1)</script></p>"
    )
    html = agent_client.get(url("detail", ticket)).content.decode()
    assert "<b>Bold</b>" in html
    assert "alert(1)" not in html


def test_plain_text_mail_shows_its_new_text_as_html_and_folds_the_quote(
    agent_client, customer, team
):
    ticket = factories.make_ticket(contact=customer, team=team, body="x")
    message = ticket.messages.get()
    Message.objects.filter(pk=message.pk).update(
        body="See https://status.example.test <now>\n\nThanks",
        html="",  # plain text: nothing stored, rendered when shown
        quoted="On Mon, Bob wrote:\n> is it down?",
    )
    html = agent_client.get(url("detail", ticket)).content.decode()
    body = html.split('<div class="msg-body">', 1)[1].split("</div>", 1)[0]
    assert '<a href="https://status.example.test"' in body
    assert "&lt;now&gt;" in body and "<now>" not in html
    assert body.count("<p>") == 2
    assert "Bob wrote" not in body  # the quote is in the folded part only
    assert "Show quoted text" in html and "On Mon, Bob wrote:" in html


def test_subject_is_escaped(agent_client, customer):
    ticket = factories.make_ticket(contact=customer, subject="<img src=x onerror=alert(1)>")
    html = agent_client.get(url("detail", ticket)).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_timeline_partial_for_live_refresh(agent_client, ticket):
    response = agent_client.get(url("timeline", ticket), **HTMX)
    html = response.content.decode()
    assert template_names(response)[0] == "tickets/_timeline_refresh.html"
    assert "<html" not in html
    assert 'id="timeline"' in html
    assert 'id="ticket-header" class="ticket-head" hx-swap-oob="true"' in html


def test_customer_sidebar(agent_client, agent, team):
    org = people_actions.create_organization(name="Globex", plan="Enterprise")
    contact = factories.make_contact(email="homer@globex.test", name="Homer S", organization=org)
    people_actions.add_identity(contact=contact, kind="phone", value="+1 555 0100")
    people_actions.add_identity(contact=contact, kind="email", value="homer@home.test")
    current = factories.make_ticket(contact=contact, subject="Reactor alarm", team=team)
    earlier = factories.make_ticket(contact=contact, subject="Donut order", team=team)
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=earlier, status="solved")
    detail = agent_client.get(url("detail", current)).content.decode()
    assert f'hx-get="/tickets/{current.number}/customer/"' in detail
    response = agent_client.get(url("customer", current))
    page = text_of(response)
    assert "<html" not in response.content.decode()
    assert "Homer S" in page and "homer@globex.test" in page
    assert "Phone +15550100" in page and "Email homer@home.test" in page
    assert "Globex" in page and "Enterprise (organization)" in page
    assert "Customer" in page  # lifecycle
    assert "2 tickets" in page and "1 unsolved" in page
    assert f"#{earlier.number} Donut order Solved" in page
    assert f"#{current.number} Reactor alarm Solved" not in page


def test_other_team_agent_gets_404_everywhere(client, other_team_agent, ticket):
    client.force_login(other_team_agent.user)
    before = snapshot(ticket)
    assert client.get(url("detail", ticket)).status_code == 404
    assert client.get(url("timeline", ticket)).status_code == 404
    assert client.get(url("customer", ticket)).status_code == 404
    assert client.get(url("properties", ticket)).status_code == 404
    reply = {"visibility": "public", "body": "x"}
    assert client.post(url("reply", ticket), reply).status_code == 404
    assert client.post(url("properties", ticket), {"priority": "urgent"}).status_code == 404
    assert snapshot(ticket) == before


# --- replying ----------------------------------------------------------------------


def test_public_reply_by_plain_post_redirects_back(agent_client, agent, ticket):
    response = agent_client.post(
        url("reply", ticket), {"visibility": "public", "body": "Try resetting it here."}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(url("detail", ticket) + "?in=&pos=")
    message = ticket.messages.order_by("-id").first()
    assert (message.body, message.visibility, message.author_agent) == (
        "Try resetting it here.",
        "public",
        agent,
    )
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_reply_over_htmx_returns_the_timeline_and_refreshed_parts(agent_client, ticket):
    response = agent_client.post(
        url("reply", ticket),
        {"visibility": "public", "body": "Hello!", "status": "pending"},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert template_names(response)[0] == "tickets/_after_change.html"
    assert "<html" not in html
    assert '<div id="timeline"' in html and "Hello!" in html
    assert 'id="composer" class="composer" hx-swap-oob="true"' in html
    assert 'id="properties"' in html and 'id="ticket-header"' in html
    assert '<div id="announcer" hx-swap-oob="innerHTML">Reply sent.</div>' in html
    assert Ticket.objects.get(pk=ticket.pk).status == "pending"


def test_internal_note_over_htmx(agent_client, ticket):
    response = agent_client.post(
        url("reply", ticket), {"visibility": "internal", "body": "Escalate if SSO."}, **HTMX
    )
    assert response.status_code == 200
    note = ticket.messages.get(visibility="internal")
    assert note.body == "Escalate if SSO."
    assert 'class="msg msg-note"' in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "new"


def test_submit_as_solved(agent_client, ticket):
    agent_client.post(
        url("reply", ticket), {"visibility": "public", "body": "Fixed.", "status": "solved"}
    )
    ticket.refresh_from_db()
    assert ticket.status == "solved" and ticket.solved_at is not None


def test_reply_with_attachments(agent_client, ticket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [
        SimpleUploadedFile("log.txt", b"line 1\n", content_type="text/plain"),
        SimpleUploadedFile("shot.png", b"\x89PNG....", content_type="image/png"),
    ]
    agent_client.post(
        url("reply", ticket), {"visibility": "public", "body": "See attached", "attachments": files}
    )
    message = ticket.messages.order_by("-id").first()
    assert sorted(message.attachments.values_list("filename", flat=True)) == ["log.txt", "shot.png"]


def test_empty_reply_is_refused_and_writes_nothing(agent_client, ticket):
    before = snapshot(ticket)
    response = agent_client.post(
        url("reply", ticket), {"visibility": "public", "body": "  "}, **HTMX
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#composer"
    assert "Message may not be empty" in text_of(response)
    plain = agent_client.post(url("reply", ticket), {"visibility": "public", "body": ""})
    assert plain.status_code == 422 and "Message may not be empty" in text_of(plain)
    assert snapshot(ticket) == before


def test_reply_that_would_break_a_required_field_is_refused_whole(agent_client, ticket):
    actions.create_custom_field(entity="ticket", label="Root cause", kind="text", required=True)
    before = snapshot(ticket)
    response = agent_client.post(
        url("reply", ticket), {"visibility": "public", "body": "Done", "status": "solved"}, **HTMX
    )
    assert response.status_code == 422
    assert "Root cause: Root cause is required" in text_of(response)
    assert snapshot(ticket) == before


def test_merged_ticket_shows_banner_and_no_composer(agent_client, agent, customer, ticket):
    survivor = factories.make_ticket(contact=customer, subject="Login broken again")
    actions.merge_tickets(actor=Actor.for_agent(agent), source=ticket, target=survivor)
    html = agent_client.get(url("detail", ticket)).content.decode()
    survivor_url = url("detail", survivor)
    assert f'Merged into <a href="{survivor_url}">#{survivor.number} Login broken again</a>' in html
    assert "data-composer" not in html


# --- properties ---------------------------------------------------------------------


def test_property_change_by_plain_post(agent_client, agent, other_team, ticket):
    response = agent_client.post(
        url("properties", ticket),
        {
            "priority": "high",
            "was_priority": "normal",
            "team": other_team.pk,
            "was_team": ticket.team_id,
            "assignee": agent.pk,
            "was_assignee": "none",
            "category": "login",
            "was_category": "",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team, ticket.assignee, ticket.category, ticket.track) == (
        "high",
        other_team,
        agent,
        "login",
        "service",
    )
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {
        "priority_changed",
        "team_changed",
        "assignee_changed",
        "category_changed",
        "track_changed",
    } <= kinds


def test_property_change_over_htmx_returns_the_panel_and_new_event_lines(agent_client, ticket):
    response = agent_client.post(
        url("properties", ticket), {"status": "pending", "was_status": "new"}, **HTMX
    )
    assert response.status_code == 200
    assert template_names(response)[0] == "tickets/_properties_saved.html"
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="properties"')
    assert '<div id="timeline" class="timeline"' in html and 'hx-swap-oob="true"' in html
    assert "Alex Agent changed status from new to pending" in text_of(response)
    assert Ticket.objects.get(pk=ticket.pk).status == "pending"


def test_unchanged_controls_never_revert_a_colleagues_change(agent_client, admin, ticket):
    # The page showed priority "normal"; meanwhile an admin set it to urgent.
    actions.update_ticket(actor=Actor.for_agent(admin), ticket=ticket, priority="urgent")
    agent_client.post(
        url("properties", ticket),
        {
            "status": "pending",
            "was_status": "new",
            "priority": "normal",
            "was_priority": "normal",
        },
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("pending", "urgent")


def test_tags_add_and_remove(agent_client, ticket):
    agent_client.post(url("properties", ticket), {"add_tags": "vip, sso"})
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["sso", "vip"]
    agent_client.post(url("properties", ticket), {"add_tags": "", "remove_tag": "vip"}, **HTMX)
    assert list(ticket.tags.values_list("name", flat=True)) == ["sso"]
    event = ticket.events.filter(kind="tags_changed").last()
    assert event.data == {"from": ["sso", "vip"], "to": ["sso"]}


def test_invalid_status_transition_is_shown_next_to_status(agent_client, agent, ticket):
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="solved")
    before = snapshot(ticket)
    response = agent_client.post(url("properties", ticket), {"status": "new"}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    status_field = html.split('for="p-status"')[1].split('for="p-priority"')[0]
    assert "cannot go from solved to new" in status_field
    assert snapshot(ticket) == before


class TestCustomFields:
    @pytest.fixture
    def fields(self, db):
        return [
            actions.create_custom_field(entity="ticket", label="Budget", kind="number"),
            actions.create_custom_field(entity="ticket", label="Go live", kind="date"),
            actions.create_custom_field(
                entity="ticket", label="Plan tier", kind="choice", choices=["Basic", "Pro"]
            ),
            actions.create_custom_field(entity="ticket", label="Urgent fix", kind="checkbox"),
            actions.create_custom_field(entity="ticket", label="Order ref", kind="text"),
            actions.create_custom_field(entity="contact", label="Shoe size", kind="number"),
        ]

    def test_panel_renders_a_typed_input_per_ticket_field(self, agent_client, ticket, fields):
        html = agent_client.get(url("detail", ticket)).content.decode()
        assert 'name="custom_fields.budget" type="number"' in html
        assert 'name="custom_fields.go_live" type="date"' in html
        assert '<select id="cf-plan_tier" name="custom_fields.plan_tier"' in html
        assert '<option value="Pro">Pro</option>' in html
        assert 'type="checkbox" id="cf-urgent_fix" name="custom_fields.urgent_fix"' in html
        assert 'name="custom_fields.order_ref" type="text"' in html
        assert "shoe_size" not in html

    def test_valid_values_are_stored_typed(self, agent_client, ticket, fields):
        agent_client.post(
            url("properties", ticket),
            {
                "custom_fields.budget": "1500.5",
                "custom_fields.go_live": "2025-06-01",
                "custom_fields.plan_tier": "Pro",
                "custom_fields.urgent_fix": ["false", "true"],
                "custom_fields.order_ref": "  A-17 ",
            },
        )
        ticket.refresh_from_db()
        assert ticket.custom_fields == {
            "budget": 1500.5,
            "go_live": "2025-06-01",
            "plan_tier": "Pro",
            "urgent_fix": True,
            "order_ref": "A-17",
        }

    def test_unchecking_a_checkbox_stores_false(self, agent_client, ticket, fields):
        agent_client.post(
            url("properties", ticket), {"custom_fields.urgent_fix": ["false", "true"]}
        )
        agent_client.post(
            url("properties", ticket),
            {"custom_fields.urgent_fix": ["false"], "was_custom_fields.urgent_fix": "true"},
        )
        ticket.refresh_from_db()
        assert ticket.custom_fields == {"urgent_fix": False}

    def test_bad_values_are_refused_with_the_error_next_to_each_field(
        self, agent_client, ticket, fields
    ):
        before = snapshot(ticket)
        response = agent_client.post(
            url("properties", ticket),
            {
                "custom_fields.budget": "lots",
                "custom_fields.go_live": "next week",
                "custom_fields.plan_tier": "Gold",
                "priority": "high",
            },
            **HTMX,
        )
        assert response.status_code == 422
        html = response.content.decode()
        assert (
            '<p id="cf-budget-error" class="field-error" role="alert">Budget must be a number</p>'
        ) in html
        assert "Go live must be a date as YYYY-MM-DD</p>" in html
        assert "Plan tier must be one of: Basic, Pro</p>" in html
        # Shown back as typed (a number input would blank it), with the error beside it.
        assert 'name="custom_fields.budget" type="text" value="lots"' in html
        assert snapshot(ticket) == before

    def test_bad_values_without_js_render_the_whole_page(self, agent_client, ticket, fields):
        response = agent_client.post(url("properties", ticket), {"custom_fields.budget": "x"})
        assert response.status_code == 422
        assert template_names(response)[0] == "tickets/ticket.html"
        assert "Budget must be a number" in text_of(response)


# --- light agents -------------------------------------------------------------------


def test_light_agent_reads_and_sees_only_the_note_composer(light_client, ticket):
    response = light_client.get(url("detail", ticket))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="vis-internal"' in html
    assert 'id="vis-public"' not in html
    assert 'id="submit-as"' not in html
    assert "data-properties" not in html and 'name="status"' not in html
    assert f'action="{url("link", ticket)}"' not in html
    assert "Merge into" not in html


def test_light_agent_may_add_a_note(light_client, light_agent, ticket):
    response = light_client.post(
        url("reply", ticket), {"visibility": "internal", "body": "Engineering: known bug"}
    )
    assert response.status_code == 302
    note = ticket.messages.get(visibility="internal")
    assert note.author_agent == light_agent


@pytest.mark.parametrize(
    "data",
    [
        {"visibility": "public", "body": "Hi customer"},
        {"visibility": "internal", "body": "note", "status": "solved"},
    ],
)
def test_light_agent_public_reply_or_status_is_403_and_writes_nothing(light_client, ticket, data):
    before = snapshot(ticket)
    assert light_client.post(url("reply", ticket), data).status_code == 403
    assert light_client.post(url("reply", ticket), data, **HTMX).status_code == 403
    assert snapshot(ticket) == before
    assert not Message.objects.filter(body__in=["Hi customer", "note"]).exists()


def test_light_agent_property_change_is_403_and_writes_nothing(light_client, ticket):
    before = snapshot(ticket)
    for data in ({"priority": "urgent"}, {"add_tags": "x"}, {}):
        assert light_client.post(url("properties", ticket), data).status_code == 403
    assert snapshot(ticket) == before
    assert not TicketEvent.objects.filter(ticket=ticket, kind="priority_changed").exists()


def test_light_agent_properties_are_read_only(light_client, ticket):
    response = light_client.get(url("properties", ticket))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<form" not in html
    assert '<span class="pill status-new">New</span>' in html


@pytest.mark.parametrize("messages", [1, 25])
def test_ticket_page_and_sidebar_stay_within_the_query_budget(
    client, agent, customer, team, django_assert_max_num_queries, messages
):
    ticket = factories.make_ticket(contact=customer, team=team, tags=["vip", "sso"])
    for n in range(messages):
        actions.add_message(
            actor=Actor.for_agent(agent),
            ticket=ticket,
            body=f"reply {n}",
            attachments=[actions.IncomingFile(f"log{n}.txt", b"x")],
        )
    client.force_login(agent.user)
    client.get(url("detail", ticket))  # warms the session and picker caches
    with django_assert_max_num_queries(8):
        assert client.get(url("detail", ticket)).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(url("customer", ticket)).status_code == 200


def test_status_change_refreshes_submit_as_without_touching_the_draft(agent_client, ticket):
    response = agent_client.post(
        url("properties", ticket), {"status": "pending"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span id="submit-as-wrap" class="submit-as" hx-swap-oob="true">' in html
    assert "Pending (unchanged)" in html
    assert 'id="composer"' not in html  # the draft being typed stays where it is
