"""Making the people on a mail followers of its ticket, in a fixed number of queries.

`add_followers` is a ticket write and belongs in tandem/tickets/actions (requested there with
this signature); it lives here only until that action exists. `contacts_for` finds or creates
the contacts through people.actions, looking the known ones up in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from tandem.core.errors import InvalidInput
from tandem.people.actions import find_or_create_contact
from tandem.people.actors import Actor
from tandem.people.models import Contact, ContactIdentity
from tandem.tickets.models import Ticket, TicketEvent


def contacts_for(pairs: Iterable[tuple[str, str]]) -> list[Contact]:
    """The contact of each (name, address), created when new; invalid addresses are skipped."""
    pairs = list(pairs)
    if not pairs:
        return []
    known = {
        identity.value: identity.contact
        for identity in ContactIdentity.objects.select_related("contact").filter(
            kind=ContactIdentity.Kind.EMAIL, value__in=[address for _, address in pairs]
        )
    }
    contacts = []
    for name, address in pairs:
        contact = known.get(address)
        if contact is None:
            try:
                contact = find_or_create_contact(email=address, name=name)
            except InvalidInput:
                continue  # a Cc nobody can write to is nobody to follow
        contacts.append(contact)
    return contacts


@transaction.atomic
def add_followers(
    *, actor: Actor, ticket: Ticket, contacts: Iterable[Contact], at: dt.datetime
) -> list[Contact]:
    """Add these contacts as followers (never the requester); one event per new follower."""
    wanted = {c.pk: c for c in contacts if c.pk != ticket.contact_id}
    if not wanted:
        return []
    through = Ticket.followers.through
    already = set(
        through.objects.filter(ticket_id=ticket.pk, contact_id__in=wanted).values_list(
            "contact_id", flat=True
        )
    )
    added = [contact for pk, contact in wanted.items() if pk not in already]
    if not added:
        return []
    through.objects.bulk_create(
        [through(ticket_id=ticket.pk, contact_id=c.pk) for c in added], ignore_conflicts=True
    )
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket=ticket,
                kind=TicketEvent.Kind.FOLLOWER_ADDED,
                data={"contact": c.pk, "email": c.email},
                created_at=at,
                **actor.event_fields(),
            )
            for c in added
        ]
    )
    return added
