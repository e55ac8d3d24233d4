"""`tandem search rebuild` and `tandem search catch-up`."""

import pytest
from django.core.management import CommandError, call_command

from tandem.core import event_bus, search
from tandem.core.search.models import SearchDocument
from tandem.testing import factories

pytestmark = [pytest.mark.db_facing, pytest.mark.django_db]


def test_rebuild_replaces_every_kind_and_reports_counts(capsys):
    ticket = factories.make_ticket(subject="Damaged umbrella")
    SearchDocument.objects.filter(kind="ticket").update(title="stale")
    search.index_document(
        kind="ticket", key=999999, title="orphan", body="", facets={}, updated_at=ticket.updated_at
    )
    call_command("search", "rebuild")
    out = capsys.readouterr().out
    assert "Indexed 1 ticket documents" in out
    assert "Indexed 1 contact documents" in out
    assert "Search index rebuilt in" in out
    assert [hit.key for hit in search.query("umbrella").hits] == [ticket.number]
    assert search.query("orphan").hits == []


def test_rebuild_of_one_kind_leaves_the_others(capsys):
    ticket = factories.make_ticket(subject="Umbrella")
    call_command("search", "rebuild", "--kind", "contact")
    assert "ticket" not in capsys.readouterr().out
    assert [hit.key for hit in search.query("umbrella").hits] == [ticket.number]


def test_rebuild_refuses_an_unknown_kind():
    with pytest.raises(CommandError, match="unknown kind spaceships"):
        call_command("search", "rebuild", "--kind", "spaceships")


def test_catch_up_indexes_quiet_writes(capsys):
    with event_bus.quiet():
        factories.make_ticket(subject="Imported umbrella")
    call_command("search", "catch-up")
    assert "1 ticket" in capsys.readouterr().out
    assert len(search.query("umbrella").hits) == 1


def test_progress_bar_shows_share_and_counts():
    from tandem.core.management.commands.search import progress_bar

    assert progress_bar("ticket", 250, 1000) == (
        "ticket        [########----------------------]  25% 250/1,000"
    )
    assert progress_bar("contact", 0, 0).endswith("100% 0/0")
