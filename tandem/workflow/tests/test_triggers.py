"""The trigger engine on real ticket actions: events, conditions, actions, order, loops."""

import pytest

from tandem.mail.models import OutboundMail
from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import Message, TicketEvent
from tandem.workflow.actions import create_trigger
from tandem.workflow.models import Notification, Trigger, TriggerRun, WebhookDelivery
from tandem.workflow.notification_actions import set_email_preference
from tandem.workflow.triggers import dry_run

pytestmark = pytest.mark.django_db


def make(name, events, actions_, conditions=None, **extra):
    return create_trigger(
        name=name, events=events, actions=actions_, conditions=conditions or {}, **extra
    )


def fired(ticket):
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.TRIGGER_FIRED).order_by(
            "id"
        )
    )


def test_ticket_created_trigger_sets_fields_and_logs_what_changed(customer, team):
    trigger = make(
        "Urgent words",
        ["ticket_created"],
        [{"type": "set_fields", "fields": {"priority": "urgent", "category": "outage"}}],
        {"all": [{"field": "subject", "op": "contains", "value": "down"}]},
    )
    ticket = factories.make_ticket(contact=customer, subject="Site is down")
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.category) == ("urgent", "outage")
    (event,) = fired(ticket)
    assert event.data["trigger"] == trigger.pk
    assert event.data["event"] == "ticket_created"
    assert event.data["changes"] == [
        {"type": "set_fields", "fields": {"priority": "urgent", "category": "outage"}}
    ]
    run = TriggerRun.objects.get()
    assert (run.trigger, run.ticket, run.event_type, run.error) == (
        trigger,
        ticket,
        "ticket_created",
        "",
    )


def test_condition_not_met_does_nothing(customer):
    make(
        "Urgent words",
        ["ticket_created"],
        [{"type": "set_fields", "fields": {"priority": "urgent"}}],
        {"all": [{"field": "subject", "op": "contains", "value": "down"}]},
    )
    ticket = factories.make_ticket(contact=customer, subject="A question")
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert fired(ticket) == []
    assert TriggerRun.objects.count() == 0


def test_switched_off_trigger_never_fires(customer):
    make("Off", ["ticket_created"], [{"type": "add_tags", "tags": ["seen"]}], active=False)
    ticket = factories.make_ticket(contact=customer)
    assert list(ticket.tags.values_list("name", flat=True)) == []
    assert fired(ticket) == []


def test_triggers_run_in_position_order(customer):
    make(
        "Second",
        ["ticket_created"],
        [{"type": "set_fields", "fields": {"priority": "low"}}],
        position=2,
    )
    make(
        "First",
        ["ticket_created"],
        [{"type": "set_fields", "fields": {"priority": "high"}}],
        position=1,
    )
    ticket = factories.make_ticket(contact=customer)
    ticket.refresh_from_db()
    assert ticket.priority == "low"
    assert [e.data["name"] for e in fired(ticket)] == ["First", "Second"]


def test_customer_reply_agent_reply_and_note_are_distinct_events(ticket, agent, customer):
    make("On customer", ["customer_replied"], [{"type": "add_tags", "tags": ["customer"]}])
    make("On agent", ["agent_replied"], [{"type": "add_tags", "tags": ["agent"]}])
    make("On note", ["note_added"], [{"type": "add_tags", "tags": ["note"]}])
    actions.add_message(
        actor=Actor.for_agent(agent), ticket=ticket, body="Noted", visibility="internal"
    )
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["note"]
    actions.add_message(
        actor=Actor.for_agent(agent), ticket=ticket, body="Try again", deliver=False
    )
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["agent", "note"]
    actions.add_message(actor=Actor.for_contact(customer), ticket=ticket, body="Still broken")
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["agent", "customer", "note"]


def test_status_changed_to_condition_and_assign_action(ticket, agent, other_team):
    make(
        "Solved goes to billing",
        ["status_changed"],
        [{"type": "assign", "team": other_team.pk, "agent": None}],
        {"all": [{"field": "status", "op": "changed_to", "value": "pending"}]},
    )
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, assignee=agent)
    assert fired(ticket) == []  # an assignment is no status change
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="pending")
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (other_team, None)


def test_remove_tags_and_internal_note_from_template(ticket, agent):
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, add_tags=["vip", "new"])
    make(
        "Priority note",
        ["priority_changed"],
        [
            {"type": "remove_tags", "tags": ["new"]},
            {"type": "add_note", "body": "Now {{ ticket.priority }} for {{ contact.name }}"},
        ],
    )
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="high")
    assert list(ticket.tags.values_list("name", flat=True)) == ["vip"]
    note = ticket.messages.get(visibility="internal")
    assert note.body == "Now high for Carol Customer"
    assert note.author_kind == Message.AuthorKind.SYSTEM


def test_trigger_whose_change_retriggers_itself_fires_once(ticket, agent):
    make(
        "Bump",
        ["priority_changed"],
        [{"type": "set_fields", "fields": {"priority": "urgent"}}],
    )
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="high")
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert len(fired(ticket)) == 1


def test_two_triggers_ping_ponging_stop(ticket, agent):
    make("Ping", ["priority_changed"], [{"type": "set_fields", "fields": {"status": "pending"}}])
    make("Pong", ["status_changed"], [{"type": "set_fields", "fields": {"priority": "low"}}])
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="high")
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == ("low", "pending")
    assert [e.data["name"] for e in fired(ticket)] == ["Pong", "Ping"]
    # A new chain may fire Ping again; the ticket is already pending, so Pong has nothing to see.
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="normal")
    assert [e.data["name"] for e in fired(ticket)] == ["Pong", "Ping", "Ping"]


def test_failing_action_rolls_back_only_the_trigger_and_is_logged(ticket, agent):
    make(
        "Closed is final",
        ["priority_changed"],
        [
            {"type": "add_tags", "tags": ["half"]},
            {"type": "set_fields", "fields": {"status": "new"}},  # open -> new is not allowed
        ],
    )
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, status="open")
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="high")
    ticket.refresh_from_db()
    assert ticket.priority == "high"  # the agent's change stands
    assert list(ticket.tags.values_list("name", flat=True)) == []
    (run,) = TriggerRun.objects.all()
    assert "cannot go from open to new" in run.error
    assert run.changes == []


def test_email_to_customer_is_automatic_notification(ticket, agent):
    make(
        "Tell customer",
        ["priority_changed"],
        [{"type": "email_customer", "body": "Your request {{ ticket.number }} is a priority."}],
    )
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="urgent")
    message = ticket.messages.get(author_kind=Message.AuthorKind.SYSTEM)
    assert message.body == f"Your request {ticket.number} is a priority."
    mail = OutboundMail.objects.get(ticket_message=message)
    assert (mail.automatic, mail.kind, mail.to) == (True, "notification", ["carol@customer.test"])


def test_automatic_mail_is_never_answered(customer):
    make(
        "Auto answer",
        ["customer_replied"],
        [{"type": "email_customer", "body": "We got it"}],
    )
    ticket = factories.make_ticket(contact=customer, subject="Help")
    actions.add_message(
        actor=Actor.for_contact(customer),
        ticket=ticket,
        body="I am out of office",
        meta={"automatic": ["auto_submitted"]},
        channel="email",
    )
    assert not ticket.messages.filter(author_kind=Message.AuthorKind.SYSTEM).exists()
    assert OutboundMail.objects.count() == 0
    (event,) = fired(ticket)
    assert event.data["changes"] == [
        {"type": "email_customer", "skipped": "the customer's last message was automatic"}
    ]


def test_notify_team_notifies_its_agents_in_app_and_by_their_mail_choice(
    ticket, agent, team, admin
):
    quiet = factories.make_agent(name="Quinn Quiet", email="quinn@desk.test", teams=[team])
    set_email_preference(agent=quiet, email="none")
    make(
        "Tell the team",
        ["priority_changed"],
        [
            {
                "type": "notify",
                "team": team.pk,
                "subject": "Urgent: {{ ticket.subject }}",
                "body": "Look",
            }
        ],
    )
    actions.update_ticket(actor=Actor.for_agent(admin), ticket=ticket, priority="urgent")
    notes = {n.agent: n for n in Notification.objects.filter(ticket=ticket)}
    assert set(notes) == {agent, quiet}
    assert notes[agent].kind == "rule"
    assert notes[agent].text == "Urgent: Cannot log in: Look"
    assert not notes[agent].read_at
    mail = OutboundMail.objects.get()  # Quinn chose no mail
    assert mail.to == ["alex@desk.test"]
    assert mail.automatic is True
    assert "Urgent: Cannot log in: Look" in mail.text
    # No internal note any more: the bell carries it.
    assert not ticket.messages.filter(visibility="internal").exists()
    (run,) = TriggerRun.objects.filter(trigger__name="Tell the team")
    assert sorted(run.changes[0]["notifications"]) == sorted(n.pk for n in notes.values())


def test_webhook_action_writes_a_delivery_row(ticket, agent, django_capture_on_commit_callbacks):
    make(
        "Hook",
        ["priority_changed"],
        [{"type": "webhook", "url": "http://127.0.0.1:9/x", "secret": "s"}],
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="high")
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending"
    assert delivery.payload["ticket"]["priority"] == "high"
    assert delivery.payload["trigger"]["name"] == "Hook"
    assert len(callbacks) >= 1  # the POST waits for the commit


def test_dry_run_reports_and_writes_nothing(ticket, agent):
    trigger = make(
        "Would tag",
        ["ticket_created"],
        [
            {"type": "set_fields", "fields": {"priority": "high"}},
            {"type": "add_tags", "tags": ["x"]},
        ],
        {"all": [{"field": "subject", "op": "contains", "value": "log in"}]},
        active=False,
    )
    before = TicketEvent.objects.count()
    result = dry_run(trigger=trigger, ticket=ticket)
    assert result["would_fire"] is True
    assert result["event"]["type"] == "ticket_created"
    assert result["actions"] == [
        {"type": "set_fields", "changes": {"priority": {"from": "normal", "to": "high"}}},
        {"type": "add_tags", "tags": ["x"]},
    ]
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert TicketEvent.objects.count() == before
    assert TriggerRun.objects.count() == 0


def test_trigger_validation_names_fields():
    from tandem.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        create_trigger(name="", events=["nope"], actions=[{"type": "explode"}])
    assert [e.field for e in caught.value.errors] == ["name", "events", "actions[0].type"]
    assert Trigger.objects.count() == 0
