"""Portal test fixtures: a fresh cache per test (rate limits) and signed-in clients."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tandem.portal.tests import signed_in
from tandem.testing import factories


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def customer_client(customer):
    return signed_in.portal_client(customer)


@pytest.fixture
def other_client(other_customer):
    return signed_in.portal_client(other_customer)


@pytest.fixture
def agent_client(agent):
    return signed_in.agent_client(agent)


@pytest.fixture
def organization(db):
    return factories.make_organization(name="Acme", domains=["acme.test"], shares_requests=True)
