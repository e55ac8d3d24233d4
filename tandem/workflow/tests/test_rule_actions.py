"""Moving triggers and automations (workflow.actions.move_*): neighbours swap, positions are
renumbered 1..n, a bad direction changes nothing, and the next event runs in the new order."""

import pytest

from tandem.core.errors import InvalidInput
from tandem.testing import factories
from tandem.workflow import actions
from tandem.workflow.models import Automation, Trigger, TriggerRun

pytestmark = pytest.mark.django_db

TAG = [{"type": "add_tags", "tags": ["moved"]}]


def three_triggers():
    return [
        actions.create_trigger(name=name, events=["ticket_created"], actions=TAG)
        for name in ("A", "B", "C")
    ]


def trigger_order():
    return list(Trigger.objects.order_by("position", "id").values_list("name", "position"))


def test_moving_up_swaps_with_the_trigger_above():
    _, _, c = three_triggers()
    moved = actions.move_trigger(trigger=c, direction="up")
    assert trigger_order() == [("A", 1), ("C", 2), ("B", 3)]
    assert moved.position == 2


def test_moving_down_swaps_with_the_trigger_below():
    a, _, _ = three_triggers()
    actions.move_trigger(trigger=a, direction="down")
    assert trigger_order() == [("B", 1), ("A", 2), ("C", 3)]


def test_the_first_stays_first_and_the_last_last():
    a, _, c = three_triggers()
    actions.move_trigger(trigger=a, direction="up")
    actions.move_trigger(trigger=c, direction="down")
    assert trigger_order() == [("A", 1), ("B", 2), ("C", 3)]


def test_equal_and_sparse_positions_are_renumbered_in_their_current_order():
    a, b, c = three_triggers()
    Trigger.objects.filter(pk__in=[a.pk, b.pk]).update(position=7)
    Trigger.objects.filter(pk=c.pk).update(position=40)
    actions.move_trigger(trigger=c, direction="up")
    assert trigger_order() == [("A", 1), ("C", 2), ("B", 3)]


@pytest.mark.parametrize("direction", ["", "sideways", "UP"])
def test_an_unknown_direction_is_refused_and_changes_nothing(direction):
    _, b, _ = three_triggers()
    before = trigger_order()
    with pytest.raises(InvalidInput) as refused:
        actions.move_trigger(trigger=b, direction=direction)
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("direction", "must be 'up' or 'down'")
    ]
    assert trigger_order() == before


def test_a_deleted_trigger_cannot_be_moved():
    a, b, _ = three_triggers()
    Trigger.objects.filter(pk=b.pk).delete()
    with pytest.raises(InvalidInput):
        actions.move_trigger(trigger=b, direction="up")
    assert trigger_order() == [("A", 1), ("C", 3)]


def test_the_next_event_runs_triggers_in_the_moved_order(customer):
    a, b, _ = three_triggers()
    first = factories.make_ticket(contact=customer, subject="Before")
    assert [r.trigger.name for r in TriggerRun.objects.filter(ticket=first).order_by("id")] == [
        "A",
        "B",
        "C",
    ]
    actions.move_trigger(trigger=b, direction="up")
    second = factories.make_ticket(contact=customer, subject="After")
    assert [r.trigger.name for r in TriggerRun.objects.filter(ticket=second).order_by("id")] == [
        "B",
        "A",
        "C",
    ]


def test_moving_an_automation_swaps_it_with_its_neighbour():
    made = [
        actions.create_automation(name=name, time_condition="solved_for", minutes=60, actions=TAG)
        for name in ("Close", "Survey")
    ]
    actions.move_automation(automation=made[1], direction="up")
    assert list(Automation.objects.order_by("position").values_list("name", "position")) == [
        ("Survey", 1),
        ("Close", 2),
    ]
    with pytest.raises(InvalidInput):
        actions.move_automation(automation=made[1], direction="top")
