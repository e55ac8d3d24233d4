"""The threading decision with plain values, then the lookups behind it against the database."""

from __future__ import annotations

import pytest

from tandem.mail.ingest.threading import (
    NEW_TICKET,
    ThreadMatch,
    candidate_ids,
    decide_thread,
    find_thread,
    known_ticket_numbers,
    landing_ticket,
    subject_ticket_number,
)
from tandem.mail.message_ids import make_message_id, ticket_number_of
from tandem.mail.models import InboundMail, OutboundMail
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions


def close(ticket, actor):
    actions.update_ticket(actor=actor, ticket=ticket, status="solved")
    actions.update_ticket(actor=actor, ticket=ticket, status="closed")


def decide(
    *,
    in_reply_to="",
    references=(),
    subject="",
    known=None,
    ours=None,
    existing=(),
    participant_of=(),
):
    return decide_thread(
        in_reply_to=in_reply_to,
        references=list(references),
        subject=subject,
        known=known or {},
        our_ticket_number=lambda message_id: (ours or {}).get(message_id),
        ticket_exists=lambda number: number in existing,
        sender_participates=lambda number: number in participant_of,
    )


def test_candidates_are_in_reply_to_then_references_newest_first_without_repeats():
    assert candidate_ids("c@x", ["a@x", "b@x", "c@x"]) == ["c@x", "b@x", "a@x"]
    assert candidate_ids("", ["a@x", "b@x"]) == ["b@x", "a@x"]
    assert candidate_ids("", []) == []


def test_in_reply_to_wins_over_references():
    match = decide(in_reply_to="r@x", references=["a@x"], known={"r@x": 7, "a@x": 3})
    assert match == ThreadMatch(7, "in-reply-to", "r@x")


def test_newest_reference_wins_when_in_reply_to_is_missing():
    match = decide(references=["old@x", "new@x", "unknown@x"], known={"old@x": 3, "new@x": 9})
    assert match == ThreadMatch(9, "references", "new@x")


def test_our_signed_id_threads_when_no_row_knows_it():
    match = decide(references=["tandem.t5@desk"], ours={"tandem.t5@desk": 5}, existing={5})
    assert match == ThreadMatch(5, "references", "tandem.t5@desk")


def test_our_id_naming_a_deleted_ticket_does_not_thread():
    assert decide(in_reply_to="tandem.t5@desk", ours={"tandem.t5@desk": 5}) == NEW_TICKET


def test_subject_token_threads_only_for_a_participant():
    assert decide(subject="Re: [#12] Refund", existing={12}, participant_of={12}) == ThreadMatch(
        12, "subject-token", "[#12]"
    )
    assert decide(subject="Re: [#12] Refund", existing={12}) == NEW_TICKET
    assert decide(subject="Re: [#13] Refund", participant_of={13}) == NEW_TICKET  # no ticket


def test_headers_win_over_the_subject_token():
    match = decide(
        in_reply_to="r@x", known={"r@x": 4}, subject="[#12]", existing={12}, participant_of={12}
    )
    assert match == ThreadMatch(4, "in-reply-to", "r@x")


def test_unknown_ids_and_no_token_make_a_new_ticket():
    assert decide(in_reply_to="r@x", references=["a@x"], subject="Hello") == NEW_TICKET
    assert not NEW_TICKET.found


def test_subject_token_parsing():
    assert subject_ticket_number("RE: [#1234] Printer") == 1234
    assert subject_ticket_number("Ticket #1234") is None
    assert subject_ticket_number("") is None


# --- against the database -----------------------------------------------------------------


@pytest.mark.django_db
def test_known_ids_come_from_messages_outbound_mail_and_processed_inbound(ticket, customer):
    other = factories.make_ticket(contact=customer)
    actions.add_message(
        actor=Actor.for_contact(customer), ticket=ticket, body="more", message_id="m@customer.test"
    )
    OutboundMail.objects.create(ticket=other, subject="s", message_id="o@desk.test", to=["a@b"])
    InboundMail.objects.create(
        source="smtp",
        sha256="0" * 64,
        size=1,
        message_id="i@customer.test",
        ticket=other,
        state="processed",
    )
    InboundMail.objects.create(
        source="smtp", sha256="1" * 64, size=1, message_id="unlinked@customer.test"
    )
    known = known_ticket_numbers(
        ["m@customer.test", "o@desk.test", "i@customer.test", "unlinked@customer.test"]
    )
    assert known == {
        "m@customer.test": ticket.pk,
        "o@desk.test": other.pk,
        "i@customer.test": other.pk,
    }


@pytest.mark.django_db
def test_subject_token_participants_are_requester_followers_and_agents(ticket, other_customer):
    subject = f"Re: [#{ticket.pk}] Cannot log in"

    def match(sender, agent=False):
        return find_thread(
            in_reply_to="", references=[], subject=subject, sender=sender, sender_is_agent=agent
        ).ticket_number

    assert match("carol@customer.test") == ticket.pk
    assert match("dave@elsewhere.test") is None
    ticket.followers.add(other_customer)
    assert match("dave@elsewhere.test") == ticket.pk
    assert match("alex@desk.test", agent=True) == ticket.pk
    assert match("stranger@example.test") is None


@pytest.mark.django_db
def test_forged_id_of_ours_does_not_thread(ticket):
    real = make_message_id(ticket.pk)
    forged = real.rsplit(".", 1)[0][:-16] + "0" * 16 + "@" + real.rsplit("@", 1)[1]
    assert ticket_number_of(forged) is None
    assert (
        find_thread(
            in_reply_to=forged, references=[], subject="", sender="x@y.test", sender_is_agent=False
        )
        == NEW_TICKET
    )
    assert find_thread(
        in_reply_to=real, references=[], subject="", sender="x@y.test", sender_is_agent=False
    ) == ThreadMatch(ticket.pk, "in-reply-to", real)


@pytest.mark.django_db
def test_landing_follows_merges_and_closed_tickets_to_their_open_followup(ticket, customer, agent):
    as_agent = Actor.for_agent(agent)
    survivor = factories.make_ticket(contact=customer)
    actions.merge_tickets(actor=as_agent, source=ticket, target=survivor)
    assert landing_ticket(ticket.pk) == survivor

    old = factories.make_ticket(contact=customer)
    close(old, as_agent)
    assert landing_ticket(old.pk) == old  # no follow-up yet: add_message will open one
    followup = actions.add_message(
        actor=Actor.for_contact(customer), ticket=old, body="Still broken"
    ).ticket
    assert followup.followup_of_id == old.pk
    assert landing_ticket(old.pk) == followup
    close(followup, as_agent)
    assert landing_ticket(old.pk) == old
