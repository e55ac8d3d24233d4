"""Help-center and editor pages: slugs, votes, views, search logging, editing, history,
article from ticket, reply-link counting and the knowledge-gap report."""

from __future__ import annotations

import pytest
from django.conf import settings

from tandem.kb import actions
from tandem.kb.models import Article, HelpSearch

pytestmark = pytest.mark.django_db


def test_a_wrong_slug_redirects_to_the_right_one(client, public_article):
    response = client.get(f"/help/articles/{public_article.pk}-old-title/")
    assert response.status_code == 301
    assert response["Location"] == f"/help/articles/{public_article.pk}-reset-your-password/"


def test_article_page_has_breadcrumbs_feedback_and_a_request_link(client, public_article):
    page = client.get(public_article.get_absolute_url()).content.decode()
    assert 'aria-label="Breadcrumb"' in page
    assert ">Account</a>" in page and ">Signing in</a>" in page
    assert "Was this helpful?" in page
    assert 'href="/portal/submit/"' in page
    assert 'name="viewport"' in page
    public_article.refresh_from_db()
    assert public_article.view_count == 1


def test_voting_from_the_help_center(client, public_article):
    response = client.post(
        f"/help/articles/{public_article.pk}/vote/", {"helpful": "no", "comment": "Unclear"}
    )
    assert response.status_code == 302
    public_article.refresh_from_db()
    assert (public_article.helpful_yes, public_article.helpful_no) == (0, 1)
    assert public_article.votes.get().comment == "Unclear"
    bad = client.post(f"/help/articles/{public_article.pk}/vote/", {"helpful": "maybe"})
    assert bad.status_code == 302
    assert public_article.votes.count() == 1


def test_searches_are_logged_and_empty_ones_reach_the_gap_report(
    client, agent_client, public_article, ticket
):
    client.get("/help/search", {"q": "password"})
    client.get("/help/search", {"q": "Refund   policy"})
    client.get("/help/search", {"q": "refund policy"})
    assert list(HelpSearch.objects.values_list("normalized", "result_count")) == [
        ("password", 1),
        ("refund policy", 0),
        ("refund policy", 0),
    ]
    ticket.category = "billing"
    ticket.save(update_fields=["category"])
    page = agent_client.get("/kb/gaps/").content.decode()
    assert "<td>refund policy</td><td>2</td>" in page
    assert "<td>billing</td><td>1</td>" in page


def test_ticket_category_with_a_published_article_is_no_gap(agent_client, public_article, ticket):
    ticket.category = "account"  # the ticket category of the article's category
    ticket.save(update_fields=["category"])
    assert "<td>account</td>" not in agent_client.get("/kb/gaps/").content.decode()


def test_a_published_articles_tag_answers_that_ticket_category(agent_client, agent, ticket):
    ticket.category = "crash"
    ticket.save(update_fields=["category"])
    assert "<td>crash</td>" in agent_client.get("/kb/gaps/").content.decode()
    draft = actions.create_article(agent=agent, title="App crashes", body="Update.", tags=["crash"])
    assert "<td>crash</td>" in agent_client.get("/kb/gaps/").content.decode()  # a draft: no
    actions.publish_article(agent=agent, article=draft)
    assert "<td>crash</td>" not in agent_client.get("/kb/gaps/").content.decode()


def test_agent_creates_saves_and_publishes_in_the_editor(agent_client):
    response = agent_client.post(
        "/kb/new/", {"title": "Change e-mail", "body": "Go to *Profile*.", "audience": "public"}
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert article.status == "draft"
    response = agent_client.post(
        f"/kb/{article.pk}/",
        {
            "title": "Change your e-mail",
            "body": "Go to *Profile*.",
            "audience": "public",
            "intent": "publish",
        },
    )
    article.refresh_from_db()
    assert (article.title, article.status) == ("Change your e-mail", "published")
    assert article.versions.count() == 2
    assert agent_client.post(f"/kb/{article.pk}/status/", {"to": "archive"}).status_code == 302
    article.refresh_from_db()
    assert article.status == "archived"


def test_editor_form_errors_name_the_field(agent_client):
    response = agent_client.post("/kb/new/", {"title": "", "body": "x", "audience": "public"})
    assert response.status_code == 400
    assert Article.objects.count() == 0


def test_live_preview_renders_sanitised_markdown(agent_client):
    response = agent_client.post("/kb/preview/", {"body": "**bold** <script>x</script>"})
    assert b"<strong>bold</strong>" in response.content
    assert b"<script>" not in response.content


def test_history_shows_a_diff_and_restores(agent_client, agent, draft_article):
    actions.update_article(agent=agent, article=draft_article, body="Second text.")
    page = agent_client.get(f"/kb/{draft_article.pk}/history/?from=1&to=2").content.decode()
    assert '<span class="diff-add">+Second text.</span>' in page
    assert agent_client.post(f"/kb/{draft_article.pk}/history/1/restore/").status_code == 302
    draft_article.refresh_from_db()
    assert draft_article.body == "Secret draft about password rotation."
    assert draft_article.versions.count() == 3


def test_create_article_from_the_ticket_page(agent_client, agent, ticket):
    from tandem.people.actors import Actor
    from tandem.tickets.actions import add_message

    page = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert f'action="/kb/from-ticket/{ticket.number}/"' in page
    add_message(actor=Actor.for_agent(agent), ticket=ticket, body="Use the reset link we sent.")
    response = agent_client.post(f"/kb/from-ticket/{ticket.number}/")
    article = Article.objects.get()
    assert response["Location"] == f"/kb/{article.pk}/"
    assert (article.body, article.status) == ("Use the reset link we sent.", "draft")


def test_public_agent_replies_with_article_links_are_counted(agent, ticket, public_article):
    from tandem.people.actors import Actor
    from tandem.tickets.actions import add_message

    link = f"https://help.example.com{public_article.get_absolute_url()}"
    add_message(actor=Actor.for_agent(agent), ticket=ticket, body=f"See {link} and {link}")
    add_message(
        actor=Actor.for_agent(agent), ticket=ticket, body=f"Note: {link}", visibility="internal"
    )
    public_article.refresh_from_db()
    assert public_article.linked_in_replies == 1


def test_ticket_page_panel_suggests_published_articles_to_read_or_link(
    agent_client, ticket, public_article, internal_article, draft_article
):
    # "Cannot log in: the login page says my password is wrong." shares "password".
    response = agent_client.get(f"/kb/for-ticket/{ticket.number}/")
    html = response.content.decode()
    assert response.status_code == 200
    public_url = f"{settings.BASE_URL}/help/articles/{public_article.pk}-reset-your-password/"
    assert f'data-insert-link="{public_url}"' in html
    # Agents-only: listed to read in the editor, with no link to send to the customer.
    assert f'href="/kb/{internal_article.pk}/"' in html and "agents only" in html
    assert html.count("data-insert-link=") == 1
    assert draft_article.title not in html


def test_ticket_suggestions_follow_ticket_visibility(other_team_agent, ticket, public_article):
    from tandem.portal.tests import signed_in

    client = signed_in.agent_client(other_team_agent)
    assert client.get(f"/kb/for-ticket/{ticket.number}/").status_code == 404


def test_ticket_without_a_matching_article_says_so(agent_client, ticket):
    html = agent_client.get(f"/kb/for-ticket/{ticket.number}/").content.decode()
    assert "No published article matches this ticket yet." in html
