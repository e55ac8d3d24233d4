"""Setting base64 bodies aside for the parser changes nothing the parser gives back."""

from __future__ import annotations

import base64
import email
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.mail import parsing
from tandem.mail.parsing import MailParseError
from tandem.mail.set_aside import put_back, set_aside
from tandem.mail.tests.mutations import mutate

CORPUS = Path("/work/shared/data/mail")
NOT_MAIL = {"README.md", "LICENSE", "NOTICE"}
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in NOT_MAIL)


def _encoded(size: int, seed: int = 0, width: int = 76) -> bytes:
    data = bytes((seed + index * 7919) % 256 for index in range(size))
    text = base64.b64encode(data)
    return b"\n".join(text[i : i + width] for i in range(0, len(text), width))


def _mixed(attachment: bytes, newline: bytes = b"\n", after: bytes = b"") -> bytes:
    lines = [
        b"From: Ana <ana@example.com>",
        b"To: support@example.com",
        b"Subject: the invoice",
        b"Message-ID: <m1@example.com>",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="b1"',
        b"",
        b"--b1",
        b"Content-Type: text/plain; charset=utf-8",
        b"",
        b"Here it is.",
        b"--b1",
        b'Content-Type: application/pdf; name="invoice.pdf"',
        b"Content-Transfer-Encoding: base64",
        b'Content-Disposition: attachment; filename="invoice.pdf"',
        b"",
        *attachment.split(b"\n"),
        *after.split(b"\n"),
        b"--b1--",
        b"",
    ]
    return newline.join(lines)


def _same(raw: bytes) -> None:
    """The parse with bodies set aside is the plain parse: result, tree and defects."""
    outcomes = []
    for set_aside_bodies in (True, False):
        try:
            outcomes.append(parsing._parse(raw, set_aside_bodies=set_aside_bodies))
        except MailParseError as error:
            outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]

    swapped, stash = set_aside(raw)
    quick = email.message_from_bytes(swapped, policy=parsing._POLICY)
    put_back(quick, stash)
    plain = email.message_from_bytes(raw, policy=parsing._POLICY)
    quick_parts, plain_parts = list(quick.walk()), list(plain.walk())
    assert len(quick_parts) == len(plain_parts)
    for ours, theirs in zip(quick_parts, plain_parts, strict=True):
        assert list(ours.raw_items()) == list(theirs.raw_items())
        if not isinstance(theirs._payload, list):  # lists: their parts come in the walk
            assert ours._payload == theirs._payload
        assert (ours.preamble, ours.epilogue) == (theirs.preamble, theirs.epilogue)
        assert [type(d) for d in ours.defects] == [type(d) for d in theirs.defects]


def test_a_long_base64_attachment_is_set_aside_and_read_back_whole():
    attachment = _encoded(30000)
    raw = _mixed(attachment)
    swapped, stash = set_aside(raw)
    assert len(stash) == 1 and len(swapped) < len(raw) // 10
    assert stash[0].encode() == attachment
    parsed = parsing.parse_message(raw)
    assert parsed.attachments[0].payload == base64.b64decode(attachment)
    assert parsed.text == "Here it is."
    _same(raw)


def test_short_bodies_stay_where_they_are():
    raw = _mixed(_encoded(300))
    assert set_aside(raw) == (raw, [])


@pytest.mark.parametrize(
    "raw",
    [
        _mixed(_encoded(30000), newline=b"\r\n"),
        _mixed(_encoded(30000), after=b"trailing text, not base64"),
        _mixed(_encoded(30000), after=b"   "),
        _mixed(_encoded(30000, width=64) + b"\n\n" + _encoded(9000, seed=3)),
        _mixed(_encoded(30000).replace(b"\n", b"\r\n", 40)),  # mixed line breaks
        _mixed(_encoded(30000).replace(b"\n", b"\r", 3)),  # lone CRs are line breaks too
        _mixed(_encoded(30000) + b"\n--b1"),  # the part closes early
        _mixed(_encoded(30000)).replace(b"--b1--", b""),  # no closing boundary
        _mixed(_encoded(30000)).rstrip(b"\n").rsplit(b"\n", 1)[0],  # cut off in the run
        _mixed(b"Zm9vYmFzZTY0YmFzZTY0" * 200),  # "base64" inside the data
        _mixed(_encoded(30000)).replace(b"application/pdf", b"message/delivery-status"),
        _mixed(_encoded(30000)).replace(b'application/pdf; name="invoice.pdf"', b"text/plain"),
        _mixed(_encoded(30000)).replace(b"base64", b"7bit"),  # looks like base64, is not
        _mixed(_encoded(30000)) + b"~tandem-set-aside-0~\n",  # our own marker in the mail
        _mixed(_encoded(30000)).replace(b"multipart/mixed", b"multipart/alternative"),
        _mixed(_encoded(30000)).replace(b'boundary="b1"', b'boundary="zz"'),  # never occurs
        (
            b"From: a@example.com\nSubject: only a file\nContent-Type: image/png\n"
            b"Content-Transfer-Encoding: base64\n\n" + _encoded(20000)
        ),
        (
            b"From: a@example.com\nContent-Type: message/rfc822\n\n"
            + _mixed(_encoded(20000)).replace(b"--b1", b"--inner")
        ),
        (
            b'From: a@example.com\nContent-Type: multipart/mixed; boundary="o"\n'
            b"Content-Transfer-Encoding: base64\n\n--o\nContent-Type: message/rfc822\n\n"
            + _mixed(_encoded(20000))
            + b"\n--o--\n"
        ),
        (
            b"From: a@example.com\nSubject: pasted\n\nthe base64 dump:\n\n"
            + _encoded(20000)
            + b"\n\nthanks"
        ),
    ],
    ids=lambda raw: str(len(raw)),
)
def test_awkward_shapes_parse_as_they_would_without_setting_aside(raw):
    _same(raw)


@pytest.mark.skipif(not FILES, reason="shared mail corpus not present")
def test_every_corpus_message_parses_as_it_would_without_setting_aside():
    set_aside_somewhere = 0
    for path in FILES:
        raw = path.read_bytes()
        _same(raw)
        set_aside_somewhere += bool(set_aside(raw)[1])
    assert set_aside_somewhere >= 5  # the corpus's attachments really took the quick way


@st.composite
def mutated(draw):
    raw = _mixed(_encoded(draw(st.integers(2000, 12000)), seed=draw(st.integers(0, 9))))
    return mutate(
        draw,
        raw,
        [
            b"\n",
            b"\r",
            b"\r\n",
            b"\n\r\n",
            b"\n\n",
            b"\n--b1\n",
            b"\n--b1--\n",
            b":",
            b" ",
            b"-",
            b"base64",
        ],
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_mail_parses_as_it_would_without_setting_aside(raw):
    _same(raw)
