"""Mention parsing and highlighting, on plain values."""

from tandem.workflow.notification_mentions import (
    Mentionable,
    find_mentions,
    highlight_mentions,
)

ALEX = Mentionable(id=1, name="Alex Agent", email="alex@desk.test")
ALEXA = Mentionable(id=2, name="Alexandra Stone", email="astone@desk.test")
ADA = Mentionable(id=3, name="Ada Admin", email="ada.admin@desk.test")
AGENTS = [ALEX, ALEXA, ADA]


def ids(text):
    return [m.agent_id for m in find_mentions(text, AGENTS)]


def test_full_name_local_part_and_unique_first_name_are_mentions():
    assert ids("@Alex Agent please look") == [1]
    assert ids("ping @astone") == [2]
    assert ids("@ada.admin, can you check?") == [3]
    assert ids("thanks @Ada") == [3]


def test_longest_handle_wins_and_handles_end_at_a_word_boundary():
    assert ids("@Alexandra Stone knows") == [2]
    assert ids("@alexandra") == [2]  # the unique first name, not "@alex" + "andra"
    assert ids("@alexis is nobody") == []


def test_addresses_and_unknown_names_are_not_mentions():
    assert ids("write to carol@alex.test") == []
    assert ids("@nobody here") == []
    assert ids("no at sign") == []


def test_sentence_punctuation_after_a_mention_ends_it():
    assert ids("over to @alex.") == [1]
    assert ids("@alex-") == [1]


def test_every_occurrence_is_found_in_order():
    mentions = find_mentions("@ada then @alex and @ada again", AGENTS)
    assert [m.agent_id for m in mentions] == [3, 1, 3]
    assert mentions[1].token("@ada then @alex and @ada again") == "@alex"


def test_highlight_wraps_mentions_in_text_only():
    html = '<p>Hi @Alex Agent &amp; <a href="mailto:x@y.z">@ada</a> <b>@astone</b></p>'
    out = highlight_mentions(html, AGENTS, lambda agent_id: f"/inbox/?assignee={agent_id}")
    assert out == (
        '<p>Hi <a class="mention" href="/inbox/?assignee=1" data-agent="1">@Alex Agent</a>'
        ' &amp; <a href="mailto:x@y.z">@ada</a> <b>'
        '<a class="mention" href="/inbox/?assignee=2" data-agent="2">@astone</a></b></p>'
    )


def test_highlight_escapes_what_it_inserts():
    evil = Mentionable(id=9, name="Eve <script>", email="eve@desk.test")
    out = highlight_mentions("<p>@eve &lt;script&gt;</p>", [evil], lambda _: "/x")
    assert "<script>" not in out
    assert 'data-agent="9">@eve &lt;script&gt;</a>' in out
