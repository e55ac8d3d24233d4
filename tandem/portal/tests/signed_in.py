"""Test clients signed in the way people really sign in: customers by link, agents by password."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from tandem.portal.signin import create_sign_in_url
from tandem.testing.factories import PASSWORD


def path_of(url: str) -> str:
    """The path of an absolute portal URL, for the test client."""
    assert url.startswith(settings.BASE_URL + "/portal/"), url
    return url.removeprefix(settings.BASE_URL)


def portal_client(contact) -> Client:
    client = Client()
    response = client.post(path_of(create_sign_in_url(contact)))
    assert response.status_code == 302, response
    return client


def agent_client(agent) -> Client:
    client = Client()
    assert client.login(username=agent.email, password=PASSWORD)
    return client
