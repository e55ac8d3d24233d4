"""Related articles: picked in the editor by title, shown in the help center only when public."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_title_search_offers_other_articles_to_relate(agent_client, public_article, draft_article):
    response = agent_client.get(f"/kb/{public_article.pk}/related/search", {"q": "rotation"})
    assert response.status_code == 200
    page = response.content.decode()
    assert draft_article.title in page
    assert f'name="add" value="{draft_article.pk}"' in page
    # The article itself is never offered.
    response = agent_client.get(f"/kb/{public_article.pk}/related/search", {"q": "reset"})
    assert public_article.title not in response.content.decode()


def test_already_related_articles_are_not_offered_again(
    agent_client, public_article, draft_article
):
    agent_client.post(f"/kb/{public_article.pk}/related/", {"add": draft_article.pk})
    response = agent_client.get(f"/kb/{public_article.pk}/related/search", {"q": "rotation"})
    assert f'value="{draft_article.pk}"' not in response.content.decode()


def test_add_and_remove_related(agent_client, public_article, draft_article):
    response = agent_client.post(f"/kb/{public_article.pk}/related/", {"add": draft_article.pk})
    assert response.status_code == 302
    assert list(public_article.related.all()) == [draft_article]
    assert list(draft_article.related.all()) == [public_article]  # both ways
    agent_client.post(f"/kb/{public_article.pk}/related/", {"remove": draft_article.pk})
    assert not public_article.related.exists()


def test_light_agents_cannot_change_related(light_client, public_article, draft_article):
    response = light_client.post(f"/kb/{public_article.pk}/related/", {"add": draft_article.pk})
    assert response.status_code == 403
    assert not public_article.related.exists()


def test_help_center_shows_only_public_related_articles(
    agent, agent_client, customer_client, public_article, hidden_articles, section
):
    from tandem.kb import actions

    other = actions.create_article(
        agent=agent, title="Change your email", body="x", status="published", section=section
    )
    for article in [*hidden_articles, other]:
        agent_client.post(f"/kb/{public_article.pk}/related/", {"add": article.pk})
    assert public_article.related.count() == 4
    agent_client.get("/kb/")  # shows (and so clears) the "Related to ..." messages
    for reader in (Client(), customer_client, agent_client):
        page = reader.get(public_article.get_absolute_url()).content.decode()
        assert "Related articles" in page
        assert other.get_absolute_url() in page
        for hidden in hidden_articles:
            assert hidden.title not in page
