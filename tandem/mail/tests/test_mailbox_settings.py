"""The mail settings pages: mailboxes (list, create, edit, delete, test connection) and the
quarantine (list, raw headers, retry, dismiss). Admins only; refused writes change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tandem.mail import actions
from tandem.mail.intake import receive_raw
from tandem.mail.models import InboundMail, Mailbox
from tandem.mail.secrets import UNREADABLE, decrypt_secret
from tandem.mail.tests.dovecot import *  # noqa: F403 - the `dovecot` fixture

pytestmark = pytest.mark.django_db

RAW = (
    b"From: Carol Customer <carol@customer.test>\r\n"
    b"Subject: Order 1042\r\n"
    b"X-Odd: caf\xe9\r\n"
    b"\r\n"
    b"The body, which the header view never shows.\r\n"
)


def login(client, agent):
    client.force_login(agent.user)
    return client


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def support(team):
    return actions.create_mailbox(
        address="support@desk.test", display_name="Support", default_team=team
    )


@pytest.fixture
def imap_box():
    return actions.create_mailbox(
        address="help@desk.test",
        receive_via="imap",
        imap_host="imap.desk.test",
        imap_user="help",
        imap_password="imap-pass-42",
    )


def quarantined(mailbox=None, *, state="quarantined", reason="Could not parse the body", **fields):
    inbound = receive_raw(raw=RAW, source="smtp", mailbox=mailbox, process=False)
    InboundMail.objects.filter(pk=inbound.pk).update(
        state=state,
        reason=reason,
        from_address=fields.get("from_address", "carol@customer.test"),
        subject=fields.get("subject", "Order 1042"),
    )
    inbound.refresh_from_db()
    return inbound


def form_data(**overrides) -> dict:
    data = {
        "address": "sales@desk.test",
        "display_name": "Sales",
        "receive_via": "smtp",
        "default_track": "service",
        "active": "on",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_folder": "INBOX",
        "poll_interval_seconds": "60",
        "acknowledge_new_tickets": "on",
        "acknowledgement_subject": "We got it",
        "acknowledgement_body": "Hello {{ contact.name }}, ticket #{{ ticket.number }}.",
        "sender_limit_per_minute": "20",
    }
    data.update(overrides)
    return data


def mailbox_state(mailbox: Mailbox) -> dict:
    return Mailbox.objects.filter(pk=mailbox.pk).values().first()


# --- who may --------------------------------------------------------------------------------


@pytest.fixture
def pages(support):
    inbound = quarantined(support)
    return [
        reverse("settings:mailboxes"),
        reverse("settings:mailbox_new"),
        reverse("settings:mailbox", args=[support.pk]),
        reverse("settings:quarantine"),
        reverse("settings:quarantine_detail", args=[inbound.pk]),
    ]


def test_anonymous_is_sent_to_sign_in_from_every_page(client, pages):
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('core:login')}?next={url}"


@pytest.mark.parametrize("role", ["light_agent", "agent"])
def test_non_admins_get_403_on_every_page(client, pages, role, request):
    login(client, request.getfixturevalue(role))
    for url in pages:
        assert client.get(url).status_code == 403, url


def test_admin_opens_every_page(client, pages, admin):
    login(client, admin)
    for url in pages:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [None, "light_agent", "agent"])
def test_refused_writes_change_nothing(client, role, request, support, imap_box):
    if role:
        login(client, request.getfixturevalue(role))
    inbound = quarantined(support)
    before = (mailbox_state(support), mailbox_state(imap_box), Mailbox.objects.count())
    mail_before = InboundMail.objects.filter(pk=inbound.pk).values().get()
    writes = [
        (reverse("settings:mailbox_new"), form_data()),
        (reverse("settings:mailbox", args=[support.pk]), form_data(address="x@desk.test")),
        (reverse("settings:mailbox_delete", args=[support.pk]), {}),
        (reverse("settings:mailbox_test", args=[imap_box.pk]), {}),
        (reverse("settings:quarantine_retry", args=[inbound.pk]), {}),
        (reverse("settings:quarantine_dismiss", args=[inbound.pk]), {}),
    ]
    for url, data in writes:
        response = client.post(url, data)
        assert response.status_code == (403 if role else 302), url
        if not role:
            assert response["Location"].startswith(reverse("core:login"))
    assert (mailbox_state(support), mailbox_state(imap_box), Mailbox.objects.count()) == before
    assert InboundMail.objects.filter(pk=inbound.pk).values().get() == mail_before


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_how_each_mailbox_receives_and_its_last_error(
    client, admin, support, imap_box, team, django_assert_max_num_queries
):
    polled = timezone.now() - dt.timedelta(minutes=3)
    Mailbox.objects.filter(pk=imap_box.pk).update(
        last_polled_at=polled, last_poll_error="The server refused the login for help: nope"
    )
    actions.create_mailbox(address="off@desk.test", active=False)
    login(client, admin)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("settings:mailboxes"))

    text = page_text(response)
    assert response.status_code == 200
    for expected in (
        "support@desk.test",
        "Support Tier 1",
        "SMTP listener",
        'IMAP <span class="muted">help@imap.desk.test, INBOX</span>',
        "The server refused the login for help: nope",
        polled.strftime("%-d %b %Y"),
        '<span class="pill">Inactive</span>',
    ):
        assert expected in text, expected
    assert "imap-pass-42" not in text
    assert imap_box.imap_password_encrypted not in text


def test_the_list_says_when_a_password_no_longer_decrypts(client, admin, imap_box, settings):
    settings.SECRET_KEY = "a-rotated-secret-key-for-this-desk-rotated"
    login(client, admin)
    assert escape(UNREADABLE) in page_text(client.get(reverse("settings:mailboxes")))
    edit = page_text(client.get(reverse("settings:mailbox", args=[imap_box.pk])))
    assert escape(UNREADABLE) in edit


def test_a_running_poll_shows_as_polling_now(client, admin, imap_box):
    Mailbox.objects.filter(pk=imap_box.pk).update(
        last_polled_at=timezone.now() + dt.timedelta(minutes=4)
    )
    login(client, admin)
    assert "Polling now" in page_text(client.get(reverse("settings:mailboxes")))


# --- create and edit ------------------------------------------------------------------------


def test_admin_creates_an_imap_mailbox_with_every_field(client, admin, other_team):
    login(client, admin)
    data = form_data(
        address="Billing@Desk.test",
        receive_via="imap",
        default_team=str(other_team.pk),
        default_track="support",
        use_reply_to="on",
        imap_host="imap.desk.test",
        imap_port="143",
        imap_security="starttls",
        imap_user="billing",
        imap_password="  spaces kept  ",
        imap_folder="Support",
        imap_move_to="Support/Done",
        poll_interval_seconds="120",
        sender_limit_per_minute="5",
    )
    response = client.post(reverse("settings:mailbox_new"), data)

    mailbox = Mailbox.objects.get(address="billing@desk.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:mailbox", args=[mailbox.pk])
    assert (
        mailbox.display_name,
        mailbox.receive_via,
        mailbox.default_team,
        mailbox.default_track,
        mailbox.use_reply_to,
        mailbox.active,
        mailbox.imap_host,
        mailbox.imap_port,
        mailbox.imap_security,
        mailbox.imap_user,
        mailbox.imap_folder,
        mailbox.imap_move_to,
        mailbox.poll_interval_seconds,
        mailbox.acknowledge_new_tickets,
        mailbox.acknowledgement_subject,
        mailbox.acknowledgement_body,
        mailbox.sender_limit_per_minute,
    ) == (
        "Sales",
        "imap",
        other_team,
        "support",
        True,
        True,
        "imap.desk.test",
        143,
        "starttls",
        "billing",
        "Support",
        "Support/Done",
        120,
        True,
        "We got it",
        "Hello {{ contact.name }}, ticket #{{ ticket.number }}.",
        5,
    )
    assert decrypt_secret(mailbox.imap_password_encrypted) == "  spaces kept  "


def test_empty_optional_fields_take_the_defaults(client, admin):
    login(client, admin)
    response = client.post(reverse("settings:mailbox_new"), {"address": "bare@desk.test"})
    assert response.status_code == 302
    mailbox = Mailbox.objects.get(address="bare@desk.test")
    defaults = Mailbox()
    fields = (
        "receive_via",
        "default_track",
        "imap_security",
        "imap_port",
        "imap_folder",
        "poll_interval_seconds",
        "acknowledgement_subject",
        "acknowledgement_body",
        "sender_limit_per_minute",
    )
    assert [getattr(mailbox, f) for f in fields] == [getattr(defaults, f) for f in fields]
    assert (mailbox.receive_via, mailbox.active) == ("smtp", False)  # an unticked box


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"receive_via": "imap"}, "imap_host", "is required to fetch mail by IMAP"),
        (
            {"receive_via": "imap", "imap_host": "h", "imap_user": "u"},
            "imap_password",
            "is required to fetch mail by IMAP",
        ),
        ({"address": "SUPPORT@desk.test"}, "address", "another mailbox already has this address"),
        (
            {"acknowledgement_body": "Hi {% if %}"},
            "acknowledgement_body",
            "is not a valid template",
        ),
        (
            {"acknowledgement_subject": "{% load static %}"},
            "acknowledgement_subject",
            "is not a valid template",
        ),
        ({"poll_interval_seconds": "5"}, "poll_interval_seconds", "Ensure this value is greater"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(
    client, admin, support, overrides, field, message
):
    login(client, admin)
    count = Mailbox.objects.count()

    response = client.post(reverse("settings:mailbox_new"), form_data(**overrides))

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert Mailbox.objects.count() == count


def test_editing_keeps_the_password_unless_a_new_one_is_typed(client, admin, imap_box):
    login(client, admin)
    url = reverse("settings:mailbox", args=[imap_box.pk])
    stored = imap_box.imap_password_encrypted
    page = page_text(client.get(url))
    assert "imap-pass-42" not in page and stored not in page
    assert "(saved)" in page

    keep = form_data(
        address="help@desk.test",
        receive_via="imap",
        imap_host="imap.desk.test",
        imap_user="help",
        imap_password="",
        display_name="Help desk",
    )
    assert client.post(url, keep).status_code == 302
    imap_box.refresh_from_db()
    assert imap_box.display_name == "Help desk"
    assert imap_box.imap_password_encrypted == stored

    assert client.post(url, {**keep, "imap_password": "new-pass"}).status_code == 302
    imap_box.refresh_from_db()
    assert decrypt_secret(imap_box.imap_password_encrypted) == "new-pass"


def test_changing_the_connection_clears_the_stale_error(client, admin, imap_box):
    Mailbox.objects.filter(pk=imap_box.pk).update(last_poll_error="Login refused")
    login(client, admin)
    data = form_data(
        address="help@desk.test",
        receive_via="imap",
        imap_host="imap2.desk.test",
        imap_user="help",
    )
    client.post(reverse("settings:mailbox", args=[imap_box.pk]), data)
    imap_box.refresh_from_db()
    assert (imap_box.imap_host, imap_box.last_poll_error) == ("imap2.desk.test", "")


def test_the_edit_form_lists_the_template_variables(client, admin, support):
    login(client, admin)
    page = page_text(client.get(reverse("settings:mailbox", args=[support.pk])))
    for variable in ("{{ ticket.number }}", "{{ ticket.subject }}", "{{ contact.name }}"):
        assert variable in page


# --- delete ---------------------------------------------------------------------------------


def test_a_mailbox_without_mail_is_deleted(client, admin, support):
    login(client, admin)
    response = client.post(reverse("settings:mailbox_delete", args=[support.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:mailboxes")
    assert not Mailbox.objects.filter(pk=support.pk).exists()


def test_a_mailbox_with_mail_is_deactivated_instead(client, admin, support):
    inbound = quarantined(support)
    login(client, admin)
    page = page_text(client.get(reverse("settings:mailbox", args=[support.pk])))
    assert "Deactivate mailbox" in page

    client.post(reverse("settings:mailbox_delete", args=[support.pk]))

    support.refresh_from_db()
    assert support.active is False
    inbound.refresh_from_db()
    assert inbound.mailbox_id == support.pk


# --- test connection ------------------------------------------------------------------------


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_test_connection_logs_in_and_fetches_nothing(client, admin, dovecot):
    dovecot.deliver(RAW)
    mailbox = actions.create_mailbox(address="help@desk.test", **dovecot.mailbox_settings())
    login(client, admin)

    response = client.post(reverse("settings:mailbox_test", args=[mailbox.pk]), follow=True)

    assert response.redirect_chain == [(reverse("settings:mailbox", args=[mailbox.pk]), 302)]
    assert _messages(response) == [
        f"Connected to 127.0.0.1:{dovecot.port} as desk; the folder INBOX has 1 unread message. "
        "The poller fetches unread mail and marks it seen."
    ]
    assert dovecot.messages() == [(set(), RAW)]
    assert InboundMail.objects.count() == 0


def test_test_connection_shows_the_failure_never_the_password(client, admin, dovecot):
    mailbox = actions.create_mailbox(
        address="help@desk.test", **dovecot.mailbox_settings(imap_password="wrong-password-123")
    )
    login(client, admin)

    response = client.post(reverse("settings:mailbox_test", args=[mailbox.pk]), follow=True)

    [message] = _messages(response)
    assert message.startswith("Connection test failed: The server refused the login for desk:")
    assert "wrong-password-123" not in page_text(response)
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error == ""  # a test is not a poll


def test_test_connection_of_an_smtp_mailbox_explains(client, admin, support):
    login(client, admin)
    response = client.post(reverse("settings:mailbox_test", args=[support.pk]), follow=True)
    assert _messages(response) == ["Only IMAP mailboxes connect to a server; this one does not."]


def test_test_connection_is_post_only(client, admin, imap_box):
    login(client, admin)
    assert client.get(reverse("settings:mailbox_test", args=[imap_box.pk])).status_code == 405


# --- quarantine pages -----------------------------------------------------------------------


def test_the_quarantine_lists_quarantined_and_held_mail_only(
    client, admin, support, django_assert_max_num_queries
):
    failed = quarantined(support, reason="No text part could be decoded")
    held = quarantined(support, state="held", reason="Sender over 20 a minute", subject="Spam?")
    quarantined(support, state="processed", reason="", subject="Fine one")
    login(client, admin)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("settings:quarantine"))

    assert [m.pk for m in response.context["rows"]] == [held.pk, failed.pk]
    text = page_text(response)
    for expected in (
        "No text part could be decoded",
        "Sender over 20 a minute",
        "carol@customer.test",
        "Spam?",
        "Held for review",
        "Quarantined",
        reverse("settings:quarantine_retry", args=[held.pk]),
        reverse("settings:quarantine_dismiss", args=[failed.pk]),
    ):
        assert expected in text, expected
    assert "Fine one" not in text


def test_the_quarantine_pages_through_older_mail(client, admin, monkeypatch):
    monkeypatch.setattr("tandem.mail.settings_views.QUARANTINE_PAGE", 2)
    made = [quarantined(subject=f"Mail {n}") for n in range(5)]
    login(client, admin)

    seen, url = [], reverse("settings:quarantine")
    for _ in range(3):
        response = client.get(url)
        seen += [m.pk for m in response.context["rows"]]
        cursor = response.context["next_cursor"]
        if not cursor:
            break
        url = f"{reverse('settings:quarantine')}?cursor={cursor}"

    assert seen == [m.pk for m in reversed(made)]
    assert client.get(f"{reverse('settings:quarantine')}?cursor=junk").status_code == 404


def test_the_detail_shows_the_raw_headers_and_not_the_body(client, admin, support):
    inbound = quarantined(support)
    login(client, admin)

    response = client.get(reverse("settings:quarantine_detail", args=[inbound.pk]))

    text = page_text(response)
    assert response.context["headers"] == (
        "From: Carol Customer <carol@customer.test>\r\nSubject: Order 1042\r\nX-Odd: caf\ufffd"
    )
    assert "From: Carol Customer &lt;carol@customer.test&gt;" in text
    assert "The body, which the header view never shows." not in text
    assert "Could not parse the body" in text


def test_retry_sends_the_mail_back_to_processing(client, admin, support):
    inbound = quarantined(support)
    login(client, admin)

    response = client.post(reverse("settings:quarantine_retry", args=[inbound.pk]), follow=True)

    assert response.redirect_chain == [(reverse("settings:quarantine"), 302)]
    assert _messages(response) == [f"Mail #{inbound.pk} is being processed again."]
    inbound.refresh_from_db()
    assert (inbound.state, inbound.reason) == ("received", "")


def test_dismiss_keeps_the_raw_mail_and_says_who(client, admin, support):
    inbound = quarantined(support)
    login(client, admin)

    client.post(reverse("settings:quarantine_dismiss", args=[inbound.pk]))

    inbound.refresh_from_db()
    assert inbound.state == "dismissed"
    assert inbound.reason == "Could not parse the body\nDismissed by Ada Admin."
    assert bytes(inbound.raw) == RAW


def test_retrying_processed_mail_is_refused_with_a_message(client, admin, support):
    inbound = quarantined(support, state="processed", reason="")
    login(client, admin)

    response = client.post(reverse("settings:quarantine_retry", args=[inbound.pk]), follow=True)

    assert _messages(response) == [
        f"Mail #{inbound.pk}: only quarantined or held mail can be retried, not processed."
    ]
    inbound.refresh_from_db()
    assert inbound.state == "processed"


def test_unknown_mail_and_mailboxes_are_404(client, admin):
    login(client, admin)
    assert client.get(reverse("settings:quarantine_detail", args=[999])).status_code == 404
    assert client.post(reverse("settings:quarantine_retry", args=[999])).status_code == 404
    assert client.get(reverse("settings:mailbox", args=[999])).status_code == 404
    assert client.post(reverse("settings:mailbox_delete", args=[999])).status_code == 404


def test_the_settings_area_links_the_mail_pages(client, admin):
    login(client, admin)
    text = page_text(client.get(reverse("settings:index")))
    assert reverse("settings:mailboxes") in text
    assert reverse("settings:quarantine") in text
