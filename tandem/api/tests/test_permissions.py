"""Every endpoint tried by every kind of caller; a refused call must leave the data as it was."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.api.models import ApiToken
from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.api.tests.fixtures import ApiClient, token_for
from tandem.people import actions as people_actions
from tandem.people.actors import Actor
from tandem.people.models import Contact, ContactIdentity, Organization
from tandem.testing import factories
from tandem.tickets import actions as ticket_actions
from tandem.tickets.models import Attachment, Message, Ticket, TicketEvent, TicketLink

ROLES = ("anonymous", "bad_token", "revoked", "read_scope", "light", "other_team", "agent", "admin")

UNAUTHENTICATED = {"anonymous": 401, "bad_token": 401, "revoked": 401}


def reads(ok: int = 200, *, other_team: int | None = None) -> dict[str, int]:
    """Anything any agent may read; a team-restricted agent gets 404 for others' tickets."""
    return {
        **UNAUTHENTICATED,
        "read_scope": ok,
        "light": ok,
        "other_team": ok if other_team is None else other_team,
        "agent": ok,
        "admin": ok,
    }


def writes(ok: int, *, light: int = 403, other_team: int | None = None) -> dict[str, int]:
    return {
        **UNAUTHENTICATED,
        "read_scope": 403,
        "light": light,
        "other_team": ok if other_team is None else other_team,
        "agent": ok,
        "admin": ok,
    }


@dataclass
class World:
    ticket: Ticket
    second: Ticket  # linked to ticket
    third: Ticket
    attachment: Attachment
    contact: Contact
    lonely: Contact  # no tickets, so it may be deleted
    identity: ContactIdentity
    organization: Organization


@pytest.fixture
def world(ticket, customer, agent, light_agent, other_team_agent, admin, team) -> World:
    second = factories.make_ticket(contact=customer, subject="Also locked out", team=team)
    third = factories.make_ticket(contact=customer, subject="Password reset mail", team=team)
    ticket_actions.link_tickets(actor=Actor.for_agent(agent), ticket=ticket, other=second)
    note = ticket_actions.add_message(
        actor=Actor.for_agent(agent),
        ticket=ticket,
        body="Log attached",
        visibility="internal",
        attachments=[ticket_actions.IncomingFile("log.txt", b"error 42", "text/plain")],
    )
    lonely = people_actions.create_contact(name="Lonely Lead", email="lonely@example.test")
    identity = people_actions.add_identity(contact=lonely, kind="phone", value="+44 20 1234")
    organization = factories.make_organization(name="Acme", domains=["acme.test"])
    return World(
        ticket=ticket,
        second=second,
        third=third,
        attachment=note.attachments.get(),
        contact=customer,
        lonely=lonely,
        identity=identity,
        organization=organization,
    )


def _file() -> dict:
    return {
        "filename": "a.txt",
        "content_type": "text/plain",
        "content_base64": base64.b64encode(b"hello").decode(),
    }


# (name, method, path, body, expected status per role). Paths and bodies are filled from World.
ENDPOINTS: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("list tickets", "get", "tickets", None, reads()),
    (
        "create ticket",
        "post",
        "tickets",
        {"subject": "Via API", "body": "Hello", "requester": {"email": "new@example.test"}},
        writes(201),
    ),
    ("get ticket", "get", "tickets/{ticket}", None, reads(other_team=404)),
    (
        "update ticket",
        "patch",
        "tickets/{ticket}",
        {"priority": "high"},
        writes(200, other_team=404),
    ),
    (
        "merge ticket",
        "post",
        "tickets/{ticket}/merge",
        {"into": "{second}"},
        writes(200, other_team=404),
    ),
    (
        "link ticket",
        "post",
        "tickets/{third}/links",
        {"other": "{ticket}"},
        writes(201, other_team=404),
    ),
    (
        "unlink ticket",
        "delete",
        "tickets/{ticket}/links/{second}",
        None,
        writes(204, other_team=404),
    ),
    ("list messages", "get", "tickets/{ticket}/messages", None, reads(other_team=404)),
    (
        "reply",
        "post",
        "tickets/{ticket}/messages",
        {"body": "Try again", "visibility": "public"},
        writes(201, other_team=404),
    ),
    (
        "internal note",
        "post",
        "tickets/{ticket}/messages",
        {"body": "Checking", "visibility": "internal", "attachments": [_file()]},
        writes(201, light=201, other_team=404),
    ),
    (
        "upload note",
        "multipart",
        "tickets/{ticket}/messages/upload",
        {"body": "Screenshot", "visibility": "internal"},
        writes(201, light=201, other_team=404),
    ),
    ("download attachment", "get", "attachments/{attachment}", None, reads(other_team=404)),
    ("list contacts", "get", "contacts", None, reads()),
    (
        "create contact",
        "post",
        "contacts",
        {"name": "Nina New", "email": "nina@example.test"},
        writes(201),
    ),
    ("get contact", "get", "contacts/{contact}", None, reads()),
    ("update contact", "patch", "contacts/{contact}", {"plan": "pro"}, writes(200)),
    ("delete contact", "delete", "contacts/{lonely}", None, writes(204)),
    ("contact tickets", "get", "contacts/{contact}/tickets", None, reads()),
    (
        "add identity",
        "post",
        "contacts/{contact}/identities",
        {"kind": "twitter", "value": "@carol"},
        writes(201),
    ),
    ("remove identity", "delete", "contacts/{lonely}/identities/{identity}", None, writes(204)),
    ("list organizations", "get", "organizations", None, reads()),
    ("create organization", "post", "organizations", {"name": "Globex"}, writes(201)),
    ("get organization", "get", "organizations/{organization}", None, reads()),
    (
        "update organization",
        "patch",
        "organizations/{organization}",
        {"plan": "enterprise"},
        writes(200),
    ),
    ("delete organization", "delete", "organizations/{organization}", None, writes(204)),
    ("organization contacts", "get", "organizations/{organization}/contacts", None, reads()),
]

CASES = [
    pytest.param(method, path, body, role, expected[role], id=f"{name}-{role}")
    for name, method, path, body, expected in ENDPOINTS
    for role in ROLES
]


def _client(role: str, request) -> ApiClient:
    if role == "anonymous":
        return ApiClient()
    if role == "bad_token":
        return ApiClient("tdm_deadbeef_not-a-real-secret")
    agent = request.getfixturevalue("agent")
    if role == "revoked":
        return ApiClient(token_for(agent, revoked=True))
    if role == "read_scope":
        return ApiClient(token_for(agent, scope=ApiToken.Scope.READ))
    fixture = {
        "light": "light_agent",
        "other_team": "other_team_agent",
        "agent": "agent",
        "admin": "admin",
    }[role]
    return ApiClient(token_for(request.getfixturevalue(fixture)))


def _fill(value: Any, world: World) -> Any:
    ids = {
        "ticket": world.ticket.number,
        "second": world.second.number,
        "third": world.third.number,
        "attachment": world.attachment.pk,
        "contact": world.contact.pk,
        "lonely": world.lonely.pk,
        "identity": world.identity.pk,
        "organization": world.organization.pk,
    }
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    return value


def _state() -> dict[str, list]:
    """Everything these endpoints could change, as plain values."""
    return {
        "tickets": list(
            Ticket.objects.order_by("number").values_list(
                "number",
                "subject",
                "status",
                "priority",
                "team",
                "assignee",
                "merged_into",
                "contact",
                "updated_at",
                "message_count",
            )
        ),
        "tags": list(Ticket.tags.through.objects.order_by("id").values_list("ticket", "tag")),
        "messages": list(Message.objects.order_by("id").values_list("id", "ticket", "body")),
        "attachments": list(Attachment.objects.order_by("id").values_list("id", "ticket")),
        "events": list(TicketEvent.objects.order_by("id").values_list("id", "kind")),
        "links": list(TicketLink.objects.order_by("id").values_list("source", "target")),
        "contacts": list(
            Contact.objects.order_by("id").values_list(
                "id", "name", "email", "plan", "organization"
            )
        ),
        "identities": list(
            ContactIdentity.objects.order_by("id").values_list(
                "id", "contact", "kind", "value", "is_primary"
            )
        ),
        "organizations": list(
            Organization.objects.order_by("id").values_list("id", "name", "plan", "domains")
        ),
    }


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), CASES)
def test_endpoint_answers_each_caller_as_its_role_allows(
    world, request, method, path, body, role, expected
):
    client = _client(role, request)
    url, body = _fill(path, world), _fill(body, world)
    before = _state()

    if method == "get":
        response = client.get(url)
    elif method == "delete":
        response = client.delete(url)
    elif method == "multipart":
        upload = SimpleUploadedFile("shot.png", b"\x89PNG", content_type="image/png")
        response = client.post_multipart(url, {**body, "attachments": [upload]})
    else:
        response = getattr(client, method)(url, body)

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) == {"detail"}
        assert _state() == before
    elif method != "get":
        assert _state() != before
