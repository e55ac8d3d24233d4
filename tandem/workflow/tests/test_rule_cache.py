"""The cached active triggers: every write through the actions is seen by the next event, in
this process and in another one (simulated: a cache left alone while the stamp moves)."""

import pytest
from django.db import transaction
from django.utils import timezone

from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions as ticket_actions
from tandem.tickets.models import TicketEvent
from tandem.workflow import actions, rule_cache
from tandem.workflow.models import RulesVersion, Trigger

pytestmark = pytest.mark.django_db

TAG_VIP = [{"type": "add_tags", "tags": ["vip"]}]


def subject_contains(word):
    return {"all": [{"field": "subject", "op": "contains", "value": word}]}


def tagging_trigger(word="refund", **extra):
    return actions.create_trigger(
        name="VIP words",
        events=["priority_changed"],
        conditions=subject_contains(word),
        actions=TAG_VIP,
        **extra,
    )


def fires_on(customer, agent, subject) -> bool:
    """Change a new ticket's priority; whether the trigger tagged it."""
    ticket = factories.make_ticket(contact=customer, subject=subject)
    ticket_actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, priority="high")
    return TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.TRIGGER_FIRED).exists()


def test_edited_conditions_apply_to_the_next_event(customer, agent):
    trigger = tagging_trigger("refund")
    assert fires_on(customer, agent, "A refund please")
    actions.update_trigger(trigger=trigger, conditions=subject_contains("invoice"))
    assert not fires_on(customer, agent, "A refund please")
    assert fires_on(customer, agent, "The invoice is wrong")


def test_switched_off_and_deleted_triggers_stop_firing(customer, agent):
    trigger = tagging_trigger()
    assert fires_on(customer, agent, "refund")
    actions.update_trigger(trigger=trigger, active=False)
    assert not fires_on(customer, agent, "refund")
    actions.update_trigger(trigger=trigger, active=True)
    assert fires_on(customer, agent, "refund")
    actions.delete_trigger(trigger=trigger)
    assert not fires_on(customer, agent, "refund")


def test_a_new_trigger_fires_on_the_next_event(customer, agent):
    assert not fires_on(customer, agent, "refund")  # caches the empty rule set
    tagging_trigger()
    assert fires_on(customer, agent, "refund")


def test_an_edit_made_by_another_process_is_seen_through_the_stamp(customer, agent):
    trigger = tagging_trigger("refund")
    assert fires_on(customer, agent, "refund")  # this process has the rules cached
    # Another process edits the trigger and moves the stamp; this process's cache is untouched.
    Trigger.objects.filter(pk=trigger.pk).update(conditions=subject_contains("invoice"))
    RulesVersion.objects.filter(pk=1).update(token="written-by-the-worker")
    assert not fires_on(customer, agent, "refund")
    assert fires_on(customer, agent, "invoice")


def test_a_new_process_loads_the_rules_as_they_stand(customer, agent):
    tagging_trigger("refund")
    assert fires_on(customer, agent, "refund")
    rule_cache.forget_local_rules()  # a process that just started: no cache, same stamp
    assert fires_on(customer, agent, "refund")
    assert not fires_on(customer, agent, "invoice")


def test_a_rolled_back_edit_is_never_used(customer, agent):
    trigger = tagging_trigger("refund")
    assert fires_on(customer, agent, "refund")
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.update_trigger(trigger=trigger, conditions=subject_contains("invoice"))
        assert fires_on(customer, agent, "invoice")  # cached inside the transaction
        raise RuntimeError("the edit is abandoned")
    assert fires_on(customer, agent, "refund")
    assert not fires_on(customer, agent, "invoice")


def test_every_rule_write_moves_the_stamp(customer):
    tokens = []

    def stamp():
        tokens.append(rule_cache.current_token())

    trigger = tagging_trigger()
    stamp()
    actions.update_trigger(trigger=trigger, name="Renamed")
    stamp()
    other = actions.create_trigger(name="Other", events=["ticket_created"], actions=TAG_VIP)
    stamp()
    actions.move_trigger(trigger=other, direction="up")
    stamp()
    actions.delete_trigger(trigger=other)
    stamp()
    automation = actions.create_automation(
        name="Close", time_condition="solved_for", minutes=60, actions=TAG_VIP
    )
    stamp()
    actions.update_automation(automation=automation, active=False)
    stamp()
    actions.move_automation(automation=automation, direction="down")
    stamp()
    actions.delete_automation(automation=automation)
    stamp()
    assert None not in tokens
    assert len(set(tokens)) == len(tokens) == 9


def test_a_cached_rule_set_costs_one_query(django_assert_num_queries):
    tagging_trigger()
    rule_cache.active_rules()
    with django_assert_num_queries(1):
        rules = rule_cache.active_rules()
    assert [ct.trigger.name for ct in rules.listening(["priority_changed"])] == ["VIP words"]


def test_listening_triggers_come_in_trigger_order_each_once():
    late = actions.create_trigger(
        name="Late", events=["ticket_created", "status_changed"], actions=TAG_VIP, position=5
    )
    early = actions.create_trigger(
        name="Early", events=["status_changed"], actions=TAG_VIP, position=1
    )
    actions.create_trigger(name="Off", events=["status_changed"], actions=TAG_VIP, active=False)
    listening = rule_cache.active_rules().listening(["ticket_created", "status_changed"])
    assert [ct.trigger for ct in listening] == [early, late]
    assert rule_cache.active_rules().listening(["sla_breached"]) == []


def test_a_desk_that_never_wrote_a_rule_still_sees_its_triggers(customer, agent):
    """Rows from before the stamp existed (or written around the actions) are loaded while
    there is no stamp at all."""
    Trigger.objects.create(
        name="Old", events=["priority_changed"], conditions=subject_contains("x"), actions=TAG_VIP
    )
    RulesVersion.objects.all().delete()
    rule_cache.forget_local_rules()
    assert rule_cache.current_token() is None
    assert fires_on(customer, agent, "x")
    RulesVersion.objects.create(pk=1, token="first-write", changed_at=timezone.now())
    Trigger.objects.all().delete()
    assert not fires_on(customer, agent, "x")
