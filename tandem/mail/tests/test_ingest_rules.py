"""The pure decisions of inbound processing, with plain values (no database)."""

from __future__ import annotations

import pytest

from tandem.mail import ParsedAttachment
from tandem.mail.automatic import Automation, Bounce, BouncedRecipient
from tandem.mail.ingest.attachments import Refusal, human_size, screen_attachments
from tandem.mail.ingest.bounces import bounce_note, bounce_reason
from tandem.mail.ingest.importing import Queued, processing_order
from tandem.mail.ingest.loop_guard import automatic_reasons, loop_reason, may_acknowledge
from tandem.mail.ingest.recipients import (
    MAX_FOLLOWERS_PER_MESSAGE,
    FollowerPick,
    customer_was_recipient,
    follower_candidates,
)
from tandem.mail.message_ids import make_message_id

DESK = frozenset({"support@desk.test", "billing@desk.test"})


# --- loop guard ----------------------------------------------------------------------------


def test_loop_reason_names_our_address_our_id_or_our_x_loop():
    assert loop_reason(from_address="support@desk.test", message_id="a@b", desk_addresses=DESK) == (
        "loop guard: sent from the desk's own address support@desk.test"
    )
    ours = make_message_id(3)
    assert loop_reason(from_address="x@y.test", message_id=ours, desk_addresses=DESK) == (
        f"loop guard: <{ours}> is a Message-ID the desk generated"
    )
    assert (
        loop_reason(
            from_address="x@y.test",
            message_id="a@b",
            desk_addresses={"s@d.test"},
            x_loop="S@D.test",
        )
        == "loop guard: X-Loop names the desk's address s@d.test"
    )
    assert loop_reason(
        from_address="support+billing@desk.test", message_id="a@b", desk_addresses=DESK
    ) == ("loop guard: sent from the desk's own address support+billing@desk.test")
    assert loop_reason(from_address="x@y.test", message_id="a@b", desk_addresses=DESK) == ""


def test_automatic_reasons_leave_out_no_reply_senders():
    assert automatic_reasons(Automation()) == []
    assert automatic_reasons(Automation(from_noreply=True)) == []
    assert automatic_reasons(Automation(is_bulk=True, is_auto_submitted=True)) == [
        "auto-submitted",
        "bulk",
    ]
    assert automatic_reasons(Automation(report_type="feedback-report")) == [
        "report: feedback-report"
    ]


ACK = dict(
    live=True,
    new_ticket=True,
    automatic=(),
    from_agent=False,
    mailbox_acknowledges=True,
    noreply_requester=False,
)


def test_only_a_persons_new_live_ticket_is_acknowledged():
    assert may_acknowledge(**ACK) is True
    for change in (
        {"live": False},
        {"new_ticket": False},
        {"automatic": ["bulk"]},
        {"from_agent": True},
        {"mailbox_acknowledges": False},
        {"noreply_requester": True},
    ):
        assert may_acknowledge(**{**ACK, **change}) is False, change


# --- followers -----------------------------------------------------------------------------


def test_followers_are_people_other_than_the_desk_agents_and_machines():
    pick = follower_candidates(
        to=[("", "support@desk.test"), ("Ivy", "ivy@c.test"), ("", "support+vip@desk.test")],
        cc=[
            ("", "alex@desk.test"),
            ("", "noreply@c.test"),
            ("", "MAILER-DAEMON@c.test"),
            ("Ivy again", "ivy@c.test"),
            ("", "bob@c.test"),
            ("", "undisclosed-recipients"),
        ],
        excluded=DESK,
        is_agent=lambda address: address == "alex@desk.test",
    )
    assert pick == FollowerPick([("Ivy", "ivy@c.test"), ("", "bob@c.test")])


def test_a_crowd_adds_no_followers():
    crowd = [("", f"p{n}@c.test") for n in range(MAX_FOLLOWERS_PER_MESSAGE + 1)]
    assert follower_candidates(to=crowd, cc=[], excluded=DESK, is_agent=lambda a: False) == (
        FollowerPick([], skipped=MAX_FOLLOWERS_PER_MESSAGE + 1)
    )


def test_customer_was_recipient():
    assert customer_was_recipient(to=[("", "c@c.test")], cc=[], customer={"c@c.test"})
    assert not customer_was_recipient(
        to=[("", "support@desk.test")], cc=[("", "x@c.test")], customer={"c@c.test"}
    )


# --- attachments ---------------------------------------------------------------------------


def attachment(name: str, size: int) -> ParsedAttachment:
    return ParsedAttachment(
        filename=name, content_type="application/octet-stream", payload=b"x" * size
    )


def test_attachments_over_size_or_count_are_refused_in_message_order():
    files = [attachment("big.zip", 11), attachment("a", 1), attachment("b", 2), attachment("c", 3)]
    accepted, refused = screen_attachments(files, max_bytes=10, max_count=2)
    assert [a.filename for a in accepted] == ["a", "b"]
    assert refused == [
        Refusal("big.zip", 11, "larger than 10 bytes"),
        Refusal("c", 3, "more than 2 attachments on one message"),
    ]


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (512, "512 bytes"),
        (2048, "2 KB"),
        (25 * 1024 * 1024, "25 MB"),
        (31 * 1024 * 1024 + 400 * 1024, "31.4 MB"),
    ],
)
def test_human_sizes(size, text):
    assert human_size(size) == text


def test_refusal_note_reads_like_the_brief():
    assert Refusal("report.zip", 31 * 1024 * 1024, "larger than 25 MB").note() == (
        "[Attachment report.zip (31 MB) was not accepted: larger than 25 MB]"
    )


# --- bounces -------------------------------------------------------------------------------


def test_a_bounce_without_recipients_still_reads():
    bounce = Bounce(recipients=[], original_message_id="", reporting_mta="")
    assert bounce_note(bounce) == (
        "Delivery failed: a mail the desk sent about this ticket was returned.\n"
        "The report names no recipient."
    )
    assert bounce_reason(bounce) == "returned as undeliverable (the report names no recipient)"


def test_bounce_reason_lists_every_recipient():
    bounce = Bounce(
        recipients=[
            BouncedRecipient("a@x.test", "failed", "5.1.1", "no such user"),
            BouncedRecipient("b@x.test", "failed", "", ""),
        ]
    )
    assert bounce_reason(bounce) == "a@x.test 5.1.1 no such user; b@x.test"


# --- import order --------------------------------------------------------------------------


def queued(inbound_id, date, message_id, parents=(), depth=0):
    return Queued(inbound_id, (date, depth, inbound_id), message_id, tuple(parents))


def test_import_order_is_by_date_then_references_depth():
    items = [
        queued(1, 30.0, "c"),
        queued(2, 10.0, "a"),
        queued(3, 20.0, "b", depth=2),
        queued(4, 20.0, "b2", depth=1),
    ]
    assert [q.inbound_id for q in processing_order(items)] == [2, 4, 3, 1]


def test_a_reply_dated_before_its_parent_still_comes_after_it():
    items = [
        queued(1, 5.0, "reply", parents=["parent"]),
        queued(2, 9.0, "parent"),
        queued(3, 7.0, "other"),
    ]
    assert [q.inbound_id for q in processing_order(items)] == [2, 1, 3]


def test_a_loop_of_references_does_not_hang_the_order():
    items = [queued(1, 1.0, "a", parents=["b"]), queued(2, 2.0, "b", parents=["a"])]
    assert sorted(q.inbound_id for q in processing_order(items)) == [1, 2]
