"""The customer's pages: submitting requests, the list, one request, replies, files, solving."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.people.actors import Actor
from tandem.people.models import Contact, ContactIdentity
from tandem.portal.models import SignInLink
from tandem.portal.tests.signed_in import path_of, portal_client
from tandem.testing import factories
from tandem.tickets.actions import IncomingFile, add_message, update_ticket
from tandem.tickets.models import (
    Attachment,
    Channel,
    Message,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
)

pytestmark = pytest.mark.django_db

SUBMIT = reverse("portal:submit")
NEW = reverse("portal:new_request")
LIST = reverse("portal:requests")


def detail(ticket) -> str:
    return reverse("portal:request", kwargs={"number": ticket.number})


def upload(name="log.txt", content=b"line 1\n", content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def snapshot():
    """Every table a portal write could touch, counted."""
    return {
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "events": TicketEvent.objects.count(),
        "attachments": Attachment.objects.count(),
        "contacts": Contact.objects.count(),
        "identities": ContactIdentity.objects.count(),
        "links": SignInLink.objects.count(),
    }


# --- visitors without an account ------------------------------------------------------


def test_visitor_submits_a_request_and_gets_a_link_to_follow_it(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            SUBMIT,
            {
                "name": "Nina New",
                "email": "Nina@New.test",
                "subject": "Where is my order?",
                "description": "Ordered last week, nothing yet.",
                "attachments": [upload("receipt.pdf", b"%PDF-1.4", "application/pdf")],
            },
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:submitted")
    contact = Contact.objects.get(email="nina@new.test")
    assert contact.name == "Nina New"
    ticket = Ticket.objects.get(contact=contact)
    assert ticket.subject == "Where is my order?"
    assert ticket.channel == Channel.PORTAL
    assert ticket.status == Status.NEW
    message = ticket.messages.get()
    assert message.body == "Ordered last week, nothing yet."
    assert message.author_contact == contact
    assert [(a.filename, a.content_type, a.size) for a in message.attachments.all()] == [
        ("receipt.pdf", "application/pdf", 8)
    ]
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["nina@new.test"]
    assert sent.subject == f"[#{ticket.number}] We received your request: Where is my order?"
    url = re.search(r"http://\S+/portal/link/\S+/", sent.body).group(0)

    # The link signs them in and opens the request.
    browser = Client()
    signed_in = browser.post(path_of(url))
    assert signed_in["Location"] == detail(ticket)
    page = browser.get(detail(ticket))
    assert page.status_code == 200
    assert b"Ordered last week, nothing yet." in page.content


def test_visitor_with_a_known_address_files_under_that_contact(
    customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            SUBMIT,
            {
                "name": "Someone",
                "email": "carol@customer.test",
                "subject": "Invoice",
                "description": "Please resend it.",
            },
        )
    assert response["Location"] == reverse("portal:submitted")
    assert Contact.objects.filter(email="carol@customer.test").count() == 1
    assert Ticket.objects.get().contact == customer
    customer.refresh_from_db()
    assert customer.name == "Carol Customer"  # a visitor does not rename a known contact
    assert mail.outbox[0].to == ["carol@customer.test"]


def test_visitor_form_errors_are_shown_per_field_and_nothing_is_written(
    django_capture_on_commit_callbacks,
):
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            SUBMIT, {"name": "", "email": "nope", "subject": "", "description": ""}
        )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {
        "name": ["This field is required."],
        "email": ["Enter a valid email address."],
        "subject": ["This field is required."],
        "description": ["This field is required."],
    }
    assert b'aria-invalid="true"' in response.content
    assert snapshot() == before
    assert mail.outbox == []


def test_visitor_attachment_too_large_is_a_form_error_and_nothing_is_written(
    settings, django_capture_on_commit_callbacks
):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            SUBMIT,
            {
                "name": "Nina",
                "email": "nina@new.test",
                "subject": "Big file",
                "description": "See attached",
                "attachments": [
                    upload("ok.txt", b"small"),
                    upload("big.bin", b"x" * (1024 * 1024 + 1)),
                ],
            },
        )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "attachments": ["big.bin is larger than 1 MB"],
    }
    assert snapshot() == before
    assert mail.outbox == []


def test_visitor_submissions_are_rate_limited(django_capture_on_commit_callbacks):
    browser = Client(REMOTE_ADDR="10.4.4.4")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            browser.post(
                SUBMIT,
                {"name": "N", "email": f"n{n}@new.test", "subject": "Hi", "description": "Hello"},
            )
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            SUBMIT, {"name": "N", "email": "n9@new.test", "subject": "Hi", "description": "Hello"}
        )
    assert response.status_code == 429
    assert b"Too many requests" in response.content
    assert snapshot() == before
    assert len(mail.outbox) == 5


def test_signed_in_customer_is_sent_from_the_visitor_form_to_the_request_form(customer_client):
    response = customer_client.get(SUBMIT)
    assert response.status_code == 302
    assert response["Location"] == NEW


# --- new requests from signed-in customers ---------------------------------------------


def test_customer_submits_a_request_with_attachments(customer, customer_client):
    response = customer_client.post(
        NEW,
        {
            "subject": "Printer jam",
            "description": "It jams on page 2.",
            "attachments": [upload("a.txt", b"aaa"), upload("b.png", b"\x89PNG", "image/png")],
        },
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(ticket)
    assert (ticket.contact, ticket.subject, ticket.channel, ticket.status) == (
        customer,
        "Printer jam",
        Channel.PORTAL,
        Status.NEW,
    )
    message = ticket.messages.get()
    assert message.channel == Channel.PORTAL
    assert message.author_kind == Message.AuthorKind.CONTACT
    assert [(a.filename, a.size) for a in message.attachments.all()] == [("a.txt", 3), ("b.png", 4)]
    created = ticket.events.get(kind=TicketEvent.Kind.CREATED)
    assert (created.actor_kind, created.actor_contact) == ("contact", customer)
    page = customer_client.get(response["Location"])
    assert f"Thanks, we have received your request #{ticket.number}.".encode() in page.content


def test_too_many_attachments_is_a_form_error_and_nothing_is_written(settings, customer_client):
    settings.ATTACHMENT_MAX_COUNT = 1
    before = snapshot()
    response = customer_client.post(
        NEW,
        {
            "subject": "Two files",
            "description": "Here",
            "attachments": [upload("a.txt"), upload("b.txt")],
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"attachments": ["At most 1 files at once"]}
    assert b"At most 1 files at once" in response.content
    assert snapshot() == before


def test_request_form_errors_are_shown_per_field(customer_client):
    before = snapshot()
    response = customer_client.post(NEW, {"subject": "x" * 251, "description": ""})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "subject": ["Ensure this value has at most 250 characters (it has 251)."],
        "description": ["This field is required."],
    }
    assert snapshot() == before


# --- the list ------------------------------------------------------------------------


def test_list_shows_own_followed_and_shared_organization_requests_only(organization):
    me = factories.make_contact(email="me@acme.test", name="Me Acme", organization=organization)
    colleague = factories.make_contact(
        email="col@acme.test", name="Col League", organization=organization
    )
    stranger = factories.make_contact(email="x@else.test", name="Stranger")
    t0 = timezone.now() - dt.timedelta(days=3)
    mine = factories.make_ticket(contact=me, subject="Mine", at=t0)
    theirs = factories.make_ticket(
        contact=colleague, subject="Colleague's", at=t0 + dt.timedelta(hours=1)
    )
    followed = factories.make_ticket(
        contact=stranger, subject="Followed", at=t0 + dt.timedelta(hours=2)
    )
    followed.followers.add(me)
    factories.make_ticket(contact=stranger, subject="Not mine", at=t0 + dt.timedelta(hours=3))
    pending = add_message(
        actor=Actor.for_agent(factories.make_agent()),
        ticket=mine,
        body="Which model?",
        status=Status.PENDING,
    )
    assert pending.ticket.status == Status.PENDING

    browser = portal_client(me)
    everything = browser.get(LIST)
    assert everything.status_code == 200
    rows = [(t.subject, t.number) for t in everything.context["page"].object_list]
    # Newest activity first: the agent's question moved "Mine" to the top.
    assert rows == [
        ("Mine", mine.number),
        ("Followed", followed.number),
        ("Colleague's", theirs.number),
    ]
    assert b"Awaiting your reply" in everything.content
    assert b"asked by Col League" in everything.content
    assert b"Not mine" not in everything.content

    own = browser.get(LIST, {"show": "mine"})
    assert [t.subject for t in own.context["page"].object_list] == ["Mine", "Followed"]
    org = browser.get(LIST, {"show": "organization"})
    assert [t.subject for t in org.context["page"].object_list] == ["Mine", "Colleague's"]


def test_organization_that_does_not_share_shows_only_own(organization):
    organization.shares_requests = False
    organization.save(update_fields=["shares_requests"])
    me = factories.make_contact(email="me@acme.test", organization=organization)
    colleague = factories.make_contact(email="col@acme.test", organization=organization)
    factories.make_ticket(contact=colleague, subject="Colleague's")
    factories.make_ticket(contact=me, subject="Mine")

    browser = portal_client(me)
    response = browser.get(LIST, {"show": "organization"})
    assert response.context["show"] == "all"
    assert [t.subject for t in response.context["page"].object_list] == ["Mine"]
    assert b'aria-label="Which requests"' not in response.content


def test_list_shows_statuses_in_customer_words(customer, customer_client):
    agent = Actor.for_agent(factories.make_agent())
    words = {}
    for status in ("new", "open", "pending", "on_hold", "solved", "closed"):
        ticket = factories.make_ticket(contact=customer, subject=f"Status {status}")
        if status == "closed":
            update_ticket(actor=agent, ticket=ticket, status="solved")
        if status != "new":
            update_ticket(actor=agent, ticket=ticket, status=status)
        words[ticket.number] = status
    response = customer_client.get(LIST)
    shown = re.findall(
        rb'Status (\w+)</span>.*?<span class="status status-\w+">([^<]+)</span>',
        response.content,
        re.S,
    )
    assert dict(shown) == {
        b"new": b"Open",
        b"open": b"Open",
        b"pending": b"Awaiting your reply",
        b"on_hold": b"Open",
        b"solved": b"Solved",
        b"closed": b"Closed",
    }


def test_list_is_paginated_in_a_fixed_number_of_queries(
    customer, customer_client, django_assert_max_num_queries
):
    t0 = timezone.now() - dt.timedelta(days=30)
    for n in range(25):
        factories.make_ticket(
            contact=customer, subject=f"Request {n:02}", at=t0 + dt.timedelta(hours=n)
        )
    with django_assert_max_num_queries(8):
        first = customer_client.get(LIST)
    assert [t.subject for t in first.context["page"].object_list] == [
        f"Request {n:02}" for n in range(24, 4, -1)
    ]
    assert b"Page 1 of 2" in first.content
    second = customer_client.get(LIST, {"page": 2})
    assert [t.subject for t in second.context["page"].object_list] == [
        f"Request {n:02}" for n in range(4, -1, -1)
    ]


# --- one request ---------------------------------------------------------------------


def test_detail_shows_the_public_conversation_and_never_internal_notes(
    customer_client, ticket, agent
):
    add_message(
        actor=Actor.for_agent(agent),
        ticket=ticket,
        visibility="internal",
        body="SECRET NOTE: customer is on the watch list",
        attachments=[IncomingFile("internal.txt", b"internal")],
    )
    add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Try resetting it.")

    response = customer_client.get(detail(ticket))
    assert response.status_code == 200
    assert [m.body for m in response.context["conversation"]] == [
        "The login page says my password is wrong.",
        "Try resetting it.",
    ]
    assert b"SECRET NOTE" not in response.content
    assert b"internal.txt" not in response.content
    assert b"Alex Agent (Tandem)" in response.content
    # Plain-text messages store no HTML: the page renders their text.
    assert b"<p>Try resetting it.</p>" in response.content


def test_another_customers_request_is_404(other_client, ticket):
    assert other_client.get(detail(ticket)).status_code == 404


def test_nonexistent_request_is_404(customer_client):
    assert (
        customer_client.get(reverse("portal:request", kwargs={"number": 999999})).status_code == 404
    )


# --- attachments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "served"),
    [
        ("image/png", "image/png"),
        ("text/plain", "text/plain"),
        ("text/html", "application/octet-stream"),
        ("application/xhtml+xml", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
    ],
)
def test_attachment_download_headers(customer, customer_client, stored, served):
    ticket = factories.make_ticket(
        contact=customer, attachments=[IncomingFile("report file.dat", b"<b>hi</b>", stored)]
    )
    attachment = Attachment.objects.get()
    url = reverse("portal:attachment", kwargs={"number": ticket.number, "token": attachment.token})
    response = customer_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<b>hi</b>"
    assert response["Content-Type"] == served
    assert response["Content-Disposition"] == 'attachment; filename="report_file.dat"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_attachment_missing_from_storage_is_404(customer, customer_client):
    ticket = factories.make_ticket(contact=customer, attachments=[IncomingFile("a.txt", b"a")])
    attachment = Attachment.objects.get()
    attachment.file.storage.delete(attachment.file.name)
    url = reverse("portal:attachment", kwargs={"number": ticket.number, "token": attachment.token})
    assert customer_client.get(url).status_code == 404


def test_attachment_is_404_for_another_customer(other_client, customer):
    ticket = factories.make_ticket(contact=customer, attachments=[IncomingFile("a.txt", b"a")])
    token = Attachment.objects.get().token
    url = reverse("portal:attachment", kwargs={"number": ticket.number, "token": token})
    assert other_client.get(url).status_code == 404


def test_attachment_of_an_internal_note_is_404(customer_client, ticket, agent):
    add_message(
        actor=Actor.for_agent(agent),
        ticket=ticket,
        visibility="internal",
        body="x",
        attachments=[IncomingFile("internal.txt", b"internal")],
    )
    token = Attachment.objects.get().token
    url = reverse("portal:attachment", kwargs={"number": ticket.number, "token": token})
    assert customer_client.get(url).status_code == 404


def test_attachment_of_another_ticket_is_404_through_my_ticket(
    customer, customer_client, other_customer
):
    mine = factories.make_ticket(contact=customer)
    factories.make_ticket(contact=other_customer, attachments=[IncomingFile("b.txt", b"b")])
    token = Attachment.objects.get().token
    url = reverse("portal:attachment", kwargs={"number": mine.number, "token": token})
    assert customer_client.get(url).status_code == 404


# --- replies and solving -------------------------------------------------------------------


def test_reply_adds_a_public_customer_message(customer, customer_client, ticket):
    response = customer_client.post(
        reverse("portal:reply", kwargs={"number": ticket.number}),
        {
            "body": "Still broken.",
            "attachments": [upload("shot.png", b"png", "image/png")],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == detail(ticket)
    message = ticket.messages.order_by("-id").first()
    assert (message.body, message.visibility, message.author_contact, message.channel) == (
        "Still broken.",
        "public",
        customer,
        Channel.PORTAL,
    )
    assert [a.filename for a in message.attachments.all()] == ["shot.png"]
    ticket.refresh_from_db()
    assert ticket.message_count == 2


def test_empty_reply_is_a_form_error_and_nothing_is_written(customer_client, ticket):
    before = snapshot()
    response = customer_client.post(
        reverse("portal:reply", kwargs={"number": ticket.number}), {"body": "   "}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"body": ["Write a message or attach a file."]}
    assert snapshot() == before


def test_reply_reopens_a_solved_request(customer_client, ticket, agent):
    update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="solved")
    response = customer_client.post(
        reverse("portal:reply", kwargs={"number": ticket.number}), {"body": "Actually, no."}
    )
    assert response["Location"] == detail(ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    page = customer_client.get(detail(ticket))
    assert b"the request is open again" in page.content


def test_reply_to_a_closed_request_opens_a_follow_up(customer, customer_client, ticket, agent):
    update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="solved")
    update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="closed")
    response = customer_client.post(
        reverse("portal:reply", kwargs={"number": ticket.number}), {"body": "It broke again."}
    )

    followup = Ticket.objects.get(followup_of=ticket)
    assert response.status_code == 302
    assert response["Location"] == detail(followup)
    assert (followup.contact, followup.subject, followup.status) == (
        customer,
        ticket.subject,
        Status.NEW,
    )
    assert followup.messages.get().body == "It broke again."
    assert TicketLink.objects.filter(source=followup, target=ticket, kind="followup").exists()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.message_count) == (Status.CLOSED, 1)
    page = customer_client.get(detail(followup))
    assert f"opened a new request, #{followup.number}, linked to it".encode() in page.content
    assert f'follows up <a href="{detail(ticket)}">#{ticket.number}</a>'.encode() in page.content


def test_mark_solved(customer, customer_client, ticket):
    response = customer_client.post(reverse("portal:mark_solved", kwargs={"number": ticket.number}))
    assert response.status_code == 302
    assert response["Location"] == detail(ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    change = ticket.events.get(kind=TicketEvent.Kind.STATUS_CHANGED)
    assert (change.actor_kind, change.actor_contact, change.data["to"]) == (
        "contact",
        customer,
        "solved",
    )
    page = customer_client.get(detail(ticket))
    assert b"Mark as solved" not in page.content


def test_colleague_may_read_and_reply_but_not_mark_solved(organization):
    me = factories.make_contact(email="me@acme.test", organization=organization)
    colleague = factories.make_contact(email="col@acme.test", organization=organization)
    ticket = factories.make_ticket(contact=me)
    browser = portal_client(colleague)

    page = browser.get(detail(ticket))
    assert page.status_code == 200
    assert b"Mark as solved" not in page.content
    before = snapshot()
    denied = browser.post(reverse("portal:mark_solved", kwargs={"number": ticket.number}))
    assert denied.status_code == 403
    assert snapshot() == before
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW

    browser.post(reverse("portal:reply", kwargs={"number": ticket.number}), {"body": "+1"})
    assert ticket.messages.order_by("-id").first().author_contact == colleague


def test_detail_page_runs_a_fixed_number_of_queries(
    customer, customer_client, ticket, agent, django_assert_max_num_queries
):
    for n in range(10):
        add_message(
            actor=Actor.for_agent(agent),
            ticket=ticket,
            body=f"Reply {n}",
            attachments=[IncomingFile(f"f{n}.txt", b"x")],
        )
        add_message(actor=Actor.for_contact(customer), ticket=ticket, body=f"Answer {n}")
    with django_assert_max_num_queries(9):
        response = customer_client.get(detail(ticket))
    assert len(response.context["conversation"]) == 21
    assert response.content.count(b'class="attachments"') == 10


@pytest.fixture
def demo_desk(settings):
    from tandem.core.demo_marker import forget_demo_marker, mark_demo_loaded

    settings.DEMO = True
    mark_demo_loaded("test")
    yield
    forget_demo_marker()


def test_demo_desk_notice_is_shown_only_on_the_demo_desk(client, settings):
    from tandem.core.demo_marker import demo_is_loaded

    settings.DEMO = True
    demo_is_loaded.cache_clear()
    assert b"Demo desk." not in client.get("/portal/").content


def test_demo_desk_notice(client, demo_desk):
    page = client.get("/portal/")
    assert b'<p class="demo-notice" role="note"><strong>Demo desk.</strong>' in page.content


def test_pages_load_no_inline_script_and_only_own_assets(client, customer_client, ticket):
    for browser, path in (
        (client, "/portal/"),
        (client, SUBMIT),
        (customer_client, LIST),
        (customer_client, detail(ticket)),
        (customer_client, NEW),
    ):
        html = browser.get(path).content.decode()
        scripts = re.findall(r"<script[^>]*>", html)
        own = ['<script src="/static/portal/portal.js" defer>']
        if path in (SUBMIT, NEW):  # the request forms suggest articles as one types (htmx)
            own.append('<script src="/static/django_htmx/htmx-2.min.js" defer>')
        assert scripts == own, path
        assert not re.search(r"\son[a-z]+=", html), path
        assert re.findall(r'(?:src|href|action)="(?:https?:)?//', html) == [], path
        assert '<link rel="stylesheet" href="/static/portal/portal.css">' in html
