"""Which ticket an inbound message belongs to: a pure decision, and the few lookups it needs.

The order (issue 3): In-Reply-To, then References newest first, each against the Message-IDs
the desk has seen or sent and against our own signed IDs (which name their ticket even when no
row holds the ID any more); then a "[#123]" subject token, but only when the sender takes part
in that ticket (requester, follower or agent); else a new ticket. `decide_thread` takes plain
values and callables; `find_thread` and `landing_ticket` are the thin database side.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tandem.mail.message_ids import ticket_number_of
from tandem.mail.models import InboundMail, OutboundMail
from tandem.people.models import ContactIdentity
from tandem.tickets.models import Message, Status, Ticket

SUBJECT_TOKEN = re.compile(r"\[#(\d{1,18})\]")
# A References header can list hundreds of IDs; the newest ones are the ones that matter.
MAX_CANDIDATES = 50


@dataclass(frozen=True)
class ThreadMatch:
    ticket_number: int | None
    via: str  # "in-reply-to", "references", "subject-token" or "new"
    evidence: str = ""  # the Message-ID or token that matched

    @property
    def found(self) -> bool:
        return self.ticket_number is not None


NEW_TICKET = ThreadMatch(None, "new")


def candidate_ids(in_reply_to: str, references: Sequence[str]) -> list[str]:
    """In-Reply-To first, then References from the newest (last) to the oldest, no repeats."""
    ordered: dict[str, None] = {}
    for message_id in (in_reply_to, *reversed(references)):
        if message_id:
            ordered.setdefault(message_id, None)
    return list(ordered)[:MAX_CANDIDATES]


def subject_ticket_number(subject: str) -> int | None:
    match = SUBJECT_TOKEN.search(subject or "")
    return int(match.group(1)) if match else None


def decide_thread(
    *,
    in_reply_to: str,
    references: Sequence[str],
    subject: str,
    known: Mapping[str, int],
    our_ticket_number: Callable[[str], int | None],
    ticket_exists: Callable[[int], bool],
    sender_participates: Callable[[int], bool],
) -> ThreadMatch:
    """The ticket this message continues, or NEW_TICKET.

    `known` maps Message-IDs the desk has stored to their ticket; `our_ticket_number` decodes
    the desk's own signed IDs (None for foreign or forged ones).
    """
    for message_id in candidate_ids(in_reply_to, references):
        via = "in-reply-to" if message_id == in_reply_to else "references"
        number = known.get(message_id)
        if number is None:
            number = our_ticket_number(message_id)
            if number is not None and not ticket_exists(number):
                number = None
        if number is not None:
            return ThreadMatch(number, via, message_id)
    number = subject_ticket_number(subject)
    if number is not None and ticket_exists(number) and sender_participates(number):
        return ThreadMatch(number, "subject-token", f"[#{number}]")
    return NEW_TICKET


# --- the database side ----------------------------------------------------------------------


def known_ticket_numbers(message_ids: Sequence[str]) -> dict[str, int]:
    """Ticket of each Message-ID the desk has stored: messages, outbound and processed inbound."""
    if not message_ids:
        return {}
    ids = list(message_ids)
    # One round trip for the three places an ID can be known (models' default ordering
    # would be refused inside a UNION, hence the empty order_by()).
    rows = (
        Message.objects.filter(message_id__in=ids)
        .order_by()
        .values_list("message_id", "ticket_id")
        .union(
            OutboundMail.objects.filter(message_id__in=ids)
            .order_by()
            .values_list("message_id", "ticket_id"),
            InboundMail.objects.filter(message_id__in=ids, ticket__isnull=False)
            .order_by()
            .values_list("message_id", "ticket_id"),
        )
    )
    known: dict[str, int] = {}
    for message_id, ticket_id in rows:
        known.setdefault(message_id, ticket_id)
    return known


def find_thread(
    *, in_reply_to: str, references: Sequence[str], subject: str, sender: str, sender_is_agent: bool
) -> ThreadMatch:
    exists: dict[int, bool] = {}

    def ticket_exists(number: int) -> bool:
        if number not in exists:
            exists[number] = Ticket.objects.filter(pk=number).exists()
        return exists[number]

    def sender_participates(number: int) -> bool:
        if sender_is_agent:
            return True
        if not sender:
            return False
        contacts = ContactIdentity.objects.filter(
            kind=ContactIdentity.Kind.EMAIL, value=sender
        ).values("contact_id")
        return (
            Ticket.objects.filter(pk=number, contact_id__in=contacts).exists()
            or Ticket.followers.through.objects.filter(
                ticket_id=number, contact_id__in=contacts
            ).exists()
        )

    return decide_thread(
        in_reply_to=in_reply_to,
        references=references,
        subject=subject,
        known=known_ticket_numbers(candidate_ids(in_reply_to, references)),
        our_ticket_number=ticket_number_of,
        ticket_exists=ticket_exists,
        sender_participates=sender_participates,
    )


def landing_ticket(number: int) -> Ticket:
    """Where mail for ticket `number` lands: past merges to the survivor, and from a closed
    ticket to its newest follow-up that is still open (so a second reply to an old thread
    joins the follow-up the first one opened instead of opening another)."""
    ticket = Ticket.objects.select_related("contact").get(pk=number)
    for _ in range(20):  # merge chains are short; the bound only guards against a cycle
        if ticket.merged_into_id:
            ticket = Ticket.objects.select_related("contact").get(pk=ticket.merged_into_id)
            continue
        if ticket.status == Status.CLOSED:
            followup = (
                Ticket.objects.select_related("contact")
                .filter(followup_of=ticket, merged_into__isnull=True)
                .exclude(status=Status.CLOSED)
                .order_by("-created_at", "-number")
                .first()
            )
            if followup is not None:
                ticket = followup
                continue
        break
    return ticket
