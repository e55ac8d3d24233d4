"""The articles API: the interface the checks use, validation naming the field, roles."""

from __future__ import annotations

import pytest

from tandem.kb.models import Article, ArticleVersion

pytestmark = pytest.mark.django_db


def test_create_article_answers_201_with_id_and_help_center_url(agent_api):
    response = agent_api.post(
        "articles",
        {
            "title": "Reset your password",
            "body": "Press **Reset**.",
            "status": "published",
            "audience": "public",
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    article = Article.objects.get()
    assert data["id"] == article.pk
    assert data["url"] == f"/help/articles/{article.pk}-reset-your-password/"
    assert data["html"] == "<p>Press <strong>Reset</strong>.</p>\n"
    assert (article.status, article.audience) == ("published", "public")
    assert article.published_at is not None
    assert ArticleVersion.objects.filter(article=article).count() == 1


def test_created_article_is_served_at_its_url(agent_api, client):
    data = agent_api.post(
        "articles",
        {
            "title": "Shipping times",
            "body": "Two days.",
            "status": "published",
            "audience": "public",
        },
    ).json()
    assert client.get(data["url"]).status_code == 200
    draft = agent_api.post(
        "articles", {"title": "Draft", "body": "Soon.", "status": "draft", "audience": "public"}
    ).json()
    assert client.get(draft["url"]).status_code == 404


def test_category_is_accepted_by_id_or_by_name(agent_api, category):
    by_id = agent_api.post("articles", {"title": "A", "body": "b", "category": category.pk})
    by_name = agent_api.post("articles", {"title": "B", "body": "b", "category": "account"})
    assert by_id.status_code == by_name.status_code == 201
    assert by_id.json()["category"] == by_name.json()["category"] == category.pk


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "b"}, "title"),
        ({"title": "t"}, "body"),
        ({"title": "t", "body": "b", "status": "archived"}, "status"),
        ({"title": "t", "body": "b", "audience": "everyone"}, "audience"),
        ({"title": "t", "body": "b", "category": 999}, "category"),
        ({"title": "t", "body": "b", "category": "No such"}, "category"),
        ({"title": "  ", "body": "b"}, "title"),
        ({"title": "t", "body": "b", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(agent_api, category, payload, field):
    response = agent_api.post("articles", payload)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert Article.objects.count() == 0


def test_light_agents_and_read_tokens_cannot_write(light_api, read_api):
    payload = {"title": "t", "body": "b"}
    assert light_api.post("articles", payload).status_code == 403
    assert read_api.post("articles", payload).status_code == 403
    assert Article.objects.count() == 0


def test_agents_list_every_article_with_filters(agent_api, public_article, hidden_articles):
    every = agent_api.get("articles").json()
    assert {item["id"] for item in every["items"]} == {
        public_article.pk,
        *[a.pk for a in hidden_articles],
    }
    drafts = agent_api.get("articles", {"status": "draft"}).json()["items"]
    assert [item["id"] for item in drafts] == [hidden_articles[0].pk]
    page = agent_api.get("articles", {"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next"]


def test_patch_saves_a_version_and_publish_and_archive_change_status(agent_api, draft_article):
    response = agent_api.patch(f"articles/{draft_article.pk}", {"body": "New text."})
    assert response.status_code == 200
    assert response.json()["body"] == "New text."
    assert draft_article.versions.count() == 2
    published = agent_api.post(f"articles/{draft_article.pk}/publish").json()
    assert published["status"] == "published"
    archived = agent_api.post(f"articles/{draft_article.pk}/archive").json()
    assert archived["status"] == "archived"


def test_unknown_article_is_404(agent_api):
    assert agent_api.get("articles/999").status_code == 404
    assert agent_api.post("articles/999/publish").status_code == 404


def test_categories_and_sections(agent_api):
    category = agent_api.post("categories", {"name": "Billing", "ticket_category": "billing"})
    assert category.status_code == 201
    section = agent_api.post(f"categories/{category.json()['id']}/sections", {"name": "Invoices"})
    assert section.status_code == 201
    listed = agent_api.get("categories").json()
    assert listed[0]["name"] == "Billing"
    assert listed[0]["sections"][0]["name"] == "Invoices"
    duplicate = agent_api.post("categories", {"name": "billing"})
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["field"] == "name"
