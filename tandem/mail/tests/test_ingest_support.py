"""Builders shared by the ingest tests (no tests here): raw messages and delivering them."""

from __future__ import annotations

import datetime as dt
import itertools
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.utils import timezone

from tandem.mail.actions import create_mailbox
from tandem.mail.ingest.processing import process_inbound
from tandem.mail.intake import receive_raw
from tandem.mail.models import InboundMail, Mailbox

DESK = "support@desk.test"
_numbers = itertools.count(1)


def new_message_id(domain: str = "customer.test") -> str:
    return f"msg{next(_numbers)}.{timezone.now().timestamp():.0f}@{domain}"


def raw_mail(
    *,
    sender: str = "Carol Customer <carol@customer.test>",
    to: str = DESK,
    cc: str = "",
    subject: str = "Printer on fire",
    body: str = "It is on fire.\n",
    html: str = "",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    date: dt.datetime | None = None,
    reply_to: str = "",
    headers: dict[str, str] | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(date or timezone.now())
    message["Message-ID"] = f"<{message_id or new_message_id()}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, payload, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def deliver(
    raw: bytes,
    *,
    source: str = InboundMail.Source.SMTP,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
) -> InboundMail:
    """Store and process one message, as the SMTP listener's job would."""
    inbound = receive_raw(
        raw=raw, source=source, mailbox=mailbox, envelope_from=envelope_from, process=False
    )
    process_inbound(inbound_id=inbound.pk)
    inbound.refresh_from_db()
    return inbound


# Named apart from the function, so modules import it without shadowing test arguments.
@pytest.fixture(name="mailbox")
def mailbox_fixture(db, team):
    """The desk's mailbox; acknowledgements off so tests count only the mail they send in."""
    return create_mailbox(
        address=DESK, display_name="Support", default_team=team, acknowledge_new_tickets=False
    )
