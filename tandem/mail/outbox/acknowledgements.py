"""The acknowledgement a mailbox sends for a new ticket: rendered from the admin's template, posted
as a public system message, and sent by the outbox like any reply (marked Auto-Submitted).

Intake must never fail because of it: a broken template falls back to a built-in text, and
any other failure is logged and leaves the ticket unacknowledged.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache

from django.db import transaction
from django.template import Context, Engine
from django.utils import timezone

from tandem.mail.models import Mailbox
from tandem.mail.outbox import headers
from tandem.people.actors import Actor
from tandem.tickets import actions
from tandem.tickets.models import Channel, Message, Ticket

log = logging.getLogger(__name__)

# RFC 3834 asks responders not to answer the same sender over and over; threading already
# stops most loops, this stops a robot that opens a new ticket with every mail.
ACKNOWLEDGEMENTS_PER_CONTACT_PER_HOUR = 5

FALLBACK_SUBJECT = "[#{number}] We received your request"
FALLBACK_BODY = (
    "Hello,\n\n"
    'Thanks for writing to us. Your request #{number} ("{subject}") has reached our team; '
    "we will answer as soon as we can.\n"
    "Reply to this message to add anything.\n"
)


SUGGESTIONS = 3


def suggested_articles(ticket: Ticket) -> list[dict]:
    """Published public articles that may answer the request: [{"title", "url"}], best first.

    Templates receive this list as `suggested_articles`; one that does not use it gets the
    list appended (`with_suggestions`).
    """
    from tandem.kb.queries import suggested_articles as matching_articles
    from tandem.kb.queries import ticket_question

    return [
        {"title": article.title, "url": article.public_url()}
        for article in matching_articles(ticket_question(ticket), limit=SUGGESTIONS)
    ]


def with_suggestions(body: str, suggestions: list[dict], template: str) -> str:
    if not suggestions or "suggested_articles" in template:
        return body
    lines = "".join(f"- {item['title']}: {item['url']}\n" for item in suggestions)
    return f"{body.rstrip()}\n\nThese articles may already answer your question:\n{lines}"


@cache
def _engine() -> Engine:
    # A bare engine: no template folders (so {% include %} finds nothing on disk), no custom
    # tag libraries, no HTML escaping (the result is plain text).
    return Engine(dirs=[], app_dirs=False, libraries={}, autoescape=False)


def render_acknowledgement(*, mailbox: Mailbox, ticket: Ticket) -> tuple[str, str]:
    """(subject, body) from the mailbox's templates; the built-in text if they cannot render."""
    suggestions = suggested_articles(ticket)
    context = {
        "ticket": ticket,
        "contact": ticket.contact,
        "mailbox": mailbox,
        "suggested_articles": suggestions,
    }
    try:
        subject = _engine().from_string(mailbox.acknowledgement_subject)
        body = _engine().from_string(mailbox.acknowledgement_body)
        subject_text = subject.render(Context(context, autoescape=False))
        body_text = body.render(Context(context, autoescape=False))
    except Exception:  # an admin's template: any error in it falls back, none stops intake
        log.exception(
            "acknowledgement template of mailbox %s failed; using the built-in text",
            mailbox.address,
        )
        subject_text = body_text = ""
    if not body_text.strip():
        body_text = FALLBACK_BODY.format(number=ticket.number, subject=ticket.subject)
    body_text = with_suggestions(body_text, suggestions, mailbox.acknowledgement_body)
    if not headers.one_line(subject_text):
        subject_text = FALLBACK_SUBJECT.format(number=ticket.number)
    return headers.with_token(ticket.number, subject_text), body_text


def queue_acknowledgement(
    *, ticket: Ticket, mailbox: Mailbox | None, inbound_message: Message
) -> Message | None:
    """Post (and so queue) the acknowledgement of a ticket just opened by `inbound_message`.

    Returns the system message, or None when no acknowledgement is due: the mailbox does not
    send them, the customer's mail was automatic or imported, the ticket has one already, the
    customer has no address, or they were acknowledged too often in the last hour.
    """
    if mailbox is None or not mailbox.acknowledge_new_tickets:
        return None
    meta = inbound_message.meta or {}
    if meta.get("automatic"):
        return None  # never answer a robot (RFC 3834); the intake checks too
    if meta.get("imported"):
        return None  # history being imported is not live traffic
    contact = ticket.contact
    if not contact.email:
        return None
    acknowledgements = Message.objects.filter(
        author_kind=Message.AuthorKind.SYSTEM, meta__has_key="acknowledgement"
    )
    if acknowledgements.filter(ticket=ticket).exists():
        return None
    since = timezone.now() - dt.timedelta(hours=1)
    recent = acknowledgements.filter(ticket__contact=contact, created_at__gte=since).count()
    if recent >= ACKNOWLEDGEMENTS_PER_CONTACT_PER_HOUR:
        log.warning(
            "not acknowledging #%s: %s got %s acknowledgements in the last hour",
            ticket.number,
            contact.email,
            recent,
        )
        return None
    subject, body = render_acknowledgement(mailbox=mailbox, ticket=ticket)
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the intake intact
            return actions.add_message(
                actor=Actor.system(),
                ticket=ticket,
                body=body,
                channel=Channel.EMAIL,
                in_reply_to=inbound_message.message_id,
                meta={"acknowledgement": {"subject": subject, "mailbox": mailbox.pk}},
            )
    except Exception:
        log.exception("could not acknowledge ticket #%s", ticket.number)
        return None
