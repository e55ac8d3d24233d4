"""Deflection: suggestions shown while typing a request, opened, and requests submitted,
counted per portal session; the acknowledgement mail lists the top suggestions."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.kb.models import DeflectionEvent
from tandem.kb.queries import deflection_stats, suggested_articles

pytestmark = pytest.mark.django_db


def _submit(client: Client, **fields):
    data = {
        "name": "Vera Visitor",
        "email": "vera@example.com",
        "subject": "Forgot my password",
        "description": "How do I reset my password?",
        **fields,
    }
    return client.post("/portal/submit/", data)


def test_suggested_articles_match_what_the_customer_wrote(public_article, hidden_articles):
    text = "I forgot my password and cannot get in, how do I reset it?"
    assert suggested_articles(text, limit=3) == [public_article]
    assert suggested_articles("", limit=3) == []


def test_request_form_has_the_debounced_suggestion_box(client):
    page = client.get("/portal/submit/").content.decode()
    assert 'hx-get="/help/suggest"' in page
    assert "delay:500ms" in page
    assert "django_htmx/htmx-2.min.js" in page


def test_opening_a_suggestion_and_leaving_counts_as_a_deflection(client, public_article):
    page = client.get("/help/suggest", {"subject": "reset password", "description": ""})
    assert f"{public_article.get_absolute_url()}?from=suggestion" in page.content.decode()
    assert client.get(f"{public_article.get_absolute_url()}?from=suggestion").status_code == 200

    stats = deflection_stats()
    assert (stats.sessions_shown, stats.sessions_opened, stats.sessions_submitted) == (1, 1, 0)
    assert stats.deflected == 1
    kinds = list(DeflectionEvent.objects.values_list("kind", "article"))
    assert kinds == [("shown", public_article.pk), ("opened", public_article.pk)]


def test_submitting_after_opening_a_suggestion_is_no_deflection(client, public_article):
    client.get("/help/suggest", {"subject": "reset password"})
    client.get(f"{public_article.get_absolute_url()}?from=suggestion")
    response = _submit(client)
    assert response.status_code == 302
    stats = deflection_stats()
    assert (stats.sessions_opened, stats.sessions_submitted, stats.deflected) == (1, 1, 0)


def test_sessions_are_counted_apart(public_article):
    deflected, submitted = Client(), Client()
    for visitor in (deflected, submitted):
        visitor.get("/help/suggest", {"subject": "reset password"})
        visitor.get(f"{public_article.get_absolute_url()}?from=suggestion")
    _submit(submitted)
    stats = deflection_stats()
    assert (stats.sessions_shown, stats.sessions_opened, stats.deflected) == (2, 2, 1)


def test_nothing_is_recorded_when_nothing_matches(client, public_article):
    page = client.get("/help/suggest", {"subject": "zebra crossing"}).content.decode()
    assert page.strip() == ""
    assert DeflectionEvent.objects.count() == 0


def test_acknowledgement_lists_the_top_suggestions(public_article, hidden_articles, customer):
    from django.conf import settings

    from tandem.mail.models import Mailbox
    from tandem.mail.outbox.acknowledgements import render_acknowledgement
    from tandem.testing import factories

    ticket = factories.make_ticket(
        contact=customer, subject="Password reset", body="I need to reset my password."
    )
    mailbox = Mailbox.objects.create(address="help@example.com")
    _, body = render_acknowledgement(mailbox=mailbox, ticket=ticket)
    assert "These articles may already answer your question:" in body
    assert f"- Reset your password: {settings.BASE_URL}{public_article.get_absolute_url()}" in body
    for article in hidden_articles:
        assert article.title not in body
