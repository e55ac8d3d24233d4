"""Portal reads. Those showing requests take the signed-in contact and build on tickets.queries."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from tandem.people.models import Contact, ContactIdentity
from tandem.tickets.models import Attachment, Message, Ticket
from tandem.tickets.queries import messages_of, request_for, requests_visible_to

SHOW_ALL, SHOW_MINE, SHOW_ORGANIZATION = "all", "mine", "organization"


def contact_with_email(email: str) -> Contact | None:
    """The contact owning this email identity, or None (also for a malformed address)."""
    # Identities are stored lower-cased (people.actions.normalize_email).
    email = (email or "").strip().lower()
    if not email:
        return None
    identity = (
        ContactIdentity.objects.select_related("contact")
        .filter(kind=ContactIdentity.Kind.EMAIL, value=email)
        .first()
    )
    return identity.contact if identity else None


def organization_shares(contact: Contact) -> bool:
    return bool(contact.organization_id and contact.organization.shares_requests)


def list_filter(contact: Contact, raw: str | None) -> str:
    """Which requests the list shows: all, own ("mine"), or the organization's when it shares."""
    if raw == SHOW_MINE or (raw == SHOW_ORGANIZATION and organization_shares(contact)):
        return raw
    return SHOW_ALL


def requests_for_list(contact: Contact, *, show: str = SHOW_ALL) -> QuerySet[Ticket]:
    """The contact's request list, newest activity first; `show` narrows to own or organization."""
    tickets = requests_visible_to(contact)
    if show == SHOW_MINE:
        followed = Ticket.followers.through.objects.filter(contact_id=contact.pk).values(
            "ticket_id"
        )
        tickets = tickets.filter(Q(contact=contact) | Q(number__in=followed))
    elif show == SHOW_ORGANIZATION and organization_shares(contact):
        tickets = tickets.filter(organization_id=contact.organization_id)
    return tickets.select_related("contact").order_by("-updated_at", "-number")


def public_messages(ticket: Ticket) -> QuerySet[Message]:
    """The conversation as the customer sees it: never an internal note."""
    return messages_of(ticket, include_internal=False)


def visible_original(contact: Contact, ticket: Ticket) -> Ticket | None:
    """The closed request this one follows up, if the contact may see it."""
    if not ticket.followup_of_id:
        return None
    return requests_visible_to(contact).filter(number=ticket.followup_of_id).first()


def is_requester(contact: Contact, ticket: Ticket) -> bool:
    """Only the requester closes the loop; colleagues and followers who read along may reply."""
    return ticket.contact_id == contact.pk


def may_mark_solved(contact: Contact, ticket: Ticket) -> bool:
    return is_requester(contact, ticket) and ticket.is_unsolved


def public_attachment_for(contact: Contact, number: int | str, token: str) -> Attachment:
    """An attachment of a public message on a request this contact may see, else 404.

    Files on internal notes never leave the desk, even with a guessed token.
    """
    ticket = request_for(contact, number)
    attachment = Attachment.objects.filter(
        ticket=ticket, token=token, message__visibility=Message.Visibility.PUBLIC
    ).first()
    if attachment is None:
        raise Http404("No such attachment")
    return attachment
