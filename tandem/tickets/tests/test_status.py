from hypothesis import given
from hypothesis import strategies as st

from tandem.tickets import status as machine

STATUSES = ["new", "open", "pending", "on_hold", "solved", "closed"]


def test_closed_is_final():
    assert machine.allowed_next("closed") == frozenset()
    assert not any(machine.can_transition("closed", s) for s in STATUSES)


def test_only_solved_tickets_can_be_closed():
    assert [s for s in STATUSES if machine.can_transition(s, "closed")] == ["solved"]


def test_nothing_goes_back_to_new():
    assert not any(machine.can_transition(s, "new") for s in STATUSES)


def test_customer_message_reopens_waiting_and_solved_tickets():
    assert machine.after_customer_message("pending") == "open"
    assert machine.after_customer_message("on_hold") == "open"
    assert machine.after_customer_message("solved") == "open"
    assert machine.after_customer_message("new") == "new"
    assert machine.after_customer_message("open") == "open"


def test_first_agent_reply_takes_new_ticket_into_work():
    assert machine.after_agent_reply("new") == "open"
    assert machine.after_agent_reply("pending") == "pending"


@given(st.sampled_from(STATUSES), st.sampled_from(STATUSES))
def test_reopening_is_a_transition_out_of_solved(current, new):
    assert machine.is_reopening(current, new) == (
        current == "solved" and new not in ("solved", "closed")
    )


@given(st.lists(st.sampled_from(STATUSES), max_size=30))
def test_any_walk_of_allowed_transitions_never_leaves_closed(walk):
    current = "new"
    for wanted in walk:
        if machine.can_transition(current, wanted):
            assert current != "closed"
            current = wanted
