"""`tandem loginlink EMAIL`."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from tandem.portal.auth import SESSION_KEY
from tandem.portal.models import SignInLink
from tandem.portal.tests.signed_in import path_of

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("loginlink", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_loginlink_prints_a_working_one_time_url(customer):
    out, err = run("Carol@Customer.test")

    url = out.strip()
    assert out.count("\n") == 1
    assert url.startswith(settings.BASE_URL + "/portal/link/")
    assert err.strip() == "Works once, for 30 minutes, for Carol Customer."
    assert SignInLink.objects.get().contact == customer

    browser = Client()
    assert browser.post(path_of(url)).status_code == 302
    assert browser.session[SESSION_KEY] == customer.pk
    assert Client().post(path_of(url)).status_code == 410


def test_loginlink_with_next(customer, ticket):
    out, _ = run("carol@customer.test", "--next", f"/portal/requests/{ticket.number}/")
    response = Client().post(path_of(out.strip()))
    assert response["Location"] == f"/portal/requests/{ticket.number}/"


def test_loginlink_for_unknown_email_fails_and_writes_nothing(customer):
    with pytest.raises(CommandError, match="No contact has the email address 'ghost@x.test'."):
        run("ghost@x.test")
    assert SignInLink.objects.count() == 0


def test_loginlink_refuses_a_next_outside_the_portal(customer):
    with pytest.raises(CommandError, match="--next must be a path under /portal/."):
        run("carol@customer.test", "--next", "https://evil.test/")
    assert SignInLink.objects.count() == 0
