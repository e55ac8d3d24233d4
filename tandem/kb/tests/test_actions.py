"""Article writes: Markdown sanitised, every save a version, diffs, restore, votes, search."""

from __future__ import annotations

import pytest

from tandem.core import search
from tandem.core.errors import InvalidInput, NotAllowed
from tandem.kb import actions
from tandem.kb.editor_views import _diff
from tandem.kb.models import Article, ArticleVote
from tandem.kb.queries import search_public_articles

pytestmark = pytest.mark.django_db


def test_markdown_is_rendered_and_sanitised(agent):
    article = actions.create_article(
        agent=agent,
        title="Links",
        body=(
            "Hi <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.com)"
            "\n\n| a |\n|---|\n| b |"
        ),
    )
    assert "<script" not in article.body_html
    assert 'href="javascript' not in article.body_html  # markdown-it refuses the link
    assert (
        '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>'
        in article.body_html
    )
    assert "<table>" in article.body_html


def test_every_title_or_body_change_is_a_version_with_its_author(agent, admin, draft_article):
    actions.update_article(agent=admin, article=draft_article, body="Second body.")
    actions.update_article(agent=agent, article=draft_article, tags=["only-tags"])
    versions = list(draft_article.versions.order_by("number"))
    assert [(v.number, v.author, v.body) for v in versions] == [
        (1, agent, "Secret draft about password rotation."),
        (2, admin, "Second body."),
    ]


def test_diff_between_versions_shows_removed_and_added_lines(agent, draft_article):
    actions.update_article(agent=agent, article=draft_article, title="Rotation", body="New line.")
    newer, older = list(draft_article.versions.all())
    lines = _diff(older, newer)
    assert ("del", "-# Password rotation draft") in lines
    assert ("add", "+# Rotation") in lines
    assert ("del", "-Secret draft about password rotation.") in lines
    assert ("add", "+New line.") in lines


def test_restore_makes_the_old_text_the_newest_version(agent, admin, draft_article):
    actions.update_article(agent=agent, article=draft_article, title="Rotation", body="Changed.")
    first = draft_article.versions.get(number=1)
    restored = actions.restore_version(agent=admin, article=draft_article, version=first)
    assert (restored.title, restored.body) == ("Password rotation draft", first.body)
    assert restored.slug == "password-rotation-draft"
    newest = restored.versions.first()
    assert (newest.number, newest.author, newest.note) == (3, admin, "Restored version 1")


def test_restore_refuses_a_version_of_another_article(agent, draft_article, public_article):
    other = public_article.versions.get()
    with pytest.raises(InvalidInput):
        actions.restore_version(agent=agent, article=draft_article, version=other)
    assert draft_article.versions.count() == 1


def test_light_agents_cannot_write(light_agent, draft_article):
    with pytest.raises(NotAllowed):
        actions.create_article(agent=light_agent, title="t", body="b")
    with pytest.raises(NotAllowed):
        actions.publish_article(agent=light_agent, article=draft_article)
    draft_article.refresh_from_db()
    assert draft_article.status == "draft"
    assert Article.objects.count() == 1


def test_votes_count_yes_and_no_and_keep_comments(public_article):
    actions.vote_on_article(article=public_article, helpful=True)
    actions.vote_on_article(article=public_article, helpful=False, comment="Step 3 is missing")
    public_article.refresh_from_db()
    assert (public_article.helpful_yes, public_article.helpful_no) == (1, 1)
    assert ArticleVote.objects.get(value="no").comment == "Step 3 is missing"


def test_too_long_comment_is_refused(public_article):
    with pytest.raises(InvalidInput) as error:
        actions.vote_on_article(article=public_article, helpful=True, comment="x" * 2001)
    assert error.value.errors[0].field == "comment"
    assert ArticleVote.objects.count() == 0


def test_search_follows_publish_and_archive(agent, draft_article):
    assert search_public_articles("rotation") == []
    actions.publish_article(agent=agent, article=draft_article)
    assert [hit.article for hit in search_public_articles("rotation")] == [draft_article]
    hit = search.query("rotation", kinds=["article"]).hits[0]
    assert hit.facets == {"status": "published", "audience": "public"}
    actions.archive_article(agent=agent, article=draft_article)
    assert search_public_articles("rotation") == []


def test_help_search_ranks_the_title_match_first(agent):
    for title, body in [
        ("Invoices and receipts", "Download an invoice for a refund request."),
        ("Request a refund", "Refunds take five days."),
        ("Shipping", "We ship refunds of shipping costs rarely."),
    ]:
        actions.create_article(agent=agent, title=title, body=body, status="published")
    assert search_public_articles("refund")[0].article.title == "Request a refund"


def test_article_from_ticket_drafts_the_latest_public_agent_reply(agent, ticket):
    from tandem.people.actors import Actor
    from tandem.tickets.actions import add_message

    add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Clear your cookies, then retry.")
    article = actions.create_article_from_ticket(agent=agent, ticket=ticket)
    assert (article.title, article.body, article.status) == (
        "Cannot log in",
        "Clear your cookies, then retry.",
        "draft",
    )
