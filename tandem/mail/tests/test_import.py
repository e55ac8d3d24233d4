"""`tandem mail import`: history keeps its dates and threads, sends nothing, imports once."""

from __future__ import annotations

import datetime as dt
import io
import mailbox as stdlib_mailbox
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tandem.mail.actions import update_mailbox
from tandem.mail.ingest.importing import import_mail
from tandem.mail.intake import receive_raw
from tandem.mail.models import InboundMail, OutboundMail
from tandem.mail.tests.test_ingest_support import (
    DESK,
    mailbox_fixture,  # noqa: F401 (the mailbox fixture)
    raw_mail,
)
from tandem.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
State = InboundMail.State
DAY = dt.datetime(2023, 5, 2, 9, 0, tzinfo=dt.UTC)


def at(hours: float) -> dt.datetime:
    return DAY + dt.timedelta(hours=hours)


def history(agent_email: str) -> dict[str, bytes]:
    """Three conversations, an agent's answer, the desk's own old reply, and one bad file."""
    return {
        "carol-1": raw_mail(
            message_id="c1@customer.test",
            subject="Printer",
            date=at(0),
            body="The printer is on fire.",
        ),
        "alex-2": raw_mail(
            sender=f"Alex <{agent_email}>",
            to="carol@customer.test",
            cc=DESK,
            message_id="c2@desk.test",
            in_reply_to="c1@customer.test",
            references="<c1@customer.test>",
            subject="Re: Printer",
            date=at(1),
            body="Unplug it.",
        ),
        "carol-3": raw_mail(
            message_id="c3@customer.test",
            in_reply_to="c2@desk.test",
            references="<c1@customer.test> <c2@desk.test>",
            subject="Re: Printer",
            date=at(2),
            body="Done, thanks.",
        ),
        "bob-1": raw_mail(
            sender="Bob <bob@customer.test>",
            message_id="b1@customer.test",
            subject="Invoice",
            date=at(3),
            body="Where is my invoice?",
        ),
        "desk-2": raw_mail(
            sender=f"Support <{DESK}>",
            to="bob@customer.test",
            message_id="b2@oldhelpdesk.test",
            in_reply_to="b1@customer.test",
            subject="Re: Invoice",
            date=at(4),
            body="Attached, sorry.",
        ),
        # Dave's client clock runs early: his reply is dated before the message it answers.
        "dave-2": raw_mail(
            sender="dave@customer.test",
            message_id="d2@customer.test",
            in_reply_to="d1@customer.test",
            references="<d1@customer.test>",
            subject="Re: Login",
            date=at(4.5),
            body="Also on mobile.",
        ),
        "dave-1": raw_mail(
            sender="dave@customer.test",
            message_id="d1@customer.test",
            subject="Login",
            date=at(5),
            body="Cannot log in.",
        ),
        "broken": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an Outlook file",
    }


def write_eml_folder(folder: Path, messages: dict[str, bytes], seed: int) -> Path:
    names = list(messages)
    random.Random(seed).shuffle(names)
    folder.mkdir()
    for position, name in enumerate(names):
        (folder / f"{position:02d}-{name}.eml").write_bytes(messages[name])
    return folder


def write_mbox(path: Path, messages: dict[str, bytes], seed: int) -> Path:
    names = list(messages)
    random.Random(seed).shuffle(names)
    box = stdlib_mailbox.mbox(path)
    for name in names:
        box.add(messages[name])
    box.close()
    return path


def write_maildir(path: Path, messages: dict[str, bytes], seed: int) -> Path:
    names = list(messages)
    random.Random(seed).shuffle(names)
    box = stdlib_mailbox.Maildir(path)
    for name in names:
        box.add(messages[name])
    return path


def conversations() -> dict[str, list[tuple[str, str, dt.datetime]]]:
    """Each ticket's messages as (author, body, created_at), by requester email."""
    found = {}
    for ticket in Ticket.objects.select_related("contact"):
        found[ticket.contact.email] = [
            (m.author_kind, m.body, m.created_at)
            for m in ticket.messages.order_by("created_at", "id")
        ]
    return found


def assert_history_imported(agent):
    assert conversations() == {
        "carol@customer.test": [
            ("contact", "The printer is on fire.", at(0)),
            ("agent", "Unplug it.", at(1)),
            ("contact", "Done, thanks.", at(2)),
        ],
        "bob@customer.test": [
            ("contact", "Where is my invoice?", at(3)),
            ("system", "Attached, sorry.", at(4)),
        ],
        # Listed by their own dates: the reply's early clock shows, the thread holds.
        "dave@customer.test": [
            ("contact", "Also on mobile.", at(4.5)),
            ("contact", "Cannot log in.", at(5)),
        ],
    }
    carol = Ticket.objects.get(contact__email="carol@customer.test")
    assert carol.created_at == at(0) and carol.channel == "email"
    assert Message.objects.get(body="Unplug it.").author_agent == agent
    dave = Ticket.objects.get(contact__email="dave@customer.test")
    assert dave.subject == "Login"  # the parent opened it, though the reply is dated earlier
    broken = InboundMail.objects.get(state=State.QUARANTINED)
    assert broken.reason == "an Outlook .msg file (OLE compound document), not RFC 5322 mail"
    assert OutboundMail.objects.count() == 0  # history sends nothing
    assert not Message.objects.filter(meta__has_key="acknowledgement").exists()
    assert all(m.meta.get("imported") for m in Message.objects.all())


@pytest.fixture
def acknowledging(mailbox):
    # Even a mailbox that acknowledges new tickets sends nothing for history.
    return update_mailbox(mailbox=mailbox, acknowledge_new_tickets=True, sender_limit_per_minute=1)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    "write", [write_eml_folder, write_mbox, write_maildir], ids=["eml-folder", "mbox", "maildir"]
)
def test_import_threads_keeps_dates_and_sends_nothing_in_any_file_order(
    tmp_path, acknowledging, agent, write, seed
):
    path = write(tmp_path / "mail", history(agent.email), seed)
    stats = import_mail(path, mailbox=acknowledging)
    assert (stats.read, stats.to_process, stats.done) == (8, 8, 8)
    assert (stats.tickets, stats.messages, stats.quarantined) == (3, 4, 1)
    assert (stats.duplicates, stats.ignored, stats.held) == (0, 0, 0)
    assert_history_imported(agent)


def test_importing_twice_stores_and_doubles_nothing(tmp_path, mailbox, agent):
    path = write_mbox(tmp_path / "mail.mbox", history(agent.email), seed=4)
    import_mail(path, mailbox=mailbox)
    rows, messages = InboundMail.objects.count(), Message.objects.count()
    again = import_mail(path, mailbox=mailbox)
    assert (again.read, again.duplicates, again.to_process) == (8, 8, 0)
    assert InboundMail.objects.count() == rows == 8
    assert Message.objects.count() == messages
    assert_history_imported(agent)


def test_the_same_message_twice_in_one_file_is_stored_once(tmp_path, mailbox):
    raw = raw_mail(message_id="once@customer.test", date=at(0))
    box = stdlib_mailbox.mbox(tmp_path / "mail.mbox")
    box.add(raw)
    box.add(raw)
    box.close()
    stats = import_mail(tmp_path / "mail.mbox", mailbox=mailbox)
    assert (stats.read, stats.duplicates, stats.tickets) == (2, 1, 1)
    assert InboundMail.objects.count() == 1


def test_an_interrupted_import_is_finished_by_running_it_again(tmp_path, mailbox, agent):
    messages = history(agent.email)
    path = write_eml_folder(tmp_path / "mail", messages, seed=5)
    for raw in list(messages.values())[:3]:  # stored by a run that died before processing
        receive_raw(raw=raw, source="import", mailbox=mailbox, process=False)
    stats = import_mail(path, mailbox=mailbox)
    assert (stats.read, stats.to_process, stats.duplicates) == (8, 8, 0)
    assert InboundMail.objects.count() == 8
    assert_history_imported(agent)


def test_import_of_one_eml_file_without_a_mailbox_finds_it_from_the_recipients(
    tmp_path, mailbox, team
):
    path = tmp_path / "one.eml"
    path.write_bytes(raw_mail(date=at(0)))
    stats = import_mail(path)
    assert stats.tickets == 1
    ticket = Ticket.objects.get()
    assert ticket.team == team and ticket.created_at == at(0)


def test_the_command_imports_and_prints_a_summary(tmp_path, mailbox, agent):
    path = write_mbox(tmp_path / "mail.mbox", history(agent.email), seed=6)
    out = io.StringIO()
    call_command("mail", "import", str(path), "--mailbox", DESK.upper(), stdout=out)
    printed = out.getvalue()
    assert printed.startswith(
        f"Imported {path}: 8 messages read, 3 new tickets, 4 messages added to tickets, "
        "0 duplicates skipped, 0 ignored, 1 quarantined in "
    )
    assert "\r" not in printed  # no progress line when not on a terminal
    assert Ticket.objects.count() == 3


def test_the_command_refuses_an_unknown_mailbox_or_path(tmp_path, mailbox):
    with pytest.raises(CommandError, match="no mailbox with the address other@desk.test"):
        call_command("mail", "import", str(tmp_path), "--mailbox", "other@desk.test")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("mail", "import", str(tmp_path / "missing.mbox"))
    assert InboundMail.objects.count() == 0


def test_the_ordering_key_reads_the_headers_the_stdlib_header_parser_reads():
    """queued() scans four headers itself; every corpus file gives what a full parse gives."""
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    from tandem.mail import addresses
    from tandem.mail.ingest.importing import queued
    from tandem.mail.tests.test_corpus_intake import FILES

    folded = (
        b"Message-ID:\r\n <folded@x.test>\r\nReferences: <a@x.test>\r\n\t<b@x.test>\r\n"
        b"references: <ignored@x.test>\r\nDATE: Tue, 1 Apr 2025 10:00:00 +0000\r\n\r\nbody"
    )
    for raw in [*(path.read_bytes() for path in FILES), folded]:
        head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
        headers = BytesHeaderParser(policy=compat32).parsebytes(head)
        ids = addresses.message_ids(str(headers.get("message-id", "")))
        references = addresses.message_ids(str(headers.get("references", "")))
        replied = addresses.message_ids(str(headers.get("in-reply-to", "")))
        date = addresses.parse_date(str(headers["date"])) if "date" in headers else None
        item = queued(1, raw, 0)
        assert item.message_id == (ids[0] if ids else ""), raw[:200]
        assert item.parents == tuple(dict.fromkeys(replied[:1] + references[-1:])), raw[:200]
        assert item.key[:2] == ((date.timestamp() if date else float("inf")), len(references))
    assert queued(1, folded, 0).parents == ("b@x.test",)
