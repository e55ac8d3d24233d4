"""Every portal URL for every kind of visitor: anonymous, the requester, another customer, agents.

Agents signed in to the workspace are not portal customers: to the portal they are anonymous.
Every refused write leaves every table as it was.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tandem.people.models import Agent
from tandem.portal.auth import SESSION_KEY
from tandem.portal.tests.signed_in import agent_client, portal_client
from tandem.portal.tests.test_views import snapshot
from tandem.testing import factories
from tandem.tickets.actions import IncomingFile
from tandem.tickets.models import Attachment, Status, Ticket

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "requester", "other_customer", "agent", "admin")
SIGN_IN = "/portal/sign-in/"
AS_ANONYMOUS = {"anonymous", "agent", "admin"}


def ok(status=200):
    return (status, None)


OK = ok()


def to(location):
    return (302, location)


@pytest.fixture
def world(db, customer, other_customer):
    ticket = factories.make_ticket(
        contact=customer,
        subject="Carol's request",
        attachments=[IncomingFile("a.txt", b"a", "text/plain")],
    )
    return {
        "ticket": ticket,
        "token": Attachment.objects.get().token,
        "clients": {
            "anonymous": Client(),
            "requester": portal_client(customer),
            "other_customer": portal_client(other_customer),
            "agent": agent_client(factories.make_agent(email="agent@desk.test")),
            "admin": agent_client(
                factories.make_agent(email="boss@desk.test", role=Agent.Role.ADMIN)
            ),
        },
    }


def sign_in_first(path):
    return (302, SIGN_IN + "?next=" + path.replace("/", "%2F"))


def expectations(ticket, token):
    number = ticket.number
    detail = f"/portal/requests/{number}/"
    attachment = f"/portal/requests/{number}/attachments/{token}/"
    requests_ = "/portal/requests/"
    new = "/portal/requests/new/"
    unknown_link = "/portal/link/" + "x" * 43 + "/"

    def signed_in_only(path, owner=OK, other=OK):
        return {
            "anonymous": sign_in_first(path),
            "agent": sign_in_first(path),
            "admin": sign_in_first(path),
            "requester": owner,
            "other_customer": other,
        }

    def public(anonymous, customer):
        return {
            "anonymous": anonymous,
            "agent": anonymous,
            "admin": anonymous,
            "requester": customer,
            "other_customer": customer,
        }

    return [
        ("GET", "/portal/", public(ok(), to(requests_))),
        ("GET", SIGN_IN, public(ok(), to(requests_))),
        ("GET", "/portal/sign-in/sent/", public(ok(), ok())),
        ("GET", unknown_link, public(ok(404), ok(404))),
        ("POST", unknown_link, public(ok(404), ok(404))),
        ("GET", "/portal/submit/", public(ok(), to(new))),
        ("GET", "/portal/submit/thanks/", public(ok(), ok())),
        ("GET", requests_, signed_in_only(requests_)),
        ("GET", new, signed_in_only(new)),
        ("GET", detail, signed_in_only(detail, other=ok(404))),
        ("GET", attachment, signed_in_only(attachment, other=ok(404))),
        (
            "GET",
            f"/portal/requests/{number + 1000}/",
            signed_in_only(f"/portal/requests/{number + 1000}/", owner=ok(404), other=ok(404)),
        ),
        ("GET", f"{detail}reply/", public(ok(405), ok(405))),
        ("GET", f"{detail}solve/", public(ok(405), ok(405))),
        ("GET", "/portal/sign-out/", public(ok(405), ok(405))),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_portal_page_answers_each_visitor_as_expected(world, role):
    client = world["clients"][role]
    for method, path, by_role in expectations(world["ticket"], world["token"]):
        before = snapshot()
        response = client.get(path) if method == "GET" else client.post(path)
        status, location = by_role[role]
        assert response.status_code == status, (method, path, role)
        if location is not None:
            assert response["Location"] == location, (method, path, role)
        assert snapshot() == before, (method, path, role)


def _reply(client, ticket):
    return client.post(
        reverse("portal:reply", kwargs={"number": ticket.number}), {"body": "Hello from the portal"}
    )


def _solve(client, ticket):
    return client.post(reverse("portal:mark_solved", kwargs={"number": ticket.number}))


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"requester"}))
@pytest.mark.parametrize("write", [_reply, _solve])
def test_nobody_but_the_requester_writes_to_the_request(world, role, write):
    ticket = world["ticket"]
    before = snapshot()
    response = write(world["clients"][role], ticket)

    if role in AS_ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"] == SIGN_IN
    else:
        assert response.status_code == 404
    assert snapshot() == before
    ticket.refresh_from_db()
    assert (ticket.status, ticket.message_count) == (Status.NEW, 1)


def test_the_requester_writes_to_their_request(world):
    ticket = world["ticket"]
    client = world["clients"]["requester"]
    assert _reply(client, ticket).status_code == 302
    assert _solve(client, ticket).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.message_count) == (Status.SOLVED, 2)


@pytest.mark.parametrize("role", ("anonymous", "agent", "admin"))
def test_new_request_needs_a_portal_session(world, role):
    before = snapshot()
    response = world["clients"][role].post(
        reverse("portal:new_request"), {"subject": "Hi", "description": "There"}
    )
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert snapshot() == before


def test_agent_session_never_makes_a_portal_customer(world):
    client = world["clients"]["agent"]
    assert SESSION_KEY not in client.session
    page = client.get("/portal/")
    assert page.status_code == 200
    assert b"You are signed in to the desk as an agent" in page.content
    assert page.context["portal_contact"] is None


def test_portal_session_never_makes_an_agent(world):
    client = world["clients"]["requester"]
    assert "_auth_user_id" not in client.session
    # The site's front door sends a customer to the portal, not to the inbox.
    response = client.get("/")
    assert response["Location"] == reverse("portal:home")


def test_sign_out_for_everyone_redirects_home_and_writes_nothing(world):
    for role in ROLES:
        before = snapshot()
        response = world["clients"][role].post(reverse("portal:sign_out"))
        assert response.status_code == 302
        assert response["Location"] == "/portal/"
        assert snapshot() == before
    assert Ticket.objects.count() == 1
