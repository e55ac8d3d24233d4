"""Who hears of what happened to a ticket: the event-bus subscriber behind the notifications.

It runs inside the action's transaction (ADR 0005), so notifications, mention events and
automatic follows commit or roll back with the message or assignment that caused them.

- an internal note's @mentions: a `mentioned` event and a notification per mentioned agent;
- an assignment: a notification to the new assignee (unless they assigned themself);
- a message from the customer or from a colleague: a notification to each follower;
- replying, writing a note or being assigned makes the agent a follower.
Nobody is notified of their own doing, nor of a ticket they may not see; deactivated
agents hear nothing.
"""

from __future__ import annotations

from tandem.core import event_bus
from tandem.core.event_bus import ActionEvents
from tandem.people.actors import Actor
from tandem.people.models import Agent
from tandem.tickets.models import Message, Ticket, TicketEvent
from tandem.workflow import notification_actions as actions
from tandem.workflow.models import NotificationKind
from tandem.workflow.notification_queries import agents_who_may_see, followers_of

Kind = TicketEvent.Kind
Author = Message.AuthorKind
# Tickets this chain made someone follow. A ticket being created has no follower but these
# (follows are written only here and by the agent's own follow button), so its creating
# batch need not ask the database.
FOLLOWED = "workflow.notifications:followed"


def on_ticket_events(batch: ActionEvents) -> bool:
    ticket = batch.ticket
    brand_new = Kind.CREATED in batch.kinds
    for event in batch.of_kind(Kind.MESSAGE_ADDED):
        if event.message is not None:
            _on_message(ticket, event, event.message, brand_new=brand_new)
    for event in batch.of_kind(Kind.ASSIGNEE_CHANGED, Kind.CREATED):
        assignee_id = (event.data or {}).get(
            "to" if event.kind == Kind.ASSIGNEE_CHANGED else "assignee"
        )
        if assignee_id:
            _on_assigned(ticket, event, assignee_id)
    return False  # notifications never change the ticket itself


def _followers(ticket: Ticket, *, brand_new: bool) -> list[Agent]:
    if brand_new and ticket.pk not in event_bus.chain().get(FOLLOWED, ()):
        return []
    return list(followers_of(ticket))


def _follow(agent: Agent, ticket: Ticket, at) -> None:
    actions.follow_ticket(agent=agent, ticket=ticket, at=at)
    event_bus.chain().setdefault(FOLLOWED, set()).add(ticket.pk)


def _on_message(ticket: Ticket, event: TicketEvent, message: Message, *, brand_new: bool) -> None:
    if message.author_kind == Author.SYSTEM:
        return  # automatic messages (acknowledgements) are nobody's news
    author = message.author_agent
    mentioned: set[int] = set()
    if (
        message.visibility == Message.Visibility.INTERNAL
        and author is not None
        and "@" in message.body
    ):
        actor = Actor(kind=event.actor_kind, agent=author)
        for agent, mention in actions.record_mentions(
            actor=actor, ticket=ticket, note=message, candidates=agents_who_may_see(ticket)
        ):
            mentioned.add(agent.pk)
            actions.notify_agent(
                agent=agent,
                kind=NotificationKind.MENTIONED,
                ticket=ticket,
                event=mention,
                text=f"{author.name} mentioned you on #{ticket.number} {ticket.subject}",
                at=mention.created_at,
            )

    text = _update_text(ticket, message)
    for follower in _followers(ticket, brand_new=brand_new):
        if follower.pk in mentioned or (author is not None and follower.pk == author.pk):
            continue
        actions.notify_agent(
            agent=follower,
            kind=NotificationKind.FOLLOWED_UPDATE,
            ticket=ticket,
            event=event,
            text=text,
            at=event.created_at,
        )
    if author is not None:
        _follow(author, ticket, event.created_at)


def _update_text(ticket: Ticket, message: Message) -> str:
    where = f"#{ticket.number} {ticket.subject}"
    if message.author_kind == Author.CONTACT:
        return f"{message.author_name} wrote on {where}"
    if message.visibility == Message.Visibility.INTERNAL:
        return f"{message.author_name} added a note on {where}"
    return f"{message.author_name} replied on {where}"


def _on_assigned(ticket: Ticket, event: TicketEvent, assignee_id: int) -> None:
    assignee = Agent.objects.select_related("user").filter(pk=assignee_id).first()
    if assignee is None or not assignee.user.is_active:
        return
    _follow(assignee, ticket, event.created_at)
    if event.actor_agent_id == assignee.pk:
        return
    by = event.actor_agent.name if event.actor_agent_id else "The desk"
    actions.notify_agent(
        agent=assignee,
        kind=NotificationKind.ASSIGNED,
        ticket=ticket,
        event=event,
        text=f"{by} assigned you #{ticket.number} {ticket.subject}",
        at=event.created_at,
    )
