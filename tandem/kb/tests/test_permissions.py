"""Drafts, archived and agents-only articles never reach anonymous visitors or customers:
not through a help-center page, its search, its sitemap, the suggestions, nor the API."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.kb.models import Article

pytestmark = pytest.mark.django_db


def _help_pages(article: Article) -> list[str]:
    return [
        article.get_absolute_url(),
        f"/help/articles/{article.pk}/",
        f"/help/articles/{article.pk}-anything/",
    ]


@pytest.fixture(params=["anonymous", "customer", "agent"])
def reader(request, customer):
    """Whoever reads the help center sees only public articles there, agents included."""
    if request.param == "anonymous":
        return Client()
    if request.param == "customer":
        return request.getfixturevalue("customer_client")
    return request.getfixturevalue("agent_client")


def test_hidden_articles_are_404_on_every_help_center_url(reader, hidden_articles):
    for article in hidden_articles:
        for url in _help_pages(article):
            assert reader.get(url).status_code == 404, url
        assert (
            reader.post(f"/help/articles/{article.pk}/vote/", {"helpful": "yes"}).status_code == 404
        )
    assert Article.objects.filter(helpful_yes__gt=0).count() == 0
    assert Article.objects.filter(view_count__gt=0).count() == 0


def test_public_article_is_readable_by_everyone(reader, public_article):
    response = reader.get(public_article.get_absolute_url())
    assert response.status_code == 200
    assert b"<strong>Settings</strong>" in response.content


def test_help_center_search_finds_only_public_articles(reader, public_article, hidden_articles):
    response = reader.get("/help/search", {"q": "password"})
    page = response.content.decode()
    assert response.status_code == 200
    assert public_article.get_absolute_url() in page
    for article in hidden_articles:
        assert f"/help/articles/{article.pk}-" not in page
        assert article.title not in page


def test_sitemap_lists_only_public_articles(reader, public_article, hidden_articles):
    response = reader.get("/help/sitemap.xml")
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert f"http://testserver{public_article.get_absolute_url()}" in body
    assert body.count("<url>") == 2  # the home page and the one public article
    for article in hidden_articles:
        assert f"/help/articles/{article.pk}-" not in body


def test_suggestions_offer_only_public_articles(reader, public_article, hidden_articles):
    page = reader.get("/help/suggest", {"subject": "password", "description": ""}).content.decode()
    assert public_article.title in page
    for article in hidden_articles:
        assert article.title not in page


def test_home_category_and_section_pages_hide_hidden_articles(
    reader, public_article, hidden_articles
):
    section = public_article.section
    category = section.category
    for url in [
        "/help/",
        f"/help/categories/{category.pk}-{category.slug}/",
        f"/help/sections/{section.pk}-{section.slug}/",
    ]:
        page = reader.get(url).content.decode()
        assert public_article.title in page, url
        for article in hidden_articles:
            assert article.title not in page, url


def test_a_category_with_only_hidden_articles_is_404(reader, agent, hidden_articles):
    category = hidden_articles[0].category
    assert reader.get(f"/help/categories/{category.pk}-{category.slug}/").status_code == 404
    section = hidden_articles[0].section
    assert reader.get(f"/help/sections/{section.pk}-{section.slug}/").status_code == 404


def test_api_needs_a_token_for_every_article_endpoint(anon_api, public_article, category):
    for path in ["articles", f"articles/{public_article.pk}", "categories"]:
        response = anon_api.get(path)
        assert response.status_code == 401, path
    response = anon_api.post("articles", {"title": "x", "body": "y"})
    assert response.status_code == 401
    assert Article.objects.count() == 1


def test_customers_get_nothing_from_the_api_with_their_portal_session(
    customer_client, public_article, hidden_articles
):
    for article in [public_article, *hidden_articles]:
        response = customer_client.get(f"/api/v1/articles/{article.pk}")
        assert response.status_code == 401
    assert customer_client.get("/api/v1/articles").status_code == 401


def test_editor_pages_are_for_agents_only(customer_client, public_article, draft_article):
    for client in (Client(), customer_client):
        for url in [
            "/kb/",
            f"/kb/{draft_article.pk}/",
            f"/kb/{draft_article.pk}/history/",
            "/kb/gaps/",
        ]:
            response = client.get(url)
            assert response.status_code in (302, 403), url
            assert draft_article.title.encode() not in response.content


def test_light_agents_read_but_do_not_write_articles(light_client, draft_article):
    assert light_client.get(f"/kb/{draft_article.pk}/").status_code == 200
    response = light_client.post(f"/kb/{draft_article.pk}/status/", {"to": "publish"})
    assert response.status_code == 403
    response = light_client.post(
        f"/kb/{draft_article.pk}/", {"title": "Changed", "body": "x", "audience": "public"}
    )
    assert response.status_code == 403
    draft_article.refresh_from_db()
    assert (draft_article.status, draft_article.title) == ("draft", "Password rotation draft")
