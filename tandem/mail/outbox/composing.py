"""Building the mail for one outbox row: From, threading and loop-guard headers, text + HTML, files.

Everything the mail says is read from the row (recipients, subject, IDs fixed when it was
queued) and from its message (body, HTML, attachments), so every attempt sends the same mail.
"""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import mark_safe

from tandem.core.sanitize import text_to_html
from tandem.mail.models import Mailbox, OutboundMail
from tandem.mail.outbox import headers
from tandem.tickets.models import Message

SIGNATURE_SEPARATOR = "-- "  # RFC 3676: clients recognise and fold what follows

_HTML_DOCUMENT = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{}</title></head>\n'
    '<body style="font-family: sans-serif; font-size: 14px; line-height: 1.5;">\n'
    "{}\n{}</body></html>\n"
)


def sender(row: OutboundMail, message: Message | None) -> tuple[str, str]:
    """(display name, address) for From: "<agent> via <mailbox>" on an agent's reply."""
    mailbox: Mailbox | None = row.mailbox
    if mailbox is not None:
        name, address = mailbox.display_name, mailbox.address
    else:
        name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = headers.one_line(name) or settings.DESK_NAME
    if row.kind == OutboundMail.Kind.REPLY and message is not None and message.author_agent_id:
        name = f"{headers.one_line(message.author_agent.name)} via {name}"
    return name, address


def compose(row: OutboundMail, *, at: dt.datetime) -> EmailMultiAlternatives:
    message = row.ticket_message
    name, address = sender(row, message)
    signature = ""
    if message is not None and row.kind == OutboundMail.Kind.REPLY and message.author_agent_id:
        signature = (message.author_agent.signature or "").strip()
    body = message.body if message is not None else row.text
    text = body.rstrip() + "\n"
    if signature:
        text += f"\n{SIGNATURE_SEPARATOR}\n{signature}\n"

    mail = EmailMultiAlternatives(
        subject=row.subject,
        body=text,
        from_email=formataddr((name, address)),
        to=list(row.to),
        cc=list(row.cc),
        reply_to=[row.mailbox.address] if row.mailbox is not None else None,
        headers=_headers(row, at=at),
    )
    mail.attach_alternative(_html(row, message, signature), "text/html")
    if message is not None:
        for attachment in message.attachments.all():
            with attachment.file.open("rb") as handle:
                content = handle.read()
            mail.attach(attachment.filename, content, attachment.content_type or None)
    return mail


def _headers(row: OutboundMail, *, at: dt.datetime) -> dict[str, str]:
    values = {
        "Message-ID": f"<{row.message_id}>",
        "Date": format_datetime(at.astimezone(dt.UTC)),
        "X-Tandem-Ticket": str(row.ticket_id),
    }
    if row.in_reply_to:
        values["In-Reply-To"] = f"<{row.in_reply_to}>"
    if row.references:
        values["References"] = headers.angle(row.references.split())
    if row.automatic:
        # RFC 3834: an acknowledgement answers the customer's mail, a notification answers
        # nothing; both tell other robots (and Exchange) not to answer them in turn.
        replied = row.kind == OutboundMail.Kind.ACKNOWLEDGEMENT
        values["Auto-Submitted"] = "auto-replied" if replied else "auto-generated"
        values["X-Auto-Response-Suppress"] = "All"
    return values


def _html(row: OutboundMail, message: Message | None, signature: str) -> str:
    # Message.html is sanitised (nh3) when it is stored; nothing else is trusted as HTML.
    if message is None:
        content = text_to_html(row.text) if row.text else ""
    else:
        content = message.display_html()
    signature_html = ""
    if signature:
        lines = mark_safe(linebreaks(escape(signature)))
        signature_html = format_html('<div class="signature">-- <br>{}</div>\n', lines)
    return format_html(_HTML_DOCUMENT, row.subject, mark_safe(content), signature_html)
