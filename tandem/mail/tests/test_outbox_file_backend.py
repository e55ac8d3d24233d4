"""The `.eml` file transport: one complete, parseable file per sent mail, never a partial one."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.mail import EmailMessage, get_connection

from tandem.mail.models import OutboundMail
from tandem.mail.tests.test_outbox_fixtures import (  # noqa: F401 (fixtures)
    CUSTOMER_FIRST_ID,
    email_ticket_fixture,
    mailbox_fixture,
    parse,
)
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.actions import IncomingFile

BACKEND = "tandem.mail.outbox.file_backend.EmlFileBackend"
NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-(?P<digest>[0-9a-f]{16})\.eml$")


def test_each_sent_reply_is_one_parseable_eml_file(
    email_ticket, agent, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = BACKEND
    settings.EMAIL_FILE_PATH = tmp_path / "mail" / "sent"
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_message(
            actor=Actor.for_agent(agent),
            ticket=email_ticket,
            body="Log attached.",
            attachments=[IncomingFile("trace.log", b"\x00\x01boom", "application/octet-stream")],
        )

    row = OutboundMail.objects.get()
    assert row.state == "sent"
    [written] = list((tmp_path / "mail" / "sent").iterdir())
    match = NAME.match(written.name)
    assert match, written.name
    assert match["digest"] == hashlib.sha256(f"<{row.message_id}>".encode()).hexdigest()[:16]
    raw = written.read_bytes()
    assert b"\r\n\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    saved = parse(raw)
    assert saved["Message-ID"] == f"<{row.message_id}>"
    assert saved["In-Reply-To"] == f"<{CUSTOMER_FIRST_ID}>"
    assert saved["To"] == "carol@customer.test"
    assert saved["Subject"] == f"Re: [#{email_ticket.number}] Cannot log in"
    [attachment] = saved.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content()) == ("trace.log", b"\x00\x01boom")


def test_folder_defaults_to_mail_sent_under_tandem_home_and_is_created(settings, tmp_path):
    del settings.EMAIL_FILE_PATH
    settings.TANDEM_HOME = tmp_path / "home"
    settings.EMAIL_BACKEND = BACKEND

    sent = EmailMessage("Hi", "Body", "desk@demo.test", ["a@b.test"]).send()

    assert sent == 1
    [written] = list((tmp_path / "home" / "mail" / "sent").iterdir())
    assert parse(written.read_bytes())["Subject"] == "Hi"


def test_several_messages_make_several_files_and_no_temporary_ones(settings, tmp_path):
    folder = tmp_path / "out"
    connection = get_connection(BACKEND, file_path=folder)
    messages = [EmailMessage(f"n{n}", "b", "d@x.test", ["a@b.test"]) for n in range(3)]

    assert connection.send_messages(messages) == 3

    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3 and all(NAME.match(name) for name in names)
    subjects = sorted(parse((folder / name).read_bytes())["Subject"] for name in names)
    assert subjects == ["n0", "n1", "n2"]


def test_an_unwritable_folder_fails_loudly_or_silently_as_asked(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    message = EmailMessage("Hi", "Body", "d@x.test", ["a@b.test"])

    with pytest.raises(OSError):
        get_connection(BACKEND, file_path=blocker).send_messages([message])
    quiet = get_connection(BACKEND, file_path=blocker, fail_silently=True)
    assert quiet.send_messages([message]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["not-a-folder"]
