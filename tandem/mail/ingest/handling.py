"""How each kind of inbound mail is handled once parsed, in the order docs/email.md gives:
duplicates, bounces, the loop guard, the sender rate limit, agents' mail, then customers'.

`MessageHandling.run` takes the decisions and writes through the actions; it runs inside the
one transaction `processing.process_one` opens for the message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from tandem.core.errors import InvalidInput
from tandem.mail import MailParseError, ParsedMail, addresses
from tandem.mail.automatic import classify
from tandem.mail.ingest.bounces import bounce_meta, bounce_note, bounce_reason, bounced_ticket
from tandem.mail.ingest.content import build_content
from tandem.mail.ingest.desk import Desk
from tandem.mail.ingest.followers import add_followers, contacts_for
from tandem.mail.ingest.loop_guard import automatic_reasons, loop_reason, may_acknowledge
from tandem.mail.ingest.recipients import (
    FollowerPick,
    customer_was_recipient,
    follower_candidates,
    is_machine_address,
)
from tandem.mail.ingest.threading import ThreadMatch, find_thread, landing_ticket
from tandem.mail.message_ids import is_ours
from tandem.mail.models import InboundMail, Mailbox
from tandem.mail.outbox import queue_acknowledgement
from tandem.mail.outbox.bounces import mark_bounced
from tandem.mail.parsing import parse_message
from tandem.people.actions import find_or_create_contact
from tandem.people.actors import Actor
from tandem.people.models import Agent, Contact, ContactIdentity
from tandem.tickets.actions import add_message, create_ticket
from tandem.tickets.models import Channel, Message, Status, Ticket

State = InboundMail.State
Visibility = Message.Visibility
RATE_WINDOW = dt.timedelta(minutes=1)
NO_SUBJECT = "(no subject)"


@dataclass(frozen=True)
class Outcome:
    state: str
    reason: str = ""
    ticket_id: int | None = None
    message_id: int | None = None
    new_ticket: bool = False


class MessageHandling:
    """The decisions for one message, in the order docs/email.md gives them."""

    def __init__(self, inbound: InboundMail, desk: Desk, *, skip_rate_limit: bool):
        self.inbound = inbound
        self.desk = desk
        self.live = inbound.source != InboundMail.Source.IMPORT
        self.check_rate = self.live and not skip_rate_limit
        self.failed: Outcome | None = None  # set by prepare() for mail that cannot be parsed

    def run(self, parsed: ParsedMail | MailParseError | None = None) -> Outcome:
        failed = self.prepare(parsed)
        if failed is not None:
            return failed
        return self.decide()

    def prepare(self, parsed: ParsedMail | MailParseError | None = None) -> Outcome | None:
        """Parse (unless a parse worker did: `parsed`) and learn what every decision needs;
        an Outcome when the mail cannot be parsed."""
        inbound = self.inbound
        if parsed is None:
            try:
                parsed = parse_message(bytes(inbound.raw))
            except MailParseError as error:
                parsed = error
        if isinstance(parsed, MailParseError):
            self.failed = Outcome(State.QUARANTINED, parsed.reason)
            return self.failed
        self.parsed = parsed
        inbound.message_id = parsed.message_id[:998]
        inbound.from_address = parsed.from_address[:254]
        inbound.subject = parsed.subject[:250]
        self.mailbox = inbound.mailbox or self.desk.mailbox_for(self._recipients())
        inbound.mailbox = self.mailbox
        self.automation = classify(parsed)
        self.automatic = automatic_reasons(self.automation)
        self.content = build_content(parsed)
        self.at = None if self.live else self._history_date()
        self.followers = FollowerPick([])
        return None

    def plain_customer_mail(self) -> tuple[str, str] | None:
        """(name, address) of the requester when this is a customer's own mail that needs no
        decision but its thread: what the bulk history import writes in batches. None for
        everything else (bounces, reports, out-of-office replies, the desk's or an agent's
        mail, no sender). Other automatic mail (newsletters, lists) is plain: it opens or
        continues a ticket like any customer mail, only without followers."""
        parsed, automation = self.parsed, self.automation
        if automation.is_bounce or automation.report_type or automation.is_out_of_office:
            return None
        if loop_reason(
            from_address=parsed.from_address,
            message_id=parsed.message_id,
            desk_addresses=self.desk.addresses,
            x_loop=parsed.headers.get("x-loop", ""),
        ):
            return None
        self.desk.learn_agents([parsed.from_address, *(a for _, a in (*parsed.to, *parsed.cc))])
        if self.desk.active_agent(parsed.from_address) is not None:
            return None
        name, address = self._requester_address()
        if not address:
            return None
        if not self.automatic:
            self.followers = follower_candidates(
                to=parsed.to,
                cc=parsed.cc,
                excluded=self.desk.addresses,
                is_agent=self.desk.is_agent,
            )
        return name, address

    def decide(self) -> Outcome:
        parsed = self.parsed
        duplicate = self._duplicate()
        if duplicate is not None:
            return duplicate
        if self.automation.is_bounce:
            return self._bounce()
        if self.automation.report_type == "delivery-status":
            return Outcome(State.IGNORED, "delivery status notice that reports no failure")
        looped = loop_reason(
            from_address=parsed.from_address,
            message_id=parsed.message_id,
            desk_addresses=self.desk.addresses,
            x_loop=parsed.headers.get("x-loop", ""),
        )
        if looped:
            return self._desk_mail(looped)
        if self.check_rate:
            held = self._rate_limited()
            if held is not None:
                return held

        self.desk.learn_agents([parsed.from_address, *(a for _, a in (*parsed.to, *parsed.cc))])
        agent = self.desk.active_agent(parsed.from_address)
        name, address = self._requester_address()
        if not self.automatic:
            self.followers = follower_candidates(
                to=parsed.to,
                cc=parsed.cc,
                excluded=self.desk.addresses,
                is_agent=self.desk.is_agent,
            )
        match = find_thread(
            in_reply_to=parsed.in_reply_to,
            references=parsed.references,
            subject=parsed.subject,
            sender=agent.email if agent else address,
            sender_is_agent=agent is not None,
        )
        if agent is not None:
            return self._agent_mail(agent, match)
        return self._customer_mail(match, name, address)

    # --- what each kind of mail becomes ------------------------------------------------------

    def _customer_mail(self, match: ThreadMatch, name: str, address: str) -> Outcome:
        ticket = landing_ticket(match.ticket_number) if match.found else None
        out_of_office = self.automation.is_out_of_office
        if out_of_office and ticket is None:
            return Outcome(State.IGNORED, "out-of-office reply that matches no ticket")
        if out_of_office and ticket.status == Status.CLOSED:
            return Outcome(State.IGNORED, f"out-of-office reply to closed ticket #{ticket.pk}")
        if not address:
            return Outcome(State.QUARANTINED, "no sender address (no From, Sender or envelope)")
        try:
            contact = find_or_create_contact(email=address, name=name)
        except InvalidInput:
            return Outcome(State.QUARANTINED, f"sender address {address!r} is not valid")
        actor = Actor.for_contact(contact)
        content = self.content
        if ticket is None:
            team = self.mailbox.default_team if self.mailbox else None
            ticket = create_ticket(
                actor=actor,
                contact=contact,
                subject=self.parsed.subject.strip()[:250] or NO_SUBJECT,
                body=content.body,
                html=content.html,
                html_is_clean=True,  # the parser sanitised it
                quoted=content.quoted,
                channel=Channel.EMAIL,
                team=team,
                # A team belongs to a track: the mailbox's track applies when it names no team.
                track=None if team else (self.mailbox.default_track if self.mailbox else None),
                attachments=content.files,
                message_id=self.parsed.message_id,
                at=self.at,
                message_meta=self._meta(),
            )
            message = ticket.messages.get()
            new_ticket = True
        else:
            message = add_message(
                actor=actor,
                ticket=ticket,
                body=content.body,
                html=content.html,
                html_is_clean=True,
                quoted=content.quoted,
                attachments=content.files,
                channel=Channel.EMAIL,
                message_id=self.parsed.message_id,
                in_reply_to=self.parsed.in_reply_to,
                meta=self._meta(),
                at=self.at,
                keep_status=out_of_office,
            )
            new_ticket = message.ticket_id != ticket.pk  # a closed ticket's follow-up
            ticket = message.ticket
        if self.mailbox is not None and may_acknowledge(
            live=self.live,
            new_ticket=new_ticket,
            automatic=self.automatic,
            from_agent=False,
            mailbox_acknowledges=self.mailbox.acknowledge_new_tickets,
            noreply_requester=is_machine_address(contact.email or address),
        ):
            queue_acknowledgement(ticket=ticket, mailbox=self.mailbox, inbound_message=message)
        self._add_followers(ticket, sender=contact)
        return Outcome(State.PROCESSED, "", ticket.pk, message.pk, new_ticket)

    def _agent_mail(self, agent: Agent, match: ThreadMatch) -> Outcome:
        if self.automatic:
            return Outcome(
                State.IGNORED,
                f"automatic mail from agent {agent.email} ({', '.join(self.automatic)})",
            )
        if not match.found:
            return Outcome(State.QUARANTINED, "agent mail that matches no ticket")
        ticket = landing_ticket(match.ticket_number)
        if ticket.status == Status.CLOSED:
            return Outcome(State.QUARANTINED, f"agent mail for closed ticket #{ticket.pk}")
        # An agent who answered from their own client with the desk in Cc has already sent
        # it to the customer: deliver only when the customer was not among the recipients.
        copied = customer_was_recipient(
            to=self.parsed.to, cc=self.parsed.cc, customer=_addresses_of(ticket.contact)
        )
        message = add_message(
            actor=Actor.for_agent(agent),
            ticket=ticket,
            body=self.content.body,
            html=self.content.html,
            attachments=self.content.files,
            visibility=Visibility.PUBLIC if agent.can_reply_publicly else Visibility.INTERNAL,
            channel=Channel.EMAIL,
            message_id=self.parsed.message_id,
            in_reply_to=self.parsed.in_reply_to,
            meta=self._meta(customer_was_recipient=copied),
            at=self.at,
            deliver=self.live and not copied,
        )
        self._add_followers(message.ticket, sender=None)
        return Outcome(State.PROCESSED, "", message.ticket_id, message.pk)

    def _bounce(self) -> Outcome:
        bounce = self.automation.bounce
        original = bounce.original_message_id
        marked = bool(original) and mark_bounced(
            original_message_id=original, reason=bounce_reason(bounce)
        )
        number = bounced_ticket(original)
        if number is None:
            number = self._thread_by_headers().ticket_number
        if number is None:
            known = f"<{original}>" if original else "no original Message-ID in the report"
            suffix = "; its outbound mail is marked bounced" if marked else ""
            reason = f"bounce of mail the desk does not know ({known}){suffix}"
            return Outcome(State.IGNORED, reason)
        ticket = landing_ticket(number)
        if ticket.status == Status.CLOSED:
            # add_message would open a follow-up for a system note; the outbox row has it.
            return Outcome(
                State.PROCESSED, f"bounce for closed ticket #{ticket.pk}: no note added", ticket.pk
            )
        note = add_message(
            actor=Actor.system(),
            ticket=ticket,
            body=bounce_note(bounce),
            visibility=Visibility.INTERNAL,
            channel=Channel.EMAIL,
            message_id=self.parsed.message_id,
            meta={
                "inbound": self.inbound.pk,
                "bounce": bounce_meta(bounce),
                "outbound_marked": marked,
                "automatic": self.automatic,
            },
            at=self.at,
        )
        return Outcome(State.PROCESSED, "", note.ticket_id, note.pk)

    def _desk_mail(self, reason: str) -> Outcome:
        """The desk's own mail. Live it is a loop; in an import, the desk's own earlier
        replies (sent from a mailbox address, before Tandem) are history of their thread."""
        if self.live or is_ours(self.parsed.message_id) or self.automatic:
            return Outcome(State.IGNORED, reason)
        match = self._thread_by_headers()
        ticket = landing_ticket(match.ticket_number) if match.found else None
        if ticket is None or ticket.status == Status.CLOSED:
            return Outcome(State.IGNORED, f"{reason}; not a reply in an imported conversation")
        message = add_message(
            actor=Actor.system(),
            ticket=ticket,
            body=self.content.body,
            html=self.content.html,
            attachments=self.content.files,
            channel=Channel.EMAIL,
            message_id=self.parsed.message_id,
            in_reply_to=self.parsed.in_reply_to,
            meta=self._meta(desk_history=True),
            at=self.at,
            deliver=False,
        )
        return Outcome(State.PROCESSED, "", message.ticket_id, message.pk)

    # --- the pieces ---------------------------------------------------------------------------

    def _duplicate(self) -> Outcome | None:
        """The same message already processed: the same bytes, or the same Message-ID and
        the same text (a copy relayed with other trace headers, or fetched twice)."""
        inbound, message_id, body = self.inbound, self.parsed.message_id, self.content.body
        if message_id:
            self._wait_for_other_copies(message_id)
            # Identical bytes carry the same Message-ID, so this one lookup finds both kinds.
            same = InboundMail.objects.filter(message_id=message_id)
        else:
            same = InboundMail.objects.filter(sha256=inbound.sha256)
        earlier = (
            same.exclude(pk=inbound.pk)
            .order_by("pk")
            .values_list(
                "pk", "state", "sha256", "ticket_id", "ticket_message_id", "ticket_message__body"
            )
        )
        # The state is checked here, not in the query: with it, SQLite would pick the state
        # index over the Message-ID one and read every processed row.
        for pk, state, sha256, ticket_id, ticket_message_id, stored_body in earlier:
            if state != State.PROCESSED:
                continue
            if sha256 == inbound.sha256 or (message_id and stored_body == body):
                on = f" on ticket #{ticket_id}" if ticket_id else ""
                return Outcome(
                    State.IGNORED,
                    f"duplicate of inbound mail #{pk}{on}",
                    ticket_id,
                    ticket_message_id,
                )
        return None

    def _wait_for_other_copies(self, message_id: str) -> None:
        # Two copies of one message processed at the same moment (PostgreSQL, several
        # workers): both lock the oldest row with this Message-ID, so the second waits for
        # the first to commit and then finds it. SQLite runs one writer at a time anyway.
        if connection.features.has_select_for_update:
            InboundMail.objects.select_for_update().filter(message_id=message_id).order_by(
                "pk"
            ).values_list("pk", flat=True).first()

    def _thread_by_headers(self) -> ThreadMatch:
        """Threading for mail that no person wrote: by its headers, never a subject token."""
        return find_thread(
            in_reply_to=self.parsed.in_reply_to,
            references=self.parsed.references,
            subject="",
            sender="",
            sender_is_agent=False,
        )

    def _rate_limited(self) -> Outcome | None:
        sender = self.parsed.from_address
        limit = (
            self.mailbox.sender_limit_per_minute
            if self.mailbox
            else Mailbox._meta.get_field("sender_limit_per_minute").default
        )
        if not sender or not limit:  # 0 turns the limit off
            return None
        received = self.inbound.received_at
        recent = (
            InboundMail.objects.filter(
                from_address=sender,
                received_at__gt=received - RATE_WINDOW,
                received_at__lte=received,
            )
            .exclude(pk=self.inbound.pk)
            .exclude(source=InboundMail.Source.IMPORT)
            .count()
        )
        if recent < limit:
            return None
        return Outcome(
            State.HELD,
            f"sender rate limit: {recent + 1} messages from {sender} within a minute "
            f"(limit {limit})",
        )

    def _add_followers(self, ticket: Ticket, *, sender: Contact | None) -> None:
        if self.automatic:
            return
        contacts = contacts_for(self.followers.addresses)
        if sender is not None:
            contacts.insert(0, sender)  # someone other than the requester writing in
        if contacts:
            add_followers(
                actor=Actor.system(),
                ticket=ticket,
                contacts=contacts,
                at=self.at or timezone.now(),
            )

    def _requester_address(self) -> tuple[str, str]:
        parsed = self.parsed
        if self.mailbox is not None and self.mailbox.use_reply_to and parsed.reply_to:
            return parsed.reply_to[0]
        if parsed.from_address:
            return parsed.from_name, parsed.from_address
        envelope = addresses.parse_address_list(self.inbound.envelope_from)
        return ("", envelope[0][1]) if envelope else ("", "")

    def _recipients(self) -> list[str]:
        """Where the message was delivered: envelope first, then the delivery headers, To, Cc."""
        parsed = self.parsed
        found = [address.lower() for address in self.inbound.envelope_to]
        for header in ("delivered-to", "x-original-to", "envelope-to"):
            found += [a for _, a in addresses.parse_address_list(parsed.headers.get(header, ""))]
        return found + [a for _, a in (*parsed.to, *parsed.cc)]

    def _history_date(self) -> dt.datetime:
        """An imported message keeps its own date (never one in the future)."""
        now = timezone.now()
        return min(self.parsed.date, now) if self.parsed.date else now

    def _meta(self, **extra) -> dict:
        parsed, content = self.parsed, self.content
        meta = {
            "mailbox": self.mailbox.pk if self.mailbox else None,
            "inbound": self.inbound.pk,
            "from": parsed.from_address,
            "to": [address for _, address in parsed.to],
            "cc": [address for _, address in parsed.cc],
            "date": parsed.date.isoformat() if parsed.date else None,
        }
        if parsed.reply_to:
            meta["reply_to"] = [address for _, address in parsed.reply_to]
        if parsed.references:
            meta["references"] = parsed.references[-20:]
        if self.automatic:
            meta["automatic"] = self.automatic
        if content.refused:
            meta["refused_attachments"] = [refusal.as_meta() for refusal in content.refused]
        if not self.live:
            meta["imported"] = True
        if self.followers.skipped:
            meta["followers_skipped"] = self.followers.skipped
        meta.update(extra)
        return meta


def _addresses_of(contact: Contact) -> set[str]:
    found = set(
        ContactIdentity.objects.filter(
            contact_id=contact.pk, kind=ContactIdentity.Kind.EMAIL
        ).values_list("value", flat=True)
    )
    if contact.email:
        found.add(contact.email.lower())
    return found
