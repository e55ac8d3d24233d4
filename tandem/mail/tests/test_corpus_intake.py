"""Every message of the shared real-world corpus goes through intake without an exception.

Each becomes a ticket or a message (with safe HTML), or a quarantine or ignore entry that
says why; the expected non-ticket outcomes are listed here by name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tandem.mail.ingest.processing import process_inbound
from tandem.mail.intake import receive_raw
from tandem.mail.models import InboundMail
from tandem.mail.tests.test_ingest_support import mailbox_fixture  # noqa: F401

CORPUS = Path("/work/shared/data/mail")
NOT_MAIL = {"README.md", "LICENSE", "NOTICE"}
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in NOT_MAIL)
NO_SENDER = "no sender address (no From, Sender or envelope)"
# Fixtures that are bodies without any header (reply-parser inputs): no one to answer.
BODY_ONLY = {
    *(f"email_reply_parser/{p.name}" for p in (CORPUS / "email_reply_parser").glob("*.txt")),
    *(f"talon/html_replies/{p.name}" for p in (CORPUS / "talon/html_replies").glob("*.html")),
    "talon/reply-separated-by-hr.html",
    "talon/standard_replies/iphone_reply_text",
    "talon/standard_replies/sparrow_reply_text",
}
EXPECTED = {
    "mail-parser/mail_outlook_1": (
        InboundMail.State.QUARANTINED,
        "an Outlook .msg file (OLE compound document), not RFC 5322 mail",
    ),
    "mail-parser/mail_malformed_2": (
        InboundMail.State.IGNORED,
        "bounce of mail the desk does not know "
        "(<004801d1fc84$01c934ac$b247f0b7$@infospacemail.com>)",
    ),
}
_EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not FILES, reason="shared mail corpus not present"),
]


def _name(path: Path) -> str:
    return str(path.relative_to(CORPUS))


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_corpus_message_becomes_a_ticket_or_says_why_not(path, mailbox):
    inbound = receive_raw(raw=path.read_bytes(), source="imap", mailbox=mailbox, process=False)
    process_inbound(inbound_id=inbound.pk)
    inbound.refresh_from_db()
    name = _name(path)
    if name in BODY_ONLY:
        assert (inbound.state, inbound.reason) == (InboundMail.State.QUARANTINED, NO_SENDER)
        return
    if name in EXPECTED:
        assert (inbound.state, inbound.reason) == EXPECTED[name]
        return
    assert inbound.state == InboundMail.State.PROCESSED, inbound.reason
    message = inbound.ticket_message
    assert message.ticket == inbound.ticket and message.channel == "email"
    assert message.body.strip()
    assert inbound.from_address and message.author_contact.email == inbound.from_address
    html = message.html.lower()
    assert "<script" not in html
    assert not _EVENT_HANDLER.search(message.html)
    assert "javascript:" not in html


@pytest.mark.parametrize("client", ["iphone", "sparrow"])
def test_corpus_reply_is_stored_as_new_text_with_signature_and_quote_apart(mailbox, client):
    """Where the corpus states the expected reply text, the message body is its new part and
    the signature leads the quoted rest (the parser keeps signatures out of the new text)."""
    raw = (CORPUS / f"talon/standard_replies/{client}.eml").read_bytes()
    expected = (CORPUS / f"talon/standard_replies/{client}_reply_text").read_text()
    inbound = receive_raw(raw=raw, source="imap", mailbox=mailbox, process=False)
    process_inbound(inbound_id=inbound.pk)
    inbound.refresh_from_db()
    message = inbound.ticket_message
    quoted = message.quoted
    signature = quoted.split("\n\n", 1)[0]
    assert (message.body + "\n\n" + signature).split() == expected.split()
    assert len(quoted) > len(signature)  # the quoted history follows the signature
