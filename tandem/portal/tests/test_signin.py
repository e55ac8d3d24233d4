"""The sign-in flow as a customer lives it: ask for a link, get mail, confirm, be signed in."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.people.actions import add_identity
from tandem.portal import signin
from tandem.portal.auth import SESSION_KEY
from tandem.portal.models import SignInLink
from tandem.portal.signin import LinkState, create_sign_in_url
from tandem.portal.tests.signed_in import path_of

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("portal:sign_in")
SENT = reverse("portal:link_sent")
LINK_IN_MAIL = re.compile(r"http://\S+/portal/link/[A-Za-z0-9_-]+/")


def ask_for_link(client, email, django_capture_on_commit_callbacks, next_path=""):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(SIGN_IN, {"email": email, "next": next_path})


def link_from_mail(message) -> str:
    found = LINK_IN_MAIL.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]


def test_sign_in_page_shows_the_email_form(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert b'name="email"' in response.content
    assert b"Email me a sign-in link" in response.content


def test_known_email_gets_a_single_use_link_by_mail(
    client, customer, django_capture_on_commit_callbacks
):
    response = ask_for_link(client, "Carol@Customer.test", django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carol@customer.test"]
    assert message.subject == "Your sign-in link for the Tandem help center"
    url = link_from_mail(message)
    assert url.startswith(settings.BASE_URL + "/portal/link/")
    secret = url.rstrip("/").rsplit("/", 1)[1]
    link = SignInLink.objects.get()
    assert link.contact == customer
    # Only the hash is stored, never the secret itself.
    assert link.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in link.secret_hash
    assert link.used_at is None
    expected_expiry = link.created_at + dt.timedelta(minutes=settings.PORTAL_LINK_MAX_AGE_MINUTES)
    assert abs((link.expires_at - expected_expiry).total_seconds()) < 2


def test_unknown_email_gets_the_same_answer_and_no_mail(
    client, customer, django_capture_on_commit_callbacks
):
    known = ask_for_link(client, "carol@customer.test", django_capture_on_commit_callbacks)
    mail.outbox.clear()
    unknown = ask_for_link(Client(), "nobody@nowhere.test", django_capture_on_commit_callbacks)

    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == SENT
    assert mail.outbox == []
    assert SignInLink.objects.count() == 1  # only the known address's link
    page = Client().get(SENT)
    assert page.status_code == 200
    assert b"If that address belongs to one of our customers" in page.content


def test_invalid_email_is_a_form_error(client, django_capture_on_commit_callbacks):
    response = ask_for_link(client, "not an email", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert SignInLink.objects.count() == 0
    assert mail.outbox == []


def test_a_second_email_identity_also_signs_in(
    client, customer, django_capture_on_commit_callbacks
):
    add_identity(contact=customer, kind="email", value="carol@work.test")
    ask_for_link(client, "carol@work.test", django_capture_on_commit_callbacks)
    assert mail.outbox[0].to == ["carol@work.test"]
    assert SignInLink.objects.get().contact == customer


def test_get_confirms_without_using_the_link_and_post_signs_in(
    client, customer, django_capture_on_commit_callbacks
):
    ask_for_link(client, "carol@customer.test", django_capture_on_commit_callbacks)
    path = path_of(link_from_mail(mail.outbox[0]))

    # A mail scanner (or the person) opening the link only sees a confirmation page.
    for _ in range(2):
        confirm = client.get(path)
        assert confirm.status_code == 200
        assert b"You are about to sign in as <strong>Carol Customer</strong>" in confirm.content
        assert confirm["Referrer-Policy"] == "no-referrer"
        assert "no-cache" in confirm["Cache-Control"]
    assert SignInLink.objects.get().used_at is None
    assert SESSION_KEY not in client.session

    session_before = client.session.session_key
    assert session_before
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:requests")
    assert client.session[SESSION_KEY] == customer.pk
    assert client.session.session_key != session_before  # rotated: no fixation
    expected_age = settings.PORTAL_SESSION_DAYS * 24 * 3600
    assert expected_age - 5 <= client.session.get_expiry_age() <= expected_age
    assert SignInLink.objects.get().used_at is not None
    assert client.get(reverse("portal:requests")).status_code == 200


def test_a_used_link_cannot_sign_in_again(customer):
    path = path_of(create_sign_in_url(customer))
    assert Client().post(path).status_code == 302
    used_at = SignInLink.objects.get().used_at

    stranger = Client()
    for response in (stranger.get(path), stranger.post(path)):
        assert response.status_code == 410
        assert b"This sign-in link was already used" in response.content
        assert b"Email me a new link" in response.content
    assert SESSION_KEY not in stranger.session
    assert SignInLink.objects.get().used_at == used_at
    assert stranger.get(reverse("portal:requests")).status_code == 302


def test_an_expired_link_cannot_sign_in(customer):
    path = path_of(create_sign_in_url(customer))
    SignInLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    client = Client()
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410
        assert b"This sign-in link has expired" in response.content
    assert SESSION_KEY not in client.session
    assert SignInLink.objects.get().used_at is None


def test_an_unknown_link_cannot_sign_in(customer):
    path = reverse("portal:sign_in_link", kwargs={"secret": "x" * 43})
    client = Client()
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 404
        assert b"This sign-in link is not valid" in response.content
    assert SESSION_KEY not in client.session


def test_link_leads_to_the_page_asked_for(
    client, customer, ticket, django_capture_on_commit_callbacks
):
    wanted = reverse("portal:request", kwargs={"number": ticket.number})
    redirect = client.get(wanted)
    assert redirect.status_code == 302
    assert redirect["Location"] == f"{SIGN_IN}?next=%2Fportal%2Frequests%2F{ticket.number}%2F"

    page = client.get(redirect["Location"])
    assert f'value="{wanted}"'.encode() in page.content
    ask_for_link(client, "carol@customer.test", django_capture_on_commit_callbacks, wanted)
    response = client.post(path_of(link_from_mail(mail.outbox[0])))
    assert response["Location"] == wanted


@pytest.mark.parametrize(
    "next_path", ["https://evil.test/", "//evil.test/portal/", "/inbox/", "/portal/\\\\evil.test"]
)
def test_link_never_leads_off_the_portal(customer, next_path):
    path = path_of(create_sign_in_url(customer, next_path=next_path))
    assert SignInLink.objects.get().next_path == ""
    assert Client().post(path)["Location"] == reverse("portal:requests")


def test_sign_out_ends_the_portal_session(customer_client):
    response = customer_client.post(reverse("portal:sign_out"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert SESSION_KEY not in customer_client.session
    assert customer_client.get(reverse("portal:requests")).status_code == 302


def test_sign_out_keeps_an_agent_signed_in_in_the_same_browser(agent, customer):
    from tandem.portal.tests.signed_in import agent_client

    browser = agent_client(agent)
    browser.post(path_of(create_sign_in_url(customer)))
    assert browser.session[SESSION_KEY] == customer.pk
    browser.post(reverse("portal:sign_out"))
    assert SESSION_KEY not in browser.session
    assert browser.session["_auth_user_id"] == str(agent.user.pk)


def test_rate_limit_per_email(client, customer, django_capture_on_commit_callbacks):
    for _ in range(5):
        assert (
            ask_for_link(
                Client(), "carol@customer.test", django_capture_on_commit_callbacks
            ).status_code
            == 302
        )
    response = ask_for_link(
        Client(REMOTE_ADDR="10.9.9.9"), "carol@customer.test", django_capture_on_commit_callbacks
    )

    assert response.status_code == 429
    assert b"Too many requests from this address or network. Please wait 15 minutes" in (
        response.content
    )
    assert len(mail.outbox) == 5
    assert SignInLink.objects.count() == 5


def test_rate_limit_per_ip(customer, other_customer, django_capture_on_commit_callbacks):
    browser = Client(REMOTE_ADDR="10.1.2.3")
    for n in range(5):
        ask_for_link(browser, f"someone{n}@nowhere.test", django_capture_on_commit_callbacks)
    response = ask_for_link(browser, "carol@customer.test", django_capture_on_commit_callbacks)

    assert response.status_code == 429
    assert mail.outbox == []
    assert SignInLink.objects.count() == 0
    # Another network is not affected.
    elsewhere = ask_for_link(
        Client(REMOTE_ADDR="10.7.7.7"), "dave@elsewhere.test", django_capture_on_commit_callbacks
    )
    assert elsewhere.status_code == 302
    assert len(mail.outbox) == 1


def test_rate_limit_applies_to_unknown_addresses_alike(django_capture_on_commit_callbacks):
    for _ in range(5):
        ask_for_link(Client(), "nobody@nowhere.test", django_capture_on_commit_callbacks)
    response = ask_for_link(Client(), "nobody@nowhere.test", django_capture_on_commit_callbacks)
    assert response.status_code == 429


def test_link_state_reads(customer):
    assert signin.link_state(None) is LinkState.UNKNOWN
    url = create_sign_in_url(customer)
    secret = url.rstrip("/").rsplit("/", 1)[1]
    link = signin.find_link(secret)
    assert signin.link_state(link) is LinkState.VALID
    assert signin.link_state(link, now=link.expires_at) is LinkState.EXPIRED
    link.used_at = timezone.now()
    assert signin.link_state(link) is LinkState.USED


def test_create_sign_in_url_is_absolute_and_fresh_each_time(customer):
    first = create_sign_in_url(customer)
    second = create_sign_in_url(customer)
    assert first != second
    assert first.startswith(settings.BASE_URL + "/portal/link/")
    assert SignInLink.objects.filter(contact=customer, used_at__isnull=True).count() == 2


def test_known_and_unknown_addresses_cost_the_request_the_same_work(
    customer, django_capture_on_commit_callbacks
):
    """The lookup runs in a job after the response's transaction, so timing tells nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    work = {}
    for email in ("carol@customer.test", "nobody@nowhere.test"):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False) as callbacks,
        ):
            response = Client().post(SIGN_IN, {"email": email})
        assert response["Location"] == SENT
        work[email] = (len(queries), len(callbacks))
    assert work["carol@customer.test"] == work["nobody@nowhere.test"]
    assert SignInLink.objects.count() == 0
    assert mail.outbox == []
