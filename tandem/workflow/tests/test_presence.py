"""The presence board's rules: who is shown, typing, expiry; on plain values."""

from tandem.workflow import presence
from tandem.workflow.presence import STALE_AFTER, TYPING_FOR, expire, heard, left, viewers


def board_with(*entries, now=100.0):
    board = {}
    for channel, agent_id, name, typing in entries:
        board = heard(board, channel=channel, agent_id=agent_id, name=name, typing=typing, now=now)
    return board


def test_viewers_are_other_agents_once_each_sorted_typing_if_any_tab_is():
    board = board_with(
        ("c1", 2, "Zoe", False),
        ("c2", 3, "ada", False),
        ("c3", 3, "ada", True),
        ("c4", 1, "Me", True),
    )
    assert viewers(board, me=1, now=101.0) == [
        {"id": 3, "name": "ada", "typing": True},
        {"id": 2, "name": "Zoe", "typing": False},
    ]


def test_typing_ends_unless_renewed_and_silent_pages_expire():
    board = board_with(("c1", 2, "Zoe", True), now=100.0)
    assert viewers(board, me=1, now=100.0 + TYPING_FOR - 1)[0]["typing"] is True
    assert viewers(board, me=1, now=100.0 + TYPING_FOR)[0]["typing"] is False
    # Renewed: a new "typing" keeps the original start and extends it.
    renewed = heard(board, channel="c1", agent_id=2, name="Zoe", typing=True, now=105.0)
    assert renewed["c1"].typing_since == 100.0
    assert viewers(renewed, me=1, now=105.0 + TYPING_FOR - 1)[0]["typing"] is True

    later = expire(board, 100.0 + TYPING_FOR + 1)
    assert later["c1"].typing_since is None
    assert expire(board, 100.0 + STALE_AFTER) == {}
    assert viewers(board, me=1, now=100.0 + STALE_AFTER) == []


def test_leaving_removes_only_that_page():
    board = board_with(("c1", 2, "Zoe", False), ("c2", 2, "Zoe", False))
    assert list(left(board, "c1")) == ["c2"]
    assert viewers(left(left(board, "c1"), "c2"), me=1, now=100.0) == []


def test_heartbeat_is_well_inside_the_expiry():
    assert presence.HEARTBEAT_SECONDS * 2 < STALE_AFTER
