"""Every portal write: sign-in links, and requests from visitors without an account.

Requests and replies of signed-in customers go straight to tickets.actions; only what
is the portal's own (its links, its mails) is written here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tandem.people.actions import find_or_create_contact, normalize_email
from tandem.people.actors import Actor
from tandem.people.models import Contact
from tandem.portal import mail, signin
from tandem.portal.models import SignInLink
from tandem.portal.queries import contact_with_email
from tandem.portal.signin import LinkRefused, LinkState
from tandem.tickets.actions import IncomingFile, create_ticket
from tandem.tickets.models import Channel, Ticket


@dataclass(frozen=True)
class IssuedLink:
    """A stored link and the secret that opens it; the secret is nowhere else after this."""

    link: SignInLink
    secret: str

    @property
    def url(self) -> str:
        return signin.absolute_url(signin.link_path(self.secret))


@transaction.atomic
def create_sign_in_link(*, contact: Contact, next_path: str = "") -> IssuedLink:
    secret = signin.new_secret()
    link = SignInLink.objects.create(
        contact=contact,
        secret_hash=signin.hash_secret(secret),
        next_path=signin.safe_next_path(next_path),
        expires_at=timezone.now() + signin.link_lifetime(),
    )
    return IssuedLink(link=link, secret=secret)


@transaction.atomic
def send_sign_in_link(*, email: str, next_path: str = "") -> IssuedLink | None:
    """Mail a link if the address is a contact's; do nothing otherwise, and say nothing.

    The portal calls this from a job (tasks.mail_sign_in_link), so the page answers as
    fast for an unknown address as for a known one.
    """
    contact = contact_with_email(email)
    if contact is None:
        return None
    issued = create_sign_in_link(contact=contact, next_path=next_path)
    mail.send_after_commit(
        to=normalize_email(email),
        template="sign_in_link",
        context={
            "contact": contact,
            "url": issued.url,
            "minutes": int(signin.link_lifetime().total_seconds() // 60),
        },
    )
    return issued


@transaction.atomic
def redeem_sign_in_link(*, secret: str) -> SignInLink:
    """Use the link up: it signs in once; raises LinkRefused when it is expired, used or unknown."""
    now = timezone.now()
    link = signin.find_link(secret)
    state = signin.link_state(link, now=now)
    if state is not LinkState.VALID:
        raise LinkRefused(state)
    # Conditional update: of two parallel clicks exactly one wins, the other sees "used".
    won = SignInLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    if not won:
        raise LinkRefused(LinkState.USED)
    link.used_at = now
    return link


@transaction.atomic
def submit_visitor_request(
    *,
    name: str,
    email: str,
    subject: str,
    body: str,
    attachments: Iterable[IncomingFile] = (),
) -> Ticket:
    """A request from someone not signed in: find or create the contact, open the ticket and
    mail a link to follow it. Known and new addresses are treated alike, so the answer
    tells the visitor nothing about who has an account.
    """
    contact = find_or_create_contact(email=email, name=name)
    ticket = create_ticket(
        actor=Actor.for_contact(contact),
        contact=contact,
        subject=subject,
        body=body,
        channel=Channel.PORTAL,
        attachments=attachments,
    )
    issued = create_sign_in_link(
        contact=contact,
        next_path=reverse("portal:request", kwargs={"number": ticket.number}),
    )
    mail.send_after_commit(
        to=normalize_email(email),
        template="request_received",
        context={
            "contact": contact,
            "ticket": ticket,
            "url": issued.url,
            "minutes": int(signin.link_lifetime().total_seconds() // 60),
        },
    )
    return ticket


@transaction.atomic
def purge_sign_in_links(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete links that expired more than `older_than` ago; they can never be used again."""
    deleted, _ = SignInLink.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted
