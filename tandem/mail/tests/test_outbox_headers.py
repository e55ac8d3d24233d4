"""The pure header rules: one ticket token, one "Re:", References cut the way clients expect."""

import pytest

from tandem.mail.outbox import headers


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("Cannot log in", "Re: [#42] Cannot log in"),
        ("Re: Cannot log in", "Re: [#42] Cannot log in"),
        ("RE: Re: AW: Cannot log in", "Re: [#42] Cannot log in"),
        ("Re: [#42] Cannot log in", "Re: [#42] Cannot log in"),
        ("[#42] Re: Cannot log in", "Re: [#42] Cannot log in"),
        ("Re[2]: [#7] Cannot\r\n log in", "Re: [#42] Cannot log in"),
        ("Fwd: Invoice 2291", "Re: [#42] Fwd: Invoice 2291"),
        ("Reset password", "Re: [#42] Reset password"),
    ],
)
def test_reply_subject_has_one_re_and_one_token(stored, expected):
    assert headers.reply_subject(42, stored) == expected


def test_notification_subject_has_the_token_and_no_re():
    assert headers.notification_subject(42, "Re: Cannot log in") == "[#42] Cannot log in"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("[#42] We received your request", "[#42] We received your request"),
        ("We received your request", "[#42] We received your request"),
        ("Got it [#42]", "Got it [#42]"),
        ("[#42] [#42] Got it [#9]", "[#42] Got it"),
        ("[#9] Got it", "[#42] Got it"),
        ("Got\nit", "[#42] Got it"),
    ],
)
def test_admin_subject_keeps_its_words_and_carries_this_tickets_token_once(written, expected):
    assert headers.with_token(42, written) == expected


def test_references_are_oldest_first_without_duplicates_or_brackets():
    chain = headers.references_chain(["<a@x>", "b@x", "a@x", "", "bad id@x"], parent="c@x")
    assert chain == ["a@x", "b@x", "c@x"]


def test_references_keep_a_present_parent_where_it_is():
    assert headers.references_chain(["a@x", "b@x", "c@x"], parent="b@x") == ["a@x", "b@x", "c@x"]


def test_long_references_keep_the_root_and_the_most_recent_ids():
    ids = [f"m{n}@x" for n in range(1, 31)]
    chain = headers.references_chain(ids)
    assert len(chain) == headers.MAX_REFERENCES == 20
    assert chain == ["m1@x", *[f"m{n}@x" for n in range(12, 31)]]


def test_angle_brackets_each_id():
    assert headers.angle(["a@x", "b@y"]) == "<a@x> <b@y>"
