"""The email channel's deliverer: a public reply becomes an outbox row in the message's own commit.

`deliver_by_email` is registered with `tandem.tickets.channels` and called by `add_message`
inside its transaction, so the row and the message commit (or roll back) together; the send
job is scheduled only after commit. Which tickets are answered by email:

* every ticket opened by email, in the portal, in the agent workspace, through the API or
  on the phone: the customer's email address is how the desk writes back to them;
* a chat or social ticket only once the customer has written to it by email (their email
  is then part of the conversation); until then its own channel delivers the reply.
"""

from __future__ import annotations

from email.utils import parseaddr
from functools import partial

from django.conf import settings
from django.db import transaction

from tandem.mail import message_ids
from tandem.mail.models import InboundMail, Mailbox, OutboundMail
from tandem.mail.outbox import headers
from tandem.tickets.models import Channel, Message, Ticket

# Channels whose conversations continue by email: the desk has no other way to reach the
# customer from them (a chat or social thread has its own deliverer).
EMAIL_CONVERSATION_CHANNELS = frozenset(
    {Channel.EMAIL, Channel.PORTAL, Channel.WEB, Channel.API, Channel.PHONE}
)
NO_ADDRESS = "the customer has no email address"
OWN_ADDRESS = "the customer's address is one of the desk's own mailboxes"

Author = Message.AuthorKind


def deliver_by_email(message: Message) -> None:
    """Write the outbox row for a public agent or system message, when the ticket talks by email."""
    if not message.is_public or message.author_kind == Author.CONTACT:
        return
    ticket = message.ticket
    if not converses_by_email(ticket):
        return
    own = own_addresses()
    requester = (ticket.contact.email or "").strip()
    if not requester or requester.lower() in own:
        message.delivery_detail = NO_ADDRESS if not requester else OWN_ADDRESS
        message.save(update_fields=["delivery_detail"])
        return
    outbound = queue_outbound(message, requester=requester, own=own)
    transaction.on_commit(partial(_send_after_commit, outbound.pk))


def queue_agent_notification(*, ticket: Ticket, to: str, subject: str, text: str) -> OutboundMail:
    """An automatic mail to an agent about a ticket (a mention, an assignment): a row now, the
    send job after commit. It carries Auto-Submitted: auto-generated, so nothing answers it."""
    outbound = OutboundMail.objects.create(
        ticket=ticket,
        mailbox=mailbox_for(ticket),
        kind=OutboundMail.Kind.NOTIFICATION,
        automatic=True,
        to=[to],
        subject=headers.notification_subject(ticket.number, subject)[:998],
        message_id=message_ids.make_message_id(ticket.number),
        text=text,
    )
    transaction.on_commit(partial(_send_after_commit, outbound.pk))
    return outbound


def _send_after_commit(outbound_id: int) -> None:
    from tandem.mail.tasks import send_outbound_mail

    send_outbound_mail(outbound_id)


def converses_by_email(ticket: Ticket) -> bool:
    if ticket.channel in EMAIL_CONVERSATION_CHANNELS:
        return True
    return ticket.messages.filter(author_kind=Author.CONTACT, channel=Channel.EMAIL).exists()


def own_addresses() -> set[str]:
    """Every address the desk sends from or receives at, lower-cased: never a recipient."""
    addresses = {a.lower() for a in Mailbox.objects.values_list("address", flat=True)}
    default = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()
    if default:
        addresses.add(default)
    return addresses


def queue_outbound(message: Message, *, requester: str, own: set[str]) -> OutboundMail:
    ticket = message.ticket
    acknowledgement = (message.meta or {}).get("acknowledgement")
    if message.author_kind == Author.AGENT:
        kind = OutboundMail.Kind.REPLY
        subject = headers.reply_subject(ticket.number, ticket.subject)
    elif isinstance(acknowledgement, dict):
        kind = OutboundMail.Kind.ACKNOWLEDGEMENT
        subject = headers.with_token(ticket.number, str(acknowledgement.get("subject", "")))
    else:
        kind = OutboundMail.Kind.NOTIFICATION
        subject = headers.notification_subject(ticket.number, ticket.subject)
    mailbox = None
    if isinstance(acknowledgement, dict):
        mailbox = _mailbox_named(acknowledgement.get("mailbox"))
    mailbox = mailbox or mailbox_for(ticket)

    parent = message.in_reply_to.strip().strip("<>") or latest_customer_message_id(ticket)
    outbound = OutboundMail.objects.create(
        ticket=ticket,
        ticket_message=message,
        mailbox=mailbox,
        kind=kind,
        automatic=message.author_kind != Author.AGENT,
        to=[requester],
        cc=follower_addresses(ticket, exclude={requester.lower(), *own, *_author_address(message)}),
        subject=subject[:998],
        message_id=message_ids.make_message_id(ticket.number),
        in_reply_to=parent,
        references=" ".join(thread_ids(ticket, parent=parent, excluding=message)),
    )
    fields = ["message_id", "delivery_status", "delivery_detail"]
    if message.message_id and message.message_id != outbound.message_id:
        # An agent's reply that reached the desk by mail: the customer will know it by our
        # ID; the agent's own one stays findable here (and on its InboundMail row).
        message.meta = {**(message.meta or {}), "received_message_id": message.message_id}
        fields.append("meta")
    message.message_id = outbound.message_id
    message.delivery_status = Message.Delivery.QUEUED
    message.delivery_detail = ""
    message.save(update_fields=fields)
    return outbound


def _author_address(message: Message) -> set[str]:
    return {message.author_agent.email.lower()} if message.author_agent_id else set()


def follower_addresses(ticket: Ticket, *, exclude: set[str]) -> list[str]:
    """The followers' addresses in a stable order, each once, none of `exclude`."""
    seen = set(exclude)
    addresses = []
    for email in ticket.followers.exclude(email="").order_by("id").values_list("email", flat=True):
        email = email.strip()
        if email and email.lower() not in seen:
            seen.add(email.lower())
            addresses.append(email)
    return addresses


def latest_customer_message_id(ticket: Ticket) -> str:
    found = (
        ticket.messages.filter(author_kind=Author.CONTACT)
        .exclude(message_id="")
        .order_by("-created_at", "-id")
        .values_list("message_id", flat=True)
        .first()
    )
    return (found or "").strip().strip("<>")


def thread_ids(ticket: Ticket, *, parent: str, excluding: Message) -> list[str]:
    """The References chain: every Message-ID the ticket knows, the customer's and ours, oldest
    first (with the References an inbound message arrived with, when the intake kept them in
    `meta["references"]`), ending with the parent."""
    ids: list[str] = []
    rows = (
        ticket.messages.filter(visibility=Message.Visibility.PUBLIC)
        .exclude(message_id="")
        .exclude(pk=excluding.pk)
        .order_by("created_at", "id")
        .values_list("message_id", "meta")
    )
    for message_id, meta in rows:
        earlier = (meta or {}).get("references") if isinstance(meta, dict) else None
        if isinstance(earlier, list):
            ids.extend(str(value) for value in earlier if isinstance(value, str))
        ids.append(message_id)
    return headers.references_chain(ids, parent=parent)


def mailbox_for(ticket: Ticket) -> Mailbox | None:
    """The mailbox the ticket came in through, else the first active one configured, else none."""
    first_meta = (
        ticket.messages.filter(author_kind=Author.CONTACT, channel=Channel.EMAIL)
        .order_by("created_at", "id")
        .values_list("meta", flat=True)
        .first()
    )
    if isinstance(first_meta, dict):
        named = _mailbox_named(first_meta.get("mailbox"))
        if named is not None:
            return named
    received = (
        InboundMail.objects.filter(ticket=ticket, mailbox__active=True)
        .select_related("mailbox")
        .order_by("received_at", "id")
        .first()
    )
    if received is not None:
        return received.mailbox
    return Mailbox.objects.filter(active=True).order_by("id").first()


def _mailbox_named(reference) -> Mailbox | None:
    """A mailbox given by id or by address (how `meta["mailbox"]` may name it); active only."""
    active = Mailbox.objects.filter(active=True)
    if isinstance(reference, bool) or reference in (None, ""):
        return None
    if isinstance(reference, int) or (isinstance(reference, str) and reference.isdigit()):
        return active.filter(pk=int(reference)).first()
    if isinstance(reference, str) and "@" in reference:
        return active.filter(address__iexact=parseaddr(reference)[1] or reference).first()
    return None
