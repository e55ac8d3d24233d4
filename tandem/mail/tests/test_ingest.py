"""Live inbound mail end to end: stored raw, processed into tickets and messages by the rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tandem.mail.actions import create_mailbox, update_mailbox
from tandem.mail.ingest.processing import process_inbound, sweep_received
from tandem.mail.intake import receive_raw
from tandem.mail.message_ids import make_message_id
from tandem.mail.models import InboundMail, OutboundMail
from tandem.mail.quarantine import retry_inbound
from tandem.mail.tests.test_ingest_support import (
    DESK,
    deliver,
    mailbox_fixture,  # noqa: F401 (the mailbox fixture)
    new_message_id,
    raw_mail,
)
from tandem.people.actors import Actor
from tandem.people.models import Contact
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import Message, Ticket, TicketEvent, TicketLink

pytestmark = pytest.mark.django_db
State = InboundMail.State


def close(ticket, agent):
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="solved")
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="closed")


# --- a new ticket --------------------------------------------------------------------------


def test_new_mail_opens_an_email_ticket_with_the_new_text_and_headers_in_meta(mailbox, team):
    sent = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC)
    raw = raw_mail(
        subject="Printer on fire",
        body="It is on fire.\n\nOn Mon, Bob wrote:\n> is it?\n",
        message_id="first@customer.test",
        cc="Bob Colleague <bob@customer.test>",
        date=sent,
    )
    before = timezone.now()
    inbound = deliver(raw, mailbox=mailbox)

    assert inbound.state == State.PROCESSED and inbound.reason == ""
    assert inbound.message_id == "first@customer.test"
    assert inbound.from_address == "carol@customer.test"
    assert inbound.subject == "Printer on fire"
    assert inbound.processed_at >= before and inbound.attempts == 1
    ticket = inbound.ticket
    assert ticket.subject == "Printer on fire" and ticket.channel == "email"
    assert ticket.team == team and ticket.track == team.track
    assert ticket.contact.email == "carol@customer.test"
    assert ticket.contact.name == "Carol Customer"
    assert ticket.created_at >= before  # live mail: received now, the Date header in meta
    message = inbound.ticket_message
    assert message.ticket == ticket and message.author_kind == "contact"
    assert message.body == "It is on fire."
    assert message.message_id == "first@customer.test"
    assert message.quoted == "On Mon, Bob wrote:\n> is it?"
    assert message.meta == {
        "mailbox": mailbox.pk,
        "inbound": inbound.pk,
        "from": "carol@customer.test",
        "to": [DESK],
        "cc": ["bob@customer.test"],
        "date": "2024-03-01T09:30:00+00:00",
    }
    # Plain text stores no HTML copy; shown, it is the new text, the quote folded apart.
    assert message.html == ""
    assert message.display_html() == "<p>It is on fire.</p>"
    assert [c.email for c in ticket.followers.all()] == ["bob@customer.test"]


def test_mail_without_subject_or_text_still_opens_a_ticket(mailbox):
    inbound = deliver(raw_mail(subject="", body="\n"), mailbox=mailbox)
    assert inbound.state == State.PROCESSED
    assert inbound.ticket.subject == "(no subject)"
    assert inbound.ticket_message.body == "(empty message)"


def test_reply_to_is_the_requester_only_when_the_mailbox_says_so(mailbox):
    raw = raw_mail(sender="Web form <form@shop.test>", reply_to="Erin <erin@buyer.test>")
    assert deliver(raw, mailbox=mailbox).ticket.contact.email == "form@shop.test"
    update_mailbox(mailbox=mailbox, use_reply_to=True)
    mailbox.refresh_from_db()
    raw = raw_mail(sender="Web form <form@shop.test>", reply_to="Erin <erin@buyer.test>")
    contact = deliver(raw, mailbox=mailbox).ticket.contact
    assert (contact.email, contact.name) == ("erin@buyer.test", "Erin")


def test_mailbox_is_found_from_the_recipients_when_not_given(mailbox, team):
    inbound = deliver(raw_mail(to=f"Support <{DESK.upper()}>"))
    assert inbound.mailbox == mailbox and inbound.ticket.team == team


def test_sender_without_address_is_quarantined_and_nothing_is_written(mailbox):
    inbound = deliver(b"Subject: hello\n\nno sender here\n", mailbox=mailbox)
    assert inbound.state == State.QUARANTINED
    assert inbound.reason == "no sender address (no From, Sender or envelope)"
    assert Ticket.objects.count() == 0 and Contact.objects.count() == 0


def test_envelope_sender_stands_in_for_a_missing_from(mailbox):
    inbound = deliver(
        b"Subject: hello\n\nno From header\n", mailbox=mailbox, envelope_from="frank@customer.test"
    )
    assert inbound.state == State.PROCESSED
    assert inbound.ticket.contact.email == "frank@customer.test"


def test_unparseable_input_is_quarantined_with_the_parsers_reason(mailbox):
    inbound = deliver(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 outlook", mailbox=mailbox)
    assert inbound.state == State.QUARANTINED
    assert inbound.reason == "an Outlook .msg file (OLE compound document), not RFC 5322 mail"
    assert inbound.ticket is None


def test_a_failure_mid_way_quarantines_with_the_error_and_rolls_back(mailbox, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"  # attachment storage fails: the outside world
    raw = raw_mail(attachments=(("a.txt", b"hello", "text/plain"),))
    inbound = deliver(raw, mailbox=mailbox)
    assert inbound.state == State.QUARANTINED
    assert inbound.reason.startswith(("NotADirectoryError: ", "FileExistsError: "))
    assert inbound.from_address == "carol@customer.test"  # learned before the failure
    assert Ticket.objects.count() == 0 and Message.objects.count() == 0


def test_processing_twice_is_a_no_op(mailbox):
    inbound = receive_raw(raw=raw_mail(), source="smtp", mailbox=mailbox, process=False)
    process_inbound(inbound_id=inbound.pk)
    process_inbound(inbound_id=inbound.pk)
    inbound.refresh_from_db()
    assert inbound.state == State.PROCESSED and inbound.attempts == 1
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1


def test_stored_mail_is_processed_by_the_job_after_commit(
    mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inbound = receive_raw(raw=raw_mail(), source="smtp", mailbox=mailbox)
    inbound.refresh_from_db()
    assert inbound.state == State.PROCESSED and inbound.ticket is not None


# --- duplicates ----------------------------------------------------------------------------


def test_the_same_message_delivered_twice_makes_one_message(mailbox):
    raw = raw_mail(message_id="twice@customer.test")
    first = deliver(raw, mailbox=mailbox)
    second = deliver(raw, mailbox=mailbox)
    assert second.state == State.IGNORED
    assert second.reason == f"duplicate of inbound mail #{first.pk} on ticket #{first.ticket_id}"
    assert (second.ticket, second.ticket_message) == (first.ticket, first.ticket_message)
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1


def test_same_id_and_text_with_other_trace_headers_is_a_duplicate(mailbox):
    raw = raw_mail(message_id="relayed@customer.test")
    first = deliver(raw, mailbox=mailbox)
    second = deliver(b"Received: from relay2.test\n" + raw, source="imap", mailbox=mailbox)
    assert second.state == State.IGNORED and second.ticket_message == first.ticket_message
    assert Message.objects.count() == 1


def test_a_reused_message_id_with_other_content_is_processed(mailbox):
    deliver(raw_mail(message_id="reused@customer.test", body="First question"), mailbox=mailbox)
    second = deliver(
        raw_mail(message_id="reused@customer.test", body="Another question"), mailbox=mailbox
    )
    assert second.state == State.PROCESSED
    assert Message.objects.filter(message_id="reused@customer.test").count() == 2


# --- threading -----------------------------------------------------------------------------


def test_reply_threads_by_in_reply_to(mailbox):
    first = deliver(raw_mail(message_id="q@customer.test"), mailbox=mailbox)
    reply = deliver(
        raw_mail(
            subject="Re: Printer on fire", body="Still burning", in_reply_to="q@customer.test"
        ),
        mailbox=mailbox,
    )
    assert reply.ticket == first.ticket
    assert reply.ticket_message.in_reply_to == "q@customer.test"
    assert reply.ticket_message.body == "Still burning"
    assert Ticket.objects.count() == 1 and first.ticket.messages.count() == 2


def test_reply_threads_by_references_when_in_reply_to_is_missing(mailbox):
    first = deliver(raw_mail(message_id="q2@customer.test"), mailbox=mailbox)
    reply = deliver(raw_mail(references="<q2@customer.test> <unknown@else.test>"), mailbox=mailbox)
    assert reply.ticket == first.ticket


def test_reply_threads_by_our_own_id_when_no_row_holds_it(mailbox, ticket):
    ours = make_message_id(ticket.pk)
    assert not Message.objects.filter(message_id=ours).exists()
    reply = deliver(raw_mail(in_reply_to=ours, subject="Re: something"), mailbox=mailbox)
    assert reply.ticket == ticket and reply.ticket_message.author_contact == ticket.contact


def test_reply_threads_by_an_outbound_mail_id(mailbox, ticket):
    OutboundMail.objects.create(
        ticket=ticket, subject="Re", to=["carol@customer.test"], message_id="reply-77@desk.test"
    )
    reply = deliver(raw_mail(in_reply_to="reply-77@desk.test"), mailbox=mailbox)
    assert reply.ticket == ticket


def test_a_forged_id_of_ours_opens_a_new_ticket(mailbox, ticket):
    forged = f"tandem.t{ticket.pk}.aaaaaaaaaaaa.0000000000000000@tandem.localhost"
    inbound = deliver(raw_mail(in_reply_to=forged), mailbox=mailbox)
    assert inbound.ticket != ticket and Ticket.objects.count() == 2


def test_subject_token_threads_for_the_requester(mailbox, ticket):
    inbound = deliver(raw_mail(subject=f"Re: [#{ticket.pk}] Cannot log in"), mailbox=mailbox)
    assert inbound.ticket == ticket


def test_a_stranger_using_a_subject_token_gets_a_new_ticket(mailbox, ticket):
    inbound = deliver(
        raw_mail(sender="mallory@evil.test", subject=f"Re: [#{ticket.pk}] Cannot log in"),
        mailbox=mailbox,
    )
    assert inbound.ticket != ticket
    assert inbound.ticket.subject == f"Re: [#{ticket.pk}] Cannot log in"
    assert ticket.messages.count() == 1 and not ticket.followers.exists()


def test_reply_to_a_closed_ticket_opens_a_linked_followup_and_a_second_reply_joins_it(
    mailbox, agent
):
    first = deliver(raw_mail(message_id="old@customer.test"), mailbox=mailbox)
    close(first.ticket, agent)
    again = deliver(raw_mail(in_reply_to="old@customer.test", body="Broken again"), mailbox=mailbox)
    followup = again.ticket
    assert followup != first.ticket and followup.followup_of == first.ticket
    assert TicketLink.objects.filter(source=followup, target=first.ticket, kind="followup").exists()
    assert followup.messages.get().body == "Broken again"
    more = deliver(raw_mail(in_reply_to="old@customer.test", body="And also"), mailbox=mailbox)
    assert more.ticket == followup and followup.messages.count() == 2
    first.ticket.refresh_from_db()
    assert first.ticket.status == "closed" and first.ticket.message_count == 1


def test_reply_to_a_merged_ticket_lands_on_the_survivor(mailbox, agent, customer):
    first = deliver(raw_mail(message_id="merged@customer.test"), mailbox=mailbox)
    survivor = factories.make_ticket(contact=customer)
    actions.merge_tickets(actor=Actor.for_agent(agent), source=first.ticket, target=survivor)
    reply = deliver(raw_mail(in_reply_to="merged@customer.test"), mailbox=mailbox)
    assert reply.ticket == survivor


def test_customer_reply_reopens_a_solved_ticket(mailbox, agent):
    first = deliver(raw_mail(message_id="solved@customer.test"), mailbox=mailbox)
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=first.ticket, status="solved")
    deliver(raw_mail(in_reply_to="solved@customer.test"), mailbox=mailbox)
    first.ticket.refresh_from_db()
    assert first.ticket.status == "open"


# --- followers -----------------------------------------------------------------------------


def test_cc_and_other_to_addresses_follow_but_never_the_desk_agents_or_machines(mailbox, agent):
    raw = raw_mail(
        to=f"{DESK}, Ivy <ivy@customer.test>, billing@desk.test",
        cc=f"bob@customer.test, {agent.email}, noreply@customer.test, carol@customer.test",
    )
    create_mailbox(address="billing@desk.test")
    inbound = deliver(raw, mailbox=mailbox)
    ticket = inbound.ticket
    assert sorted(ticket.followers.values_list("email", flat=True)) == [
        "bob@customer.test",
        "ivy@customer.test",
    ]
    assert ticket.followers.get(email="ivy@customer.test").name == "Ivy"
    events = TicketEvent.objects.filter(ticket=ticket, kind="follower_added")
    assert sorted(e.data["email"] for e in events) == ["bob@customer.test", "ivy@customer.test"]


def test_a_reply_from_someone_else_makes_them_a_follower_once(mailbox):
    first = deliver(raw_mail(message_id="f@customer.test"), mailbox=mailbox)
    for _ in range(2):
        deliver(
            raw_mail(
                sender="Bob <bob@customer.test>",
                in_reply_to="f@customer.test",
                cc="carol@customer.test",
                body=f"me too {_}",
            ),
            mailbox=mailbox,
        )
    assert list(first.ticket.followers.values_list("email", flat=True)) == ["bob@customer.test"]
    assert TicketEvent.objects.filter(ticket=first.ticket, kind="follower_added").count() == 1


def test_mail_to_a_crowd_adds_no_followers(mailbox):
    crowd = ", ".join(f"person{n}@customer.test" for n in range(21))
    inbound = deliver(raw_mail(cc=crowd), mailbox=mailbox)
    assert not inbound.ticket.followers.exists()
    assert inbound.ticket_message.meta["followers_skipped"] == 21


# --- automatic mail ------------------------------------------------------------------------


def test_out_of_office_is_recorded_without_reopening(mailbox, agent):
    first = deliver(raw_mail(message_id="ooo@customer.test"), mailbox=mailbox)
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=first.ticket, status="pending")
    ooo = deliver(
        raw_mail(
            subject="Out of Office: Printer on fire",
            in_reply_to="ooo@customer.test",
            body="I am away until Monday.",
            headers={"Auto-Submitted": "auto-replied"},
        ),
        mailbox=mailbox,
    )
    assert ooo.state == State.PROCESSED and ooo.ticket == first.ticket
    assert ooo.ticket_message.meta["automatic"] == ["auto-submitted", "out-of-office"]
    first.ticket.refresh_from_db()
    assert first.ticket.status == "pending"


def test_out_of_office_matching_no_ticket_is_ignored(mailbox):
    inbound = deliver(
        raw_mail(subject="Automatic reply: hello", headers={"Auto-Submitted": "auto-replied"}),
        mailbox=mailbox,
    )
    assert inbound.state == State.IGNORED
    assert inbound.reason == "out-of-office reply that matches no ticket"
    assert Ticket.objects.count() == 0 and Contact.objects.count() == 0


def test_out_of_office_to_a_closed_ticket_opens_no_followup(mailbox, agent):
    first = deliver(raw_mail(message_id="closed-ooo@customer.test"), mailbox=mailbox)
    close(first.ticket, agent)
    ooo = deliver(
        raw_mail(
            subject="Out of office",
            in_reply_to="closed-ooo@customer.test",
            headers={"Auto-Submitted": "auto-replied"},
        ),
        mailbox=mailbox,
    )
    assert ooo.state == State.IGNORED
    assert ooo.reason == f"out-of-office reply to closed ticket #{first.ticket_id}"
    assert Ticket.objects.count() == 1


def test_bulk_mail_opens_a_ticket_flagged_automatic_without_followers(mailbox):
    raw = raw_mail(
        sender="news@shop.test",
        to="list@lists.test",
        cc="bob@customer.test",
        headers={"List-Id": "<news.shop.test>", "Precedence": "bulk"},
    )
    inbound = deliver(raw, mailbox=mailbox)
    assert inbound.state == State.PROCESSED
    assert inbound.ticket_message.meta["automatic"] == ["bulk"]
    assert not inbound.ticket.followers.exists()
    assert OutboundMail.objects.count() == 0


# --- loop guard and rate limit ------------------------------------------------------------


def test_mail_from_our_own_address_is_ignored(mailbox):
    inbound = deliver(raw_mail(sender=f"Support <{DESK}>"), mailbox=mailbox)
    assert inbound.state == State.IGNORED
    assert inbound.reason == f"loop guard: sent from the desk's own address {DESK}"
    assert Ticket.objects.count() == 0


def test_mail_with_our_own_message_id_is_ignored(mailbox, ticket):
    ours = make_message_id(ticket.pk)
    inbound = deliver(raw_mail(message_id=ours, sender="relay@else.test"), mailbox=mailbox)
    assert inbound.state == State.IGNORED
    assert inbound.reason == f"loop guard: <{ours}> is a Message-ID the desk generated"
    assert ticket.messages.count() == 1


def test_a_sender_over_the_rate_limit_is_held_then_released_by_retry(
    mailbox, django_capture_on_commit_callbacks
):
    mailbox = update_mailbox(mailbox=mailbox, sender_limit_per_minute=2)
    results = [deliver(raw_mail(body=f"spam {n}"), mailbox=mailbox) for n in range(3)]
    assert [r.state for r in results] == [State.PROCESSED, State.PROCESSED, State.HELD]
    held = results[2]
    assert held.reason == (
        "sender rate limit: 3 messages from carol@customer.test within a minute (limit 2)"
    )
    assert held.ticket is None and Ticket.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        retry_inbound(inbound=held)
    held.refresh_from_db()
    assert held.state == State.PROCESSED and held.ticket.messages.get().body == "spam 2"


def test_other_senders_are_not_held_by_one_senders_flood(mailbox):
    mailbox = update_mailbox(mailbox=mailbox, sender_limit_per_minute=1)
    deliver(raw_mail(body="one"), mailbox=mailbox)
    other = deliver(raw_mail(sender="bob@customer.test", body="two"), mailbox=mailbox)
    assert other.state == State.PROCESSED


# --- agents --------------------------------------------------------------------------------


def test_agent_reply_with_the_customer_copied_is_recorded_and_not_sent_again(mailbox, agent):
    first = deliver(raw_mail(message_id="ask@customer.test"), mailbox=mailbox)
    reply = deliver(
        raw_mail(
            sender=f"Alex <{agent.email}>",
            to="carol@customer.test",
            cc=DESK,
            in_reply_to="ask@customer.test",
            body="Unplug it.",
        ),
        mailbox=mailbox,
    )
    message = reply.ticket_message
    assert reply.state == State.PROCESSED and reply.ticket == first.ticket
    assert message.author_kind == "agent" and message.author_agent == agent
    assert message.visibility == "public" and message.body == "Unplug it."
    assert message.meta["customer_was_recipient"] is True
    assert OutboundMail.objects.count() == 0
    first.ticket.refresh_from_db()
    assert first.ticket.status == "open" and first.ticket.first_response_at is not None
    assert not first.ticket.followers.exists()
    assert not Contact.objects.filter(email=agent.email).exists()


def test_agent_writing_only_to_the_desk_is_sent_to_the_customer(mailbox, agent):
    first = deliver(raw_mail(message_id="ask2@customer.test"), mailbox=mailbox)
    reply = deliver(
        raw_mail(
            sender=agent.email,
            subject=f"Re: [#{first.ticket_id}] Printer",
            body="Try turning it off.",
        ),
        mailbox=mailbox,
    )
    assert reply.ticket == first.ticket
    assert reply.ticket_message.meta["customer_was_recipient"] is False
    sent = OutboundMail.objects.get()
    assert (sent.kind, sent.ticket_message, sent.to) == (
        "reply",
        reply.ticket_message,
        ["carol@customer.test"],
    )


def test_agent_mail_that_matches_no_ticket_is_quarantined(mailbox, agent):
    inbound = deliver(
        raw_mail(sender=agent.email, subject="Fwd: customer problem"), mailbox=mailbox
    )
    assert inbound.state == State.QUARANTINED
    assert inbound.reason == "agent mail that matches no ticket"
    assert Ticket.objects.count() == 0 and Contact.objects.count() == 0


def test_light_agent_mail_is_an_internal_note(mailbox, light_agent, ticket):
    inbound = deliver(
        raw_mail(
            sender=light_agent.email, subject=f"[#{ticket.pk}] fyi", body="Engineering knows."
        ),
        mailbox=mailbox,
    )
    message = inbound.ticket_message
    assert message.visibility == "internal" and message.author_agent == light_agent
    assert OutboundMail.objects.count() == 0


def test_an_agents_auto_reply_is_ignored(mailbox, agent, ticket):
    inbound = deliver(
        raw_mail(
            sender=agent.email,
            subject=f"Out of office: [#{ticket.pk}]",
            headers={"Auto-Submitted": "auto-replied"},
        ),
        mailbox=mailbox,
    )
    assert inbound.state == State.IGNORED
    assert inbound.reason == (
        f"automatic mail from agent {agent.email} (auto-submitted, out-of-office)"
    )
    assert ticket.messages.count() == 1


def test_agent_mail_for_a_closed_ticket_is_quarantined(mailbox, agent, ticket):
    close(ticket, agent)
    inbound = deliver(
        raw_mail(sender=agent.email, subject=f"[#{ticket.pk}] late note"), mailbox=mailbox
    )
    assert inbound.state == State.QUARANTINED
    assert inbound.reason == f"agent mail for closed ticket #{ticket.pk}"


def test_a_deactivated_agent_writes_as_a_customer(mailbox, agent):
    agent.user.is_active = False
    agent.user.save()
    inbound = deliver(raw_mail(sender=agent.email), mailbox=mailbox)
    assert inbound.state == State.PROCESSED
    assert inbound.ticket.contact.email == agent.email


# --- attachments ---------------------------------------------------------------------------


def test_attachments_are_stored_with_inline_content_ids(mailbox):
    from email import policy
    from email.message import EmailMessage

    message = EmailMessage(policy=policy.SMTP)
    message["From"], message["To"], message["Subject"] = "carol@customer.test", DESK, "Pic"
    message["Message-ID"] = f"<{new_message_id()}>"
    message.set_content("see picture")
    message.add_alternative('<p>see <img src="cid:logo@x"></p>', subtype="html")
    message.get_payload()[1].add_related(
        b"\x89PNG...", maintype="image", subtype="png", cid="<logo@x>", filename="logo.png"
    )
    message.add_attachment(
        b"%PDF-1.4", maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    inbound = deliver(message.as_bytes(), mailbox=mailbox)
    stored = {
        a.filename: (a.content_type, a.size, a.content_id)
        for a in inbound.ticket_message.attachments.all()
    }
    assert stored == {
        "logo.png": ("image/png", 7, "logo@x"),
        "invoice.pdf": ("application/pdf", 8, ""),
    }
    assert 'src="cid:logo@x"' in inbound.ticket_message.html


def test_attachments_over_the_limits_are_refused_with_a_note_and_the_mail_kept(mailbox, settings):
    settings.ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    settings.ATTACHMENT_MAX_COUNT = 2
    big = b"x" * (3 * 1024 * 1024 + 200 * 1024)
    raw = raw_mail(
        body="Files attached.",
        attachments=(
            ("report.zip", big, "application/zip"),
            ("a.txt", b"a", "text/plain"),
            ("b.txt", b"b", "text/plain"),
            ("c.txt", b"c", "text/plain"),
        ),
    )
    inbound = deliver(raw, mailbox=mailbox)
    message = inbound.ticket_message
    assert inbound.state == State.PROCESSED
    assert sorted(message.attachments.values_list("filename", flat=True)) == ["a.txt", "b.txt"]
    assert message.body == (
        "Files attached.\n\n"
        "[Attachment report.zip (3.2 MB) was not accepted: larger than 2 MB]\n"
        "[Attachment c.txt (1 bytes) was not accepted: more than 2 attachments on one message]"
    )
    assert message.meta["refused_attachments"] == [
        {"filename": "report.zip", "size": len(big), "reason": "larger than 2 MB"},
        {"filename": "c.txt", "size": 1, "reason": "more than 2 attachments on one message"},
    ]
    assert "[Attachment report.zip (3.2 MB) was not accepted" in message.display_html()


# --- the sweep -----------------------------------------------------------------------------


def test_sweep_processes_live_mail_stuck_in_received_oldest_first(mailbox):
    stuck = [
        receive_raw(raw=raw_mail(body=f"stuck {n}"), source="smtp", mailbox=mailbox, process=False)
        for n in range(2)
    ]
    fresh = receive_raw(raw=raw_mail(), source="smtp", mailbox=mailbox, process=False)
    imported = receive_raw(raw=raw_mail(), source="import", process=False)
    old = timezone.now() - dt.timedelta(minutes=3)
    InboundMail.objects.filter(pk__in=[s.pk for s in stuck] + [imported.pk]).update(received_at=old)
    assert sweep_received() == 2
    states = dict(InboundMail.objects.values_list("pk", "state"))
    assert [states[s.pk] for s in stuck] == [State.PROCESSED, State.PROCESSED]
    assert states[fresh.pk] == State.RECEIVED and states[imported.pk] == State.RECEIVED
    first, second = (InboundMail.objects.get(pk=s.pk).ticket for s in stuck)
    assert first.pk < second.pk
    assert sweep_received() == 0


def test_sweep_quarantines_mail_that_keeps_killing_its_worker(mailbox):
    inbound = receive_raw(raw=raw_mail(), source="smtp", mailbox=mailbox, process=False)
    InboundMail.objects.filter(pk=inbound.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=10), attempts=5
    )
    assert sweep_received() == 1
    inbound.refresh_from_db()
    assert inbound.state == State.QUARANTINED
    assert inbound.reason == (
        "processing did not finish after 5 attempts (the worker may have crashed on this message)"
    )
    assert Ticket.objects.count() == 0


# --- concurrency (PostgreSQL: SQLite runs one writer at a time anyway) --------------------


def _at_once(*calls):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks are only contended on PostgreSQL")
    barrier = Barrier(len(calls))

    def run(call):
        from django.db import connections

        try:
            barrier.wait()
            return call()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(run, call) for call in calls]]


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_row_make_one_message(team):
    from tandem.mail.actions import create_mailbox

    box = create_mailbox(address=DESK, default_team=team, acknowledge_new_tickets=False)
    inbound = receive_raw(raw=raw_mail(), source="smtp", mailbox=box, process=False)
    _at_once(*[lambda: process_inbound(inbound_id=inbound.pk)] * 2)
    inbound.refresh_from_db()
    # Each worker may count its attempt before the other holds the row; one processes it.
    assert inbound.state == State.PROCESSED and inbound.attempts in (1, 2)
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_copies_processed_at_once_make_one_message(team):
    from tandem.mail.actions import create_mailbox

    box = create_mailbox(address=DESK, default_team=team, acknowledge_new_tickets=False)
    raw = raw_mail(message_id="simultaneous@customer.test")
    copies = [receive_raw(raw=raw, source="smtp", mailbox=box, process=False) for _ in range(2)]
    _at_once(*[lambda copy=copy: process_inbound(inbound_id=copy.pk) for copy in copies])
    states = sorted(InboundMail.objects.values_list("state", flat=True))
    assert states == [State.IGNORED, State.PROCESSED]
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
