"""The tickets API: opening, reading, changing, merging and linking tickets.

Listing is in tandem/api/tests/test_ticket_list.py, messages and attachment downloads in
tandem/api/tests/test_ticket_messages.py (split for size).
"""

from __future__ import annotations

import base64

import pytest

from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.people.actors import Actor
from tandem.people.models import Contact
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import Message, Ticket, TicketEvent, TicketLink
from tandem.workflow.tests.sla_setup import make_policy


def ticket_state(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        ticket.subject,
        ticket.status,
        ticket.priority,
        ticket.track,
        ticket.team_id,
        ticket.assignee_id,
        ticket.contact_id,
        ticket.custom_fields,
        ticket.updated_at,
        sorted(ticket.tags.values_list("name", flat=True)),
        ticket.events.count(),
    )


@pytest.fixture
def plan_field(db):
    return actions.create_custom_field(
        entity="ticket", label="Plan", kind="choice", choices=["free", "pro"]
    )


# --- create --------------------------------------------------------------------


def test_create_opens_ticket_for_new_requester_with_every_option(
    agent_api, agent, team, plan_field
):
    response = agent_api.post(
        "tickets",
        {
            "subject": "Invoice missing",
            "body": "Where is my March invoice?",
            "requester": {"email": "Erin@Example.TEST", "name": "Erin"},
            "priority": "high",
            "track": "service",
            "team": team.pk,
            "assignee": agent.pk,
            "status": "open",
            "tags": ["Billing", "march"],
            "custom_fields": {"plan": "pro"},
            "category": "invoices",
            "attachments": [
                {
                    "filename": "note.txt",
                    "content_type": "text/plain",
                    "content_base64": base64.b64encode(b"see attached").decode(),
                }
            ],
        },
    )

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    contact = Contact.objects.get(email="erin@example.test")
    body = response.json()
    assert body["number"] == ticket.number
    assert body["requester"] == {"id": contact.pk, "email": "erin@example.test", "name": "Erin"}
    assert body["assignee"] == {"id": agent.pk, "email": "alex@desk.test", "name": "Alex Agent"}
    assert body["team"]["id"] == team.pk
    assert {
        k: body[k]
        for k in (
            "subject",
            "status",
            "priority",
            "track",
            "channel",
            "category",
            "tags",
            "custom_fields",
            "message_count",
        )
    } == {
        "subject": "Invoice missing",
        "status": "open",
        "priority": "high",
        "track": "service",
        "channel": "api",
        "category": "invoices",
        "tags": ["billing", "march"],
        "custom_fields": {"plan": "pro"},
        "message_count": 1,
    }
    message = ticket.messages.get()
    assert (message.author_contact, message.body, message.meta) == (
        contact,
        "Where is my March invoice?",
        {"entered_by": agent.pk},
    )
    assert message.attachments.get().file.read() == b"see attached"
    created = ticket.events.get(kind=TicketEvent.Kind.CREATED)
    assert (created.actor_kind, created.actor_agent) == ("api", agent)


def test_create_reuses_the_contact_of_a_known_email(agent_api, customer):
    response = agent_api.post(
        "tickets", {"subject": "Again", "body": "Hi", "requester": {"email": "CAROL@customer.test"}}
    )

    assert response.status_code == 201
    assert response.json()["requester"]["id"] == customer.pk
    assert Contact.objects.count() == 1


def test_create_by_requester_id(agent_api, customer):
    response = agent_api.post(
        "tickets", {"subject": "Hi", "body": "x", "requester_id": customer.pk}
    )

    assert response.status_code == 201
    assert Ticket.objects.get().contact == customer


@pytest.mark.parametrize(
    ("requester", "message"),
    [
        ({}, "is required (or requester_id)"),
        (
            {"requester_id": 1, "requester": {"email": "a@b.test"}},
            "give requester or requester_id, not both",
        ),
    ],
)
def test_create_needs_exactly_one_requester(agent_api, customer, requester, message):
    response = agent_api.post("tickets", {"subject": "Hi", "body": "x", **requester})

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "requester", "message": message}]
    assert Ticket.objects.count() == 0


def test_create_names_every_unknown_reference(agent_api):
    response = agent_api.post(
        "tickets",
        {"subject": "Hi", "body": "x", "requester_id": 9999, "team": 9999, "assignee": 9999},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "requester_id", "message": "no such contact"},
        {"field": "team", "message": "no such team"},
        {"field": "assignee", "message": "no such agent"},
    ]


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        (
            {"requester": {"email": "not-an-email"}},
            "requester.email",
            "is not a valid email address",
        ),
        (
            {"custom_fields": {"plan": "platinum"}},
            "custom_fields.plan",
            "Plan must be one of: free, pro",
        ),
        ({"custom_fields": {"nope": 1}}, "custom_fields.nope", "is not a custom field here"),
        (
            {"attachments": [{"filename": "a", "content_base64": "***"}]},
            "attachments[0].content_base64",
            "is not base64",
        ),
    ],
)
def test_create_refusal_names_the_field_and_writes_nothing(
    agent_api, plan_field, extra, field, message
):
    payload = {"subject": "Hi", "body": "x", "requester": {"email": "new@example.test"}, **extra}

    response = agent_api.post("tickets", payload)

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert (Ticket.objects.count(), Contact.objects.count(), Message.objects.count()) == (0, 0, 0)


def test_create_refuses_a_light_agent_as_assignee(agent_api, light_agent, customer):
    response = agent_api.post(
        "tickets",
        {"subject": "Hi", "body": "x", "requester_id": customer.pk, "assignee": light_agent.pk},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "assignee", "message": "light agents cannot be assigned tickets"}
    ]
    assert Ticket.objects.count() == 0


def test_create_refuses_files_over_the_limit(agent_api, customer, settings):
    settings.ATTACHMENT_MAX_BYTES = 4
    big = {"filename": "big.bin", "content_base64": base64.b64encode(b"12345").decode()}

    response = agent_api.post(
        "tickets", {"subject": "Hi", "body": "x", "requester_id": customer.pk, "attachments": [big]}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "attachments[0]"
    assert Ticket.objects.count() == 0


def test_light_agent_cannot_open_tickets_and_leaves_no_contact_behind(light_api):
    response = light_api.post(
        "tickets", {"subject": "Hi", "body": "x", "requester": {"email": "fresh@example.test"}}
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Light agents cannot open tickets for customers."}
    assert (Ticket.objects.count(), Contact.objects.count()) == (0, 0)


# --- one ticket ----------------------------------------------------------------


def test_get_ticket_answers_its_json(agent_api, ticket):
    response = agent_api.get(f"tickets/{ticket.number}")

    assert response.status_code == 200
    assert response.json() == agent_api.get("tickets").json()["items"][0]


def test_ticket_of_another_team_is_404_for_a_restricted_agent(other_team_api, ticket):
    response = other_team_api.get(f"tickets/{ticket.number}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_get_costs_two_queries_with_every_relation_shown(
    agent_api, agent, team, django_assert_num_queries
):
    make_policy(name="Gold")
    contact = factories.make_contact(organization=factories.make_organization(name="Acme"))
    ticket = actions.create_ticket(
        actor=Actor.for_contact(contact),
        contact=contact,
        subject="Everything set",
        body="x",
        team=team,
        assignee=agent,
        tags=["billing", "vip"],
    )
    listed = agent_api.get("tickets").json()["items"][0]  # also checks the token once
    assert listed["sla_policy"] == "Gold" and listed["organization"]["name"] == "Acme"

    with django_assert_num_queries(2):  # the ticket with its people, team and SLA; tags
        response = agent_api.get(f"tickets/{ticket.number}")

    assert response.json() == listed


# --- update --------------------------------------------------------------------


def test_patch_changes_only_the_keys_sent(agent_api, agent, ticket):
    before = ticket_state(ticket)

    response = agent_api.patch(f"tickets/{ticket.number}", {"priority": "urgent"})

    assert response.status_code == 200
    assert response.json()["priority"] == "urgent"
    after = ticket_state(ticket)
    assert after[2] == "urgent"
    assert after[:2] + after[3:8] == before[:2] + before[3:8]
    event = ticket.events.get(kind=TicketEvent.Kind.PRIORITY_CHANGED)
    assert (event.actor_kind, event.actor_agent, event.data) == (
        "api",
        agent,
        {"from": "normal", "to": "urgent"},
    )
    assert ticket.events.count() == before[-1] + 1


def test_patch_assigns_and_null_unassigns(agent_api, agent, ticket):
    assigned = agent_api.patch(f"tickets/{ticket.number}", {"assignee": agent.pk})
    assert assigned.json()["assignee"]["id"] == agent.pk

    response = agent_api.patch(f"tickets/{ticket.number}", {"assignee": None, "team": None})

    assert response.status_code == 200
    assert (response.json()["assignee"], response.json()["team"]) == (None, None)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.team) == (None, None)


def test_patch_tags_replace_add_and_remove(agent_api, ticket):
    url = f"tickets/{ticket.number}"
    assert agent_api.patch(url, {"tags": ["b", "a"]}).json()["tags"] == ["a", "b"]
    assert agent_api.patch(url, {"add_tags": ["c"], "remove_tags": ["a"]}).json()["tags"] == [
        "b",
        "c",
    ]
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["b", "c"]


def test_patch_moves_status_track_subject_category_fields_and_requester(
    agent_api, ticket, other_customer, plan_field
):
    response = agent_api.patch(
        f"tickets/{ticket.number}",
        {
            "status": "pending",
            "track": "service",
            "subject": "Login loop",
            "category": "auth",
            "custom_fields": {"plan": "free"},
            "requester_id": other_customer.pk,
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (
        body["status"],
        body["track"],
        body["subject"],
        body["category"],
        body["custom_fields"],
        body["requester"]["id"],
    ) == ("pending", "service", "Login loop", "auth", {"plan": "free"}, other_customer.pk)


def test_empty_patch_changes_nothing(agent_api, ticket):
    before = ticket_state(ticket)

    response = agent_api.patch(f"tickets/{ticket.number}", {})

    assert response.status_code == 200
    assert ticket_state(ticket) == before


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"status": None},
            "status",
            "Input should be 'new', 'open', 'pending', 'on_hold', 'solved' or 'closed'",
        ),
        ({"tags": None}, "tags", "Input should be a valid list"),
        ({"team": 9999}, "team", "no such team"),
        ({"requester_id": 9999}, "requester_id", "no such contact"),
        ({"status": "closed"}, "status", "cannot go from new to closed"),
        ({"subject": " "}, "subject", "may not be empty"),
        (
            {"custom_fields": {"plan": "gold"}},
            "custom_fields.plan",
            "Plan must be one of: free, pro",
        ),
        ({"priority": "high", "assigne": None}, "assigne", "is not a known field"),
    ],
)
def test_patch_refusal_names_the_field_and_changes_nothing(
    agent_api, ticket, plan_field, payload, field, message
):
    before = ticket_state(ticket)

    response = agent_api.patch(f"tickets/{ticket.number}", payload)

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert ticket_state(ticket) == before


def test_closed_ticket_cannot_change(agent_api, ticket):
    actions.update_ticket(actor=Actor.system(), ticket=ticket, status="solved")
    actions.update_ticket(actor=Actor.system(), ticket=ticket, status="closed")
    before = ticket_state(ticket)

    response = agent_api.patch(f"tickets/{ticket.number}", {"priority": "low"})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "status", "message": "a closed ticket cannot change"}
    ]
    assert ticket_state(ticket) == before


def test_light_agent_cannot_patch(light_api, ticket):
    before = ticket_state(ticket)

    response = light_api.patch(f"tickets/{ticket.number}", {"priority": "low"})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Light agents can add internal notes but cannot change tickets."
    }
    assert ticket_state(ticket) == before


# --- merge and links -----------------------------------------------------------


def test_merge_moves_the_conversation_and_answers_the_survivor(agent_api, ticket, team):
    survivor = factories.make_ticket(contact=ticket.contact, team=team)

    response = agent_api.post(f"tickets/{ticket.number}/merge", {"into": survivor.number})

    assert response.status_code == 200
    assert response.json()["number"] == survivor.number
    assert response.json()["message_count"] == 2
    ticket.refresh_from_db()
    assert (ticket.status, ticket.merged_into_id) == ("closed", survivor.number)
    assert agent_api.get(f"tickets/{ticket.number}").json()["merged_into"] == survivor.number


@pytest.mark.parametrize(
    ("into", "field", "message"),
    [
        ("self", "into", "a ticket cannot be merged into itself"),
        (999999, "into", "no such ticket"),
        ("hidden", "into", "no such ticket"),
    ],
)
def test_merge_refusal_names_into_and_changes_nothing(
    other_team_api, other_team, into, field, message
):
    ticket = factories.make_ticket(team=other_team)
    hidden = factories.make_ticket()  # no team: the restricted agent cannot see it
    target = {"self": ticket.number, "hidden": hidden.number}.get(into, into)
    before = (ticket_state(ticket), ticket_state(hidden))

    response = other_team_api.post(f"tickets/{ticket.number}/merge", {"into": target})

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert (ticket_state(ticket), ticket_state(hidden)) == before


def test_merging_an_already_merged_ticket_is_422(agent_api, ticket, team):
    first, second = (factories.make_ticket(team=team) for _ in range(2))
    actions.merge_tickets(actor=Actor.system(), source=ticket, target=first)

    response = agent_api.post(f"tickets/{ticket.number}/merge", {"into": second.number})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "number", "message": f"#{ticket.number} is already merged"}
    ]


def test_link_and_unlink(agent_api, ticket, team):
    other = factories.make_ticket(team=team)

    linked = agent_api.post(f"tickets/{ticket.number}/links", {"other": other.number})

    assert linked.status_code == 201
    assert linked.json() == {"ticket": ticket.number, "other": other.number, "kind": "related"}
    assert TicketLink.objects.filter(source=ticket, target=other).count() == 1
    again = agent_api.post(f"tickets/{other.number}/links", {"other": ticket.number})
    assert again.status_code == 201
    assert TicketLink.objects.count() == 1

    unlinked = agent_api.delete(f"tickets/{other.number}/links/{ticket.number}")

    assert unlinked.status_code == 204
    assert unlinked.content == b""
    assert TicketLink.objects.count() == 0
    assert ticket.events.filter(kind=TicketEvent.Kind.UNLINKED).count() == 1


def test_link_to_itself_or_an_unknown_ticket_is_422(agent_api, ticket):
    for other, message in (
        (ticket.number, "a ticket cannot be linked to itself"),
        (999999, "no such ticket"),
    ):
        response = agent_api.post(f"tickets/{ticket.number}/links", {"other": other})
        assert response.status_code == 422
        assert response.json()["errors"] == [{"field": "other", "message": message}]
    assert TicketLink.objects.count() == 0


def test_unlink_from_an_unseen_ticket_is_404(other_team_api, other_team, ticket):
    mine = factories.make_ticket(team=other_team)
    actions.link_tickets(actor=Actor.system(), ticket=mine, other=ticket)

    response = other_team_api.delete(f"tickets/{mine.number}/links/{ticket.number}")

    assert response.status_code == 404
    assert TicketLink.objects.count() == 1


def test_list_filters_by_requester_email_any_identity(agent_api, customer, other_customer):
    from tandem.people.actions import add_identity
    from tandem.testing.factories import make_ticket

    own = make_ticket(contact=customer)
    make_ticket(contact=other_customer)
    add_identity(contact=customer, kind="email", value="carol.private@home.test")
    for address in ("Carol@Customer.test", "carol.private@home.test"):
        response = agent_api.get(f"tickets?requester={address}")
        assert response.status_code == 200
        assert [t["number"] for t in response.json()["items"]] == [own.number]
    assert agent_api.get("tickets?requester=nobody@nowhere.test").json()["items"] == []
    bad = agent_api.get("tickets?requester=not-an-email")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "requester"
