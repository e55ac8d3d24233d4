"""Who is notified of mentions, assignments and updates on followed tickets, and who is not."""

from __future__ import annotations

import pytest
from django.core import mail

from tandem.mail.models import OutboundMail
from tandem.people import actions as people_actions
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import TicketEvent
from tandem.workflow import notification_actions
from tandem.workflow.models import AgentFollow, EmailChoice, Notification, NotificationKind

pytestmark = pytest.mark.django_db(transaction=False)

Kind = NotificationKind


def note(agent, ticket, body):
    return actions.add_message(
        actor=Actor.for_agent(agent), ticket=ticket, body=body, visibility="internal"
    )


def kinds_for(agent):
    return list(Notification.objects.filter(agent=agent).values_list("kind", "text"))


def test_mention_in_a_note_notifies_records_event_and_highlights(
    agent, admin, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = note(agent, ticket, "@Ada Admin can you refund this?")

    assert kinds_for(admin) == [
        (Kind.MENTIONED, f"Alex Agent mentioned you on #{ticket.number} Cannot log in")
    ]
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.MENTIONED)
    assert event.data == {"agent": admin.pk, "name": "Ada Admin"}
    assert event.message_id == message.pk
    assert Notification.objects.get(agent=admin).event_id == event.pk
    message.refresh_from_db()
    assert (
        f'<a class="mention" href="/inbox/?view=all&amp;assignee={admin.pk}" '
        f'data-agent="{admin.pk}">@Ada Admin</a>' in message.html
    )
    assert message.meta["mentions"] == [admin.pk]
    # Default preference: mentions by email, as an automatic notification.
    row = OutboundMail.objects.get(to=[admin.email])
    assert row.kind == OutboundMail.Kind.NOTIFICATION and row.automatic
    assert "@Ada Admin can you refund this?" in row.text
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [admin.email]
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert f"/tickets/{ticket.number}/" in sent.body


def test_author_mentioning_themself_is_not_notified(agent, ticket):
    note(agent, ticket, "note to self @alex")
    assert Notification.objects.count() == 0
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.MENTIONED).exists()


def test_deactivated_agent_and_agent_who_cannot_see_ticket_are_not_mentioned(
    agent, other_team_agent, ticket
):
    gone = factories.make_agent(name="Dana Gone", email="dana@desk.test")
    people_actions.update_agent(agent=gone, active=False)
    note(agent, ticket, "@dana and @olly please look")
    assert Notification.objects.count() == 0
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.MENTIONED).exists()


def test_mention_in_a_public_reply_is_not_a_mention(agent, admin, ticket):
    actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Hi @ada")
    assert Notification.objects.filter(agent=admin).count() == 0


def test_assignment_notifies_and_follows_the_assignee(agent, admin, ticket):
    actions.update_ticket(actor=Actor.for_agent(admin), ticket=ticket, assignee=agent)
    assert kinds_for(agent) == [
        (Kind.ASSIGNED, f"Ada Admin assigned you #{ticket.number} Cannot log in")
    ]
    assert AgentFollow.objects.filter(agent=agent, ticket=ticket).exists()


def test_self_assignment_follows_without_notifying(agent, ticket):
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, assignee=agent)
    assert Notification.objects.count() == 0
    assert AgentFollow.objects.filter(agent=agent, ticket=ticket).exists()


def test_replying_follows_and_followers_hear_of_customer_and_colleague_messages(
    agent, admin, customer, ticket
):
    actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Try resetting it.")
    assert AgentFollow.objects.filter(agent=agent, ticket=ticket).count() == 1
    assert Notification.objects.count() == 0  # nobody else follows; never the author

    actions.add_message(actor=Actor.for_contact(customer), ticket=ticket, body="Still broken")
    assert kinds_for(agent) == [
        (Kind.FOLLOWED_UPDATE, f"Carol Customer wrote on #{ticket.number} Cannot log in")
    ]

    actions.add_message(actor=Actor.for_agent(admin), ticket=ticket, body="I'll take it")
    assert kinds_for(agent)[0] == (
        Kind.FOLLOWED_UPDATE,
        f"Ada Admin replied on #{ticket.number} Cannot log in",
    )
    # Ada now follows too; Alex's next reply reaches her but not him.
    actions.add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Thanks")
    assert Notification.objects.filter(agent=admin).count() == 1
    assert Notification.objects.filter(agent=agent).count() == 2


def test_a_mentioned_follower_gets_the_mention_only(agent, admin, ticket):
    notification_actions.follow_ticket(agent=admin, ticket=ticket)
    note(agent, ticket, "@ada look")
    assert [k for k, _ in kinds_for(admin)] == [Kind.MENTIONED]


def test_unfollowed_agent_hears_nothing(agent, customer, ticket):
    notification_actions.follow_ticket(agent=agent, ticket=ticket)
    assert notification_actions.unfollow_ticket(agent=agent, ticket=ticket) is True
    assert notification_actions.unfollow_ticket(agent=agent, ticket=ticket) is False
    actions.add_message(actor=Actor.for_contact(customer), ticket=ticket, body="Hello?")
    assert Notification.objects.count() == 0


def test_following_twice_keeps_one_follow(agent, ticket):
    first = notification_actions.follow_ticket(agent=agent, ticket=ticket)
    again = notification_actions.follow_ticket(agent=agent, ticket=ticket)
    assert first.pk == again.pk and AgentFollow.objects.count() == 1


@pytest.mark.parametrize(
    ("choice", "mention_mails", "update_mails"),
    [(EmailChoice.NONE, 0, 0), (EmailChoice.MENTIONS, 1, 0), (EmailChoice.ALL, 1, 1)],
)
def test_email_preference_decides_which_notifications_are_mailed(
    agent, admin, customer, ticket, choice, mention_mails, update_mails
):
    notification_actions.set_email_preference(agent=admin, email=choice)
    note(agent, ticket, "@ada see this")
    assert OutboundMail.objects.filter(to=[admin.email]).count() == mention_mails
    notification_actions.follow_ticket(agent=admin, ticket=ticket)
    actions.add_message(actor=Actor.for_contact(customer), ticket=ticket, body="Any news?")
    assert OutboundMail.objects.filter(to=[admin.email]).count() == mention_mails + update_mails
    assert Notification.objects.filter(agent=admin).count() == 2  # in-app always


def test_bad_email_preference_is_refused(agent):
    from tandem.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        notification_actions.set_email_preference(agent=agent, email="sometimes")
    assert error.value.errors[0].field == "email"


def test_rolled_back_message_notifies_nobody(agent, admin, ticket):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        note(agent, ticket, "@ada urgent")
        raise RuntimeError
    assert Notification.objects.count() == 0
    assert OutboundMail.objects.count() == 0


def test_subscriber_cost_per_message_is_small_and_linear_in_followers(customer, ticket):
    """Measured cost of the notifications on a customer message: the follower lookup, then
    per follower one notification, its email-preference read, and nothing else."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as nobody:
        actions.add_message(actor=Actor.for_contact(customer), ticket=ticket, body="one")
    followers = [factories.make_agent() for _ in range(3)]
    for follower in followers:
        notification_actions.follow_ticket(agent=follower, ticket=ticket)
    with CaptureQueriesContext(connection) as three:
        actions.add_message(actor=Actor.for_contact(customer), ticket=ticket, body="two")
    assert Notification.objects.count() == 3
    # Per follower: a savepoint pair around notify_agent, the insert, the preference read.
    assert len(three) - len(nobody) <= 3 * 4
