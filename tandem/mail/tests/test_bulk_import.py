"""The bulk history import writes exactly what the per-message path writes.

One mixed corpus (the shared real-world mail, plus conversations with replies, Cc'd people,
a re-opened solved ticket, a closed ticket's follow-up, agents' and the desk's own mail,
duplicates and a broken file) is imported both ways into the same fresh desk state, and the
tickets, messages, threading, contacts, events and inbound rows are compared, with database
ids replaced by their order of creation.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.core import event_bus
from tandem.core.search.models import SearchDocument
from tandem.mail.ingest.bulk_import import import_in_batches
from tandem.mail.ingest.desk import Desk
from tandem.mail.ingest.importing import import_mail
from tandem.mail.ingest.parse_pool import ParsePool
from tandem.mail.intake import store_raw_many
from tandem.mail.models import InboundMail, OutboundMail
from tandem.mail.tests.test_corpus_intake import FILES
from tandem.mail.tests.test_import import at, history
from tandem.mail.tests.test_ingest_support import (
    mailbox_fixture,  # noqa: F401 (the mailbox fixture)
    raw_mail,
)
from tandem.people.actions import find_or_create_contact
from tandem.people.actors import Actor
from tandem.people.models import Contact
from tandem.tickets.actions import create_ticket, update_ticket
from tandem.tickets.models import Attachment, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
State = InboundMail.State


def more_history() -> list[bytes]:
    """Threads that exercise the batch's own map, Cc'd followers, duplicates, a subject token."""
    return [
        raw_mail(
            sender="Erin <erin@customer.test>",
            cc="Frank <frank@customer.test>, support@desk.test",
            message_id="e1@customer.test",
            subject="Shipping",
            date=at(6),
            body="Where is my parcel?",
            attachments=(("label.pdf", b"%PDF-1.4 label", "application/pdf"),),
        ),
        raw_mail(
            sender="Frank <frank@customer.test>",
            cc="erin@customer.test, Gina <gina@customer.test>",
            message_id="e2@customer.test",
            in_reply_to="e1@customer.test",
            references="<e1@customer.test>",
            subject="Re: Shipping",
            date=at(7),
            body="Mine too.",
        ),
        # The same message again with other trace headers: a duplicate by Message-ID and text.
        raw_mail(
            sender="Frank <frank@customer.test>",
            message_id="e2@customer.test",
            subject="Re: Shipping",
            date=at(7.5),
            body="Mine too.",
            headers={"X-Relay": "second copy"},
        ),
        raw_mail(
            sender="erin@customer.test",
            message_id="e3@customer.test",
            references="<e1@customer.test> <e2@customer.test>",
            subject="Re: Shipping",
            date=at(8),
            body="Found it, thanks.",
        ),
        # Onto the tickets that exist before the import: solved reopens, closed follows up.
        raw_mail(
            sender="Olga <olga@customer.test>",
            message_id="o2@customer.test",
            in_reply_to="solved@customer.test",
            subject="Re: Old question",
            date=at(9),
            body="It broke again.",
        ),
        raw_mail(
            sender="Olga <olga@customer.test>",
            message_id="o3@customer.test",
            in_reply_to="closed@customer.test",
            subject="Re: Older question",
            date=at(10),
            body="Back again.",
        ),
        raw_mail(
            sender="Newsletter <news@shop.test>",
            message_id="n1@shop.test",
            subject="Our offers",
            date=at(12),
            body="Buy now.",
            headers={"Precedence": "bulk", "List-Id": "<offers.shop.test>"},
        ),
    ]


def existing_tickets() -> int:
    """A solved and a closed ticket whose first messages the imported replies answer; the
    solved one's number."""
    olga = find_or_create_contact(email="olga@customer.test", name="")
    actor = Actor.for_contact(olga)
    solved = create_ticket(
        actor=actor,
        contact=olga,
        subject="Old question",
        body="How?",
        channel="email",
        message_id="solved@customer.test",
        at=at(-48),
    )
    closed = create_ticket(
        actor=actor,
        contact=olga,
        subject="Older question",
        body="Why?",
        channel="email",
        message_id="closed@customer.test",
        at=at(-72),
    )
    system = Actor.system()
    update_ticket(actor=system, ticket=solved, status="solved", at=at(-24))
    update_ticket(actor=system, ticket=closed, status="solved", at=at(-48))
    update_ticket(actor=system, ticket=closed, status="closed", at=at(-47))
    return solved.number


def token_mail(number: int) -> bytes:
    """Olga writes with the solved ticket's "[#N]" token (its number differs per run)."""
    return raw_mail(
        sender="Olga <olga@customer.test>",
        message_id="o4@customer.test",
        subject=f"[#{number}] about that",
        date=at(11),
        body="With a token.",
    )


def corpus(agent_email: str) -> list[bytes]:
    messages = [path.read_bytes() for path in FILES]
    messages += list(history(agent_email).values()) + more_history()
    return messages


def write_eml_folder(path: Path, messages: list[bytes]) -> Path:
    """Numbered .eml files: both runs read the messages in the same order."""
    path.mkdir()
    for index, raw in enumerate(messages):
        (path / f"{index:03d}.eml").write_bytes(raw)
    return path


class Ordinals:
    """Database ids replaced by their rank, so two runs with other ids compare equal."""

    def __init__(self, ids):
        self.rank = {pk: index for index, pk in enumerate(sorted(ids))}

    def __call__(self, pk):
        return None if pk is None else self.rank.get(pk, f"?{pk}")


def snapshot(started: dt.datetime) -> dict:
    """Every row the import writes, as comparable values; a time the import took from the
    clock (undated mail is dated when processed) shows as "now"."""

    def when(value):
        return "now" if value is not None and value >= started else value

    tickets = Ordinals(Ticket.objects.values_list("pk", flat=True))
    messages = Ordinals(Message.objects.values_list("pk", flat=True))
    inbound = Ordinals(InboundMail.objects.values_list("pk", flat=True))
    emails = dict(Contact.objects.values_list("pk", "email"))

    def token(text: str) -> str:
        return re.sub(r"\[#(\d+)\]", lambda m: f"[ticket {tickets(int(m[1]))}]", text)

    def reason(text: str) -> str:
        text = re.sub(r"inbound mail #(\d+)", lambda m: f"inbound {inbound(int(m[1]))}", text)
        return re.sub(r"ticket #(\d+)", lambda m: f"ticket {tickets(int(m[1]))}", text)

    def meta(values: dict) -> dict:
        values = dict(values)
        if "inbound" in values:
            values["inbound"] = inbound(values["inbound"])
        return values

    def data(values: dict) -> dict:
        values = dict(values)
        if "contact" in values:
            values["contact"] = emails[values["contact"]]
        for key in ("followup", "followup_of"):
            if values.get(key):
                values[key] = tickets(values[key])
        return values

    return {
        "tickets": [
            (
                tickets(t.pk),
                t.subject,
                t.status,
                t.unsolved,
                emails[t.contact_id],
                t.organization_id,
                t.team_id,
                t.track,
                t.channel,
                when(t.created_at),
                when(t.updated_at),
                when(t.last_customer_message_at),
                t.message_count,
                tickets(t.followup_of_id),
                sorted(emails[c] for c in t.followers.values_list("pk", flat=True)),
                t.custom_fields,
            )
            for t in Ticket.objects.order_by("pk")
        ],
        "messages": [
            (
                messages(m.pk),
                tickets(m.ticket_id),
                m.author_kind,
                emails.get(m.author_contact_id),
                m.author_agent_id,
                m.visibility,
                m.channel,
                m.body,
                m.html,
                m.quoted,
                m.message_id,
                m.in_reply_to,
                meta(m.meta),
                when(m.created_at),
            )
            for m in Message.objects.order_by("pk")
        ],
        "attachments": [
            (tickets(a.ticket_id), messages(a.message_id), a.filename, a.content_type, a.size)
            for a in Attachment.objects.order_by("pk")
        ],
        "events": [
            (
                tickets(e.ticket_id),
                e.kind,
                e.actor_kind,
                emails.get(e.actor_contact_id),
                e.actor_agent_id,
                messages(e.message_id),
                data(e.data),
                when(e.created_at),
            )
            for e in TicketEvent.objects.order_by("pk")
        ],
        "contacts": sorted(
            (
                c.email,
                c.name,
                c.organization_id,
                sorted(c.identities.values_list("value", flat=True)),
            )
            for c in Contact.objects.all()
        ),
        "inbound": [
            (
                inbound(row.pk),
                row.state,
                reason(row.reason),
                tickets(row.ticket_id),
                messages(row.ticket_message_id),
                row.message_id,
                row.from_address,
                token(row.subject),
                row.mailbox_id,
                row.attempts,
            )
            for row in InboundMail.objects.order_by("pk")
        ],
        # Indexed in the batch's own transaction: the same documents either way.
        "search": [
            (tickets(d.key), d.title, d.body, d.facets, when(d.updated_at))
            for d in SearchDocument.objects.filter(kind="ticket").order_by("key")
        ],
    }


def imported(path: Path, mailbox, *, bulk: bool, parse_workers: int = 0) -> tuple[dict, dict]:
    """Import into a savepoint, take the snapshot and the stats, and roll back."""
    savepoint = transaction.savepoint()
    started = timezone.now()
    try:
        (path / "999-token.eml").write_bytes(token_mail(existing_tickets()))
        with CaptureQueriesContext(connection) as queries:
            stats = import_mail(path, mailbox=mailbox, bulk=bulk, parse_workers=parse_workers)
        again = import_mail(path, mailbox=mailbox, bulk=bulk)
        assert again.to_process == 0 and again.duplicates == again.read
        assert OutboundMail.objects.count() == 0
        counts = {
            name: getattr(stats, name)
            for name in ("read", "tickets", "messages", "duplicates", "ignored", "quarantined")
        }
        counts["queries"] = len(queries.captured_queries)
        return snapshot(started), counts
    finally:
        transaction.savepoint_rollback(savepoint)


def test_bulk_import_writes_what_the_per_message_path_writes(tmp_path, mailbox, agent):
    messages = corpus(agent.email)
    one_by_one, one_by_one_counts = imported(
        write_eml_folder(tmp_path / "one-by-one", messages), mailbox, bulk=False
    )
    in_batches, in_batches_counts = imported(
        write_eml_folder(tmp_path / "in-batches", messages), mailbox, bulk=True
    )
    # The batches took far fewer queries: the bulk path, not the fallback, did the work.
    assert in_batches_counts.pop("queries") * 2 < one_by_one_counts.pop("queries")
    assert in_batches_counts == one_by_one_counts
    for part in one_by_one:
        assert in_batches[part] == one_by_one[part], part
    # The corpus reached every kind of outcome, so the comparison covered them.
    states = {row[1] for row in one_by_one["inbound"]}
    assert {State.PROCESSED, State.IGNORED, State.QUARANTINED} <= states
    kinds = {event[1] for event in one_by_one["events"]}
    assert {"created", "message_added", "status_changed", "follower_added"} <= kinds
    assert any(ticket[13] is not None for ticket in one_by_one["tickets"])  # a follow-up
    assert one_by_one_counts["duplicates"] >= 1
    tokened = [row for row in one_by_one["inbound"] if "about that" in row[7]]
    assert tokened[0][7] == "[ticket 0] about that" and tokened[0][3] == 0  # onto the solved
    # Every ticket the import wrote is in the search index, with its messages' text.
    assert len(one_by_one["search"]) == len(one_by_one["tickets"])
    assert any("Found it, thanks." in document[2] for document in one_by_one["search"])


def test_parse_workers_change_nothing_but_who_parses(tmp_path, mailbox, agent):
    """Batches parsed in a worker process land exactly as batches parsed here, the broken
    file quarantined with the same reason."""
    messages = corpus(agent.email)
    here, here_counts = imported(write_eml_folder(tmp_path / "here", messages), mailbox, bulk=True)
    pooled, pooled_counts = imported(
        write_eml_folder(tmp_path / "pooled", messages), mailbox, bulk=True, parse_workers=1
    )
    here_counts.pop("queries"), pooled_counts.pop("queries")
    assert pooled_counts == here_counts
    for part in here:
        assert pooled[part] == here[part], part
    assert any(row[1] == State.QUARANTINED for row in pooled["inbound"])


def test_unusable_parse_workers_leave_the_parsing_to_the_importer(mailbox):
    """A pool whose workers take no work (shut down, as when they cannot start) parses
    nothing: every message is parsed in-process instead, with the outcome it has without a
    pool, none left behind."""
    raws = [path.read_bytes() for path in FILES]
    rows = store_raw_many(raws, source=InboundMail.Source.IMPORT, mailbox=mailbox)
    broken = ParsePool(1)
    broken.close()

    def outcomes(pool: ParsePool | None) -> list[tuple]:
        savepoint = transaction.savepoint()
        try:
            heard = []
            with event_bus.quiet():
                left = import_in_batches(
                    [row.pk for row in rows],
                    desk=Desk.load(preload_agents=True),
                    count=heard.append,
                    pool=pool,
                )
            assert left == 0 and len(heard) == len(raws)
            return list(InboundMail.objects.order_by("pk").values_list("state", "reason"))
        finally:
            transaction.savepoint_rollback(savepoint)

    with_broken_pool = outcomes(broken)
    assert with_broken_pool == outcomes(None)
    states = {state for state, _ in with_broken_pool}
    assert State.RECEIVED not in states and {State.PROCESSED, State.QUARANTINED} <= states


def test_each_message_is_looked_up_once_however_many_need_the_per_message_path(
    tmp_path, mailbox, agent, monkeypatch
):
    """Agents' mail in a batch ends a lookup window; the rest is looked up after it, once."""
    from tandem.mail.ingest import bulk_import

    looked_up: list[int] = []
    load = bulk_import._Lookups.load.__func__

    def counting_load(cls, handlings):
        looked_up.extend(h.inbound.pk for h in handlings)
        return load(cls, handlings)

    monkeypatch.setattr(bulk_import._Lookups, "load", classmethod(counting_load))
    messages = []
    for n in range(12):
        sender = f"Agent <{agent.email}>" if n % 4 == 3 else f"C{n} <c{n}@customer.test>"
        messages.append(
            raw_mail(sender=sender, message_id=f"w{n}@x.test", subject=f"S{n}", date=at(n))
        )
    stats = import_mail(write_eml_folder(tmp_path / "mixed", messages), mailbox=mailbox)

    # An agent's mail on no ticket is quarantined by the per-message path; the rest are tickets.
    assert (stats.done, stats.tickets, stats.quarantined) == (12, 9, 3)
    assert len(looked_up) == len(set(looked_up)) == 12
