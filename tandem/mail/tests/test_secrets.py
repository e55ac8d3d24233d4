"""Mailbox passwords at rest: encrypted under the secret key; a changed key says so clearly."""

from __future__ import annotations

import pytest

from tandem.mail import actions
from tandem.mail.imap.poller import poll_mailbox
from tandem.mail.secrets import (
    UNREADABLE,
    SecretUnreadable,
    decrypt_secret,
    encrypt_secret,
    secret_readable,
)


def test_a_secret_round_trips_and_is_not_readable_in_the_stored_text():
    token = encrypt_secret("hunter2-päss")
    assert "hunter2" not in token
    assert token.isascii()
    assert decrypt_secret(token) == "hunter2-päss"


def test_the_same_password_encrypts_differently_each_time():
    assert encrypt_secret("same") != encrypt_secret("same")


def test_no_password_stays_empty():
    assert encrypt_secret("") == ""
    assert decrypt_secret("") == ""


def test_another_secret_key_cannot_read_it(settings):
    token = encrypt_secret("hunter2")
    settings.SECRET_KEY = "a-completely-different-secret-key-after-rotation"

    with pytest.raises(SecretUnreadable) as unreadable:
        decrypt_secret(token)
    assert str(unreadable.value) == UNREADABLE
    assert "TANDEM_SECRET_KEY" in UNREADABLE
    assert secret_readable(token) is False


def test_the_old_key_among_the_fallbacks_still_reads_it(settings):
    old = settings.SECRET_KEY
    token = encrypt_secret("hunter2")
    settings.SECRET_KEY = "the-new-secret-key-of-this-desk-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old]

    assert decrypt_secret(token) == "hunter2"
    # New saves use the new key, readable once the fallback is gone.
    fresh = encrypt_secret("hunter2")
    settings.SECRET_KEY_FALLBACKS = []
    assert decrypt_secret(fresh) == "hunter2"
    assert secret_readable(token) is False


@pytest.mark.parametrize("damaged", ["not a token", "gAAAAAB" + "x" * 80, "é"])
def test_damaged_text_is_unreadable_not_a_crash(damaged):
    with pytest.raises(SecretUnreadable):
        decrypt_secret(damaged)


@pytest.mark.django_db
def test_a_mailbox_stores_its_password_encrypted():
    mailbox = actions.create_mailbox(
        address="support@desk.test",
        receive_via="imap",
        imap_host="imap.desk.test",
        imap_user="support",
        imap_password="s3cret-imap",
    )
    mailbox.refresh_from_db()
    assert "s3cret-imap" not in mailbox.imap_password_encrypted
    assert decrypt_secret(mailbox.imap_password_encrypted) == "s3cret-imap"


@pytest.mark.django_db
def test_after_a_key_change_the_poller_records_why_and_connects_nowhere(settings):
    mailbox = actions.create_mailbox(
        address="support@desk.test",
        receive_via="imap",
        imap_host="imap.invalid",  # never reached: the password is checked first
        imap_user="support",
        imap_password="s3cret-imap",
    )
    settings.SECRET_KEY = "rotated-secret-key-rotated-secret-key-rotated"

    result = poll_mailbox(mailbox)

    assert result.error == UNREADABLE
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error == UNREADABLE
    # Typing the password again fixes it (and the stale error goes).
    actions.update_mailbox(mailbox=mailbox, imap_password="s3cret-imap")
    mailbox.refresh_from_db()
    assert decrypt_secret(mailbox.imap_password_encrypted) == "s3cret-imap"
    assert mailbox.last_poll_error == ""
