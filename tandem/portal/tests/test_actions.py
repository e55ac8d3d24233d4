"""The portal's own writes: sign-in links issued, redeemed once, purged; visitor requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from tandem.core.errors import InvalidInput
from tandem.people.models import Contact
from tandem.portal import actions, signin
from tandem.portal.models import SignInLink
from tandem.portal.signin import LinkRefused, LinkState
from tandem.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_create_sign_in_link_stores_only_the_hash(customer):
    issued = actions.create_sign_in_link(contact=customer, next_path="/portal/requests/")
    link = SignInLink.objects.get()
    assert link == issued.link
    assert link.secret_hash == signin.hash_secret(issued.secret)
    assert len(issued.secret) == 43
    assert issued.secret not in link.secret_hash
    assert link.next_path == "/portal/requests/"
    assert issued.url.endswith(f"/portal/link/{issued.secret}/")


def test_redeem_uses_the_link_up_once(customer):
    issued = actions.create_sign_in_link(contact=customer)
    link = actions.redeem_sign_in_link(secret=issued.secret)
    assert link.contact == customer
    first_use = SignInLink.objects.get().used_at
    assert first_use is not None

    with pytest.raises(LinkRefused) as refused:
        actions.redeem_sign_in_link(secret=issued.secret)
    assert refused.value.state is LinkState.USED
    assert SignInLink.objects.get().used_at == first_use


def test_redeem_refuses_an_expired_link_without_touching_it(customer):
    issued = actions.create_sign_in_link(contact=customer)
    SignInLink.objects.update(expires_at=timezone.now())
    with pytest.raises(LinkRefused) as refused:
        actions.redeem_sign_in_link(secret=issued.secret)
    assert refused.value.state is LinkState.EXPIRED
    assert SignInLink.objects.get().used_at is None


def test_redeem_refuses_an_unknown_secret():
    with pytest.raises(LinkRefused) as refused:
        actions.redeem_sign_in_link(secret="nope")
    assert refused.value.state is LinkState.UNKNOWN


def test_link_lifetime_follows_the_setting(settings, customer):
    settings.PORTAL_LINK_MAX_AGE_MINUTES = 5
    before = timezone.now()
    link = actions.create_sign_in_link(contact=customer).link
    assert before + dt.timedelta(minutes=5) <= link.expires_at
    assert link.expires_at <= timezone.now() + dt.timedelta(minutes=5)


def test_send_sign_in_link_mails_only_after_commit(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issued = actions.send_sign_in_link(email="carol@customer.test")
    assert mail.outbox == []  # nothing sent inside the transaction
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    assert issued.url in mail.outbox[0].body
    assert "expires in 30 minutes" in mail.outbox[0].body


def test_send_sign_in_link_for_unknown_address_writes_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert actions.send_sign_in_link(email="ghost@nowhere.test") is None
    assert callbacks == []
    assert SignInLink.objects.count() == 0
    assert mail.outbox == []


def test_failing_mail_server_is_logged_not_raised(
    settings, customer, caplog, django_capture_on_commit_callbacks
):
    # A real SMTP connection to a port nothing listens on.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_sign_in_link(email="carol@customer.test")
    assert SignInLink.objects.count() == 1
    assert "portal mail sign_in_link to carol@customer.test could not be sent" in caplog.text


def test_visitor_request_with_bad_input_writes_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(InvalidInput) as error,
    ):
        actions.submit_visitor_request(
            name="Nina", email="nina@new.test", subject="  ", body="Hello"
        )
    assert [(e.field, e.message) for e in error.value.errors] == [("subject", "may not be empty")]
    assert callbacks == []
    assert (Contact.objects.count(), Ticket.objects.count(), SignInLink.objects.count()) == (
        0,
        0,
        0,
    )


def test_visitor_request_link_opens_the_request(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.submit_visitor_request(
            name="Nina", email="nina@new.test", subject="Hello", body="There"
        )
    link = SignInLink.objects.get()
    assert link.contact == ticket.contact
    assert link.next_path == f"/portal/requests/{ticket.number}/"


def test_purge_deletes_only_links_long_expired(customer):
    now = timezone.now()
    old = actions.create_sign_in_link(contact=customer).link
    recent = actions.create_sign_in_link(contact=customer).link
    live = actions.create_sign_in_link(contact=customer).link
    SignInLink.objects.filter(pk=old.pk).update(expires_at=now - dt.timedelta(days=2))
    SignInLink.objects.filter(pk=recent.pk).update(expires_at=now - dt.timedelta(hours=2))

    assert actions.purge_sign_in_links() == 1
    assert set(SignInLink.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}


def test_purge_task_runs_the_action(customer):
    from tandem.portal.tasks import purge_old_sign_in_links

    link = actions.create_sign_in_link(contact=customer).link
    SignInLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(days=3))
    purge_old_sign_in_links.call_local()
    assert SignInLink.objects.count() == 0
