"""Knowledge-base test fixtures: one article of each visibility, and signed-in clients."""

from __future__ import annotations

import pytest

from tandem.api.tests.fixtures import *  # noqa: F403
from tandem.kb import actions
from tandem.kb.models import Article
from tandem.portal.tests import signed_in


@pytest.fixture
def category(agent):
    return actions.create_category(agent=agent, name="Account", ticket_category="account")


@pytest.fixture
def section(agent, category):
    return actions.create_section(agent=agent, category=category, name="Signing in")


@pytest.fixture
def public_article(agent, section):
    return actions.create_article(
        agent=agent,
        title="Reset your password",
        body="Open **Settings**, choose *Security* and press Reset password.",
        status=Article.Status.PUBLISHED,
        audience=Article.Audience.PUBLIC,
        section=section,
    )


@pytest.fixture
def draft_article(agent, section):
    return actions.create_article(
        agent=agent,
        title="Password rotation draft",
        body="Secret draft about password rotation.",
        status=Article.Status.DRAFT,
        audience=Article.Audience.PUBLIC,
        section=section,
    )


@pytest.fixture
def internal_article(agent, section):
    return actions.create_article(
        agent=agent,
        title="Password override for agents",
        body="Internal: override a customer's password from the admin console.",
        status=Article.Status.PUBLISHED,
        audience=Article.Audience.AGENTS,
        section=section,
    )


@pytest.fixture
def archived_article(agent, section):
    article = actions.create_article(
        agent=agent,
        title="Old password policy",
        body="Archived password policy.",
        status=Article.Status.PUBLISHED,
        section=section,
    )
    return actions.archive_article(agent=agent, article=article)


@pytest.fixture
def hidden_articles(draft_article, internal_article, archived_article):
    return [draft_article, internal_article, archived_article]


@pytest.fixture
def customer_client(customer):
    return signed_in.portal_client(customer)


@pytest.fixture
def agent_client(agent):
    return signed_in.agent_client(agent)


@pytest.fixture
def light_client(light_agent):
    return signed_in.agent_client(light_agent)
