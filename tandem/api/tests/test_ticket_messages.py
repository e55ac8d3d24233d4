"""The tickets API's conversation: listing and adding messages, and downloading attachments.

(tandem/tickets/api.py; kept apart from tandem/tickets/tests/test_api.py for size.)
"""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import Attachment, Message, Ticket, TicketEvent

iso = DjangoJSONEncoder().default


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def conversation(ticket: Ticket) -> list[tuple]:
    return list(
        Message.objects.filter(ticket=ticket).order_by("id").values_list("id", "visibility", "body")
    ) + [ticket.events.count(), Attachment.objects.count()]


@pytest.fixture
def noted(ticket, agent):
    """The ticket with an internal note carrying a file."""
    actions.add_message(
        actor=Actor.for_agent(agent),
        ticket=ticket,
        body="Seen in logs",
        visibility="internal",
        attachments=[actions.IncomingFile("trace.txt", b"boom", "text/plain")],
    )
    return ticket


# --- list ----------------------------------------------------------------------


def test_messages_list_the_conversation_with_internal_notes(agent_api, noted, agent, customer):
    first, note = noted.messages.order_by("id")
    attachment = note.attachments.get()

    response = agent_api.get(f"tickets/{noted.number}/messages")

    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "items": [
            {
                "id": first.pk,
                "ticket": noted.number,
                "body": "The login page says my password is wrong.",
                "html": "<p>The login page says my password is wrong.</p>",
                "visibility": "public",
                "author": {
                    "kind": "contact",
                    "id": customer.pk,
                    "name": "Carol Customer",
                    "email": "carol@customer.test",
                },
                "created_at": iso(first.created_at),
                "attachments": [],
                "delivery_status": None,
            },
            {
                "id": note.pk,
                "ticket": noted.number,
                "body": "Seen in logs",
                "html": "<p>Seen in logs</p>",
                "visibility": "internal",
                "author": {
                    "kind": "agent",
                    "id": agent.pk,
                    "name": "Alex Agent",
                    "email": "alex@desk.test",
                },
                "created_at": iso(note.created_at),
                "attachments": [
                    {
                        "id": attachment.pk,
                        "filename": "trace.txt",
                        "content_type": "text/plain",
                        "size": 4,
                        "url": f"http://testserver/api/v1/attachments/{attachment.pk}",
                    }
                ],
                "delivery_status": None,
            },
        ],
    }


def test_messages_page_by_cursor_oldest_first(agent_api, ticket, agent):
    for n in range(4):
        actions.add_message(
            actor=Actor.for_agent(agent), ticket=ticket, body=f"note {n}", visibility="internal"
        )

    bodies, url = [], f"/api/v1/tickets/{ticket.number}/messages?limit=2"
    while url:
        page = agent_api.client.get(url, headers=agent_api.headers).json()
        bodies.append([m["body"] for m in page["items"]])
        url = page["next"]
    assert bodies == [
        ["The login page says my password is wrong.", "note 0"],
        ["note 1", "note 2"],
        ["note 3"],
    ]


def test_messages_bad_cursor_is_422(agent_api, ticket):
    response = agent_api.get(f"tickets/{ticket.number}/messages", {"cursor": "nope"})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "cursor", "message": "is not valid; follow a `next` link"}
    ]


def test_messages_cost_the_same_queries_for_5_and_50(
    agent_api, ticket, agent, django_assert_max_num_queries
):
    for n in range(50):
        actions.add_message(
            actor=Actor.for_agent(agent),
            ticket=ticket,
            body=f"n{n}",
            visibility="internal",
            attachments=[actions.IncomingFile(f"{n}.txt", b"x", "text/plain")],
        )
    agent_api.get(f"tickets/{ticket.number}/messages", {"limit": 1})

    counts = {}
    for size in (5, 50):
        # token, ticket, messages with authors, their attachments
        with django_assert_max_num_queries(4), CaptureQueriesContext(connection) as queries:
            response = agent_api.get(f"tickets/{ticket.number}/messages", {"limit": size})
        assert len(response.json()["items"]) == size
        counts[size] = len(queries)
    assert counts[5] == counts[50]


def test_messages_of_an_unseen_ticket_are_404(other_team_api, ticket):
    assert other_team_api.get(f"tickets/{ticket.number}/messages").status_code == 404


# --- add -----------------------------------------------------------------------


def test_public_reply_opens_the_ticket_and_is_logged_as_the_api(agent_api, agent, ticket):
    response = agent_api.post(
        f"tickets/{ticket.number}/messages", {"body": "Reset it here.", "visibility": "public"}
    )

    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["id"])
    assert response.json()["author"] == {
        "kind": "agent",
        "id": agent.pk,
        "name": "Alex Agent",
        "email": "alex@desk.test",
    }
    assert (message.visibility, message.channel, message.author_agent) == ("public", "api", agent)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.message_count) == ("open", 2)
    assert ticket.first_response_at == message.created_at
    event = ticket.events.get(kind=TicketEvent.Kind.MESSAGE_ADDED, message=message)
    assert (event.actor_kind, event.actor_agent) == ("api", agent)


def test_reply_can_move_the_status(agent_api, ticket):
    response = agent_api.post(
        f"tickets/{ticket.number}/messages",
        {"body": "Waiting on you", "visibility": "public", "status": "pending"},
    )

    assert response.status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == "pending"


def test_message_with_base64_files_stores_them(agent_api, ticket):
    response = agent_api.post(
        f"tickets/{ticket.number}/messages",
        {
            "body": "",
            "visibility": "internal",
            "attachments": [
                {"filename": "../../etc/passwd", "content_base64": b64(b"root")},
                {"filename": "b.csv", "content_type": "text/csv", "content_base64": b64(b"a,b")},
            ],
        },
    )

    assert response.status_code == 201
    files = response.json()["attachments"]
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("passwd", "application/octet-stream", 4),
        ("b.csv", "text/csv", 3),
    ]
    stored = Attachment.objects.get(pk=files[0]["id"])
    assert (stored.ticket, stored.file.read()) == (ticket, b"root")


def test_multipart_upload_adds_a_message_with_files(agent_api, ticket):
    response = agent_api.post_multipart(
        f"tickets/{ticket.number}/messages/upload",
        {
            "body": "Two screenshots",
            "visibility": "public",
            "status": "",
            "attachments": [
                SimpleUploadedFile("one.png", b"\x89PNG1", content_type="image/png"),
                SimpleUploadedFile("two.png", b"\x89PNG22", content_type="image/png"),
            ],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["body"], body["visibility"]) == ("Two screenshots", "public")
    assert [(f["filename"], f["size"]) for f in body["attachments"]] == [
        ("one.png", 5),
        ("two.png", 6),
    ]
    assert ticket.messages.count() == 2


def test_multipart_upload_without_visibility_is_422(agent_api, ticket):
    before = conversation(ticket)

    response = agent_api.post_multipart(
        f"tickets/{ticket.number}/messages/upload", {"body": "hello"}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "visibility", "message": "is required"}]
    assert conversation(ticket) == before


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"body": "  ", "visibility": "public"}, "body", "may not be empty"),
        ({"body": "x"}, "visibility", "is required"),
        (
            {"body": "x", "visibility": "secret"},
            "visibility",
            "Input should be 'public' or 'internal'",
        ),
        (
            {
                "body": "x",
                "visibility": "public",
                "attachments": [{"filename": "a", "content_base64": "!!"}],
            },
            "attachments[0].content_base64",
            "is not base64",
        ),
    ],
)
def test_bad_message_is_422_and_adds_nothing(agent_api, ticket, payload, field, message):
    before = conversation(ticket)

    response = agent_api.post(f"tickets/{ticket.number}/messages", payload)

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert conversation(ticket) == before


def test_light_agent_adds_notes_but_never_replies_or_moves_status(light_api, light_agent, ticket):
    note = light_api.post(
        f"tickets/{ticket.number}/messages",
        {"body": "Engineering looked", "visibility": "internal"},
    )
    assert note.status_code == 201
    assert note.json()["author"]["id"] == light_agent.pk
    before = conversation(ticket)

    for payload in (
        {"body": "Hi customer", "visibility": "public"},
        {"body": "Done", "visibility": "internal", "status": "solved"},
    ):
        response = light_api.post(f"tickets/{ticket.number}/messages", payload)
        assert response.status_code == 403
    assert conversation(ticket) == before
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_agent_reply_to_a_closed_ticket_is_refused(agent_api, ticket):
    actions.update_ticket(actor=Actor.system(), ticket=ticket, status="solved")
    actions.update_ticket(actor=Actor.system(), ticket=ticket, status="closed")

    response = agent_api.post(
        f"tickets/{ticket.number}/messages", {"body": "One more thing", "visibility": "public"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "ticket"
    assert not Ticket.objects.filter(followup_of=ticket).exists()
    assert ticket.messages.count() == 1


# --- attachments ---------------------------------------------------------------


def test_attachment_downloads_as_a_file_that_cannot_be_sniffed(agent_api, noted):
    attachment = Attachment.objects.get()

    response = agent_api.get(f"attachments/{attachment.pk}")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"boom"
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="trace.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == "4"


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "", "text/javascript"])
def test_active_content_is_served_as_opaque_bytes(agent_api, ticket, agent, content_type):
    message = actions.add_message(
        actor=Actor.for_agent(agent),
        ticket=ticket,
        body="see",
        visibility="internal",
        attachments=[actions.IncomingFile("page.bin", b"<script>1</script>", content_type)],
    )

    response = agent_api.get(f"attachments/{message.attachments.get().pk}")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_attachment_of_an_unseen_ticket_is_404(other_team_api, noted):
    response = other_team_api.get(f"attachments/{Attachment.objects.get().pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_unknown_attachment_is_404(agent_api):
    assert agent_api.get("attachments/424242").status_code == 404


def test_attachment_follows_its_ticket_into_a_merge(other_team_api, other_team, noted):
    survivor = factories.make_ticket(team=other_team)
    actions.merge_tickets(actor=Actor.system(), source=noted, target=survivor)

    response = other_team_api.get(f"attachments/{Attachment.objects.get().pk}")

    assert response.status_code == 200
