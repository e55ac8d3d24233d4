"""Attachment downloads: access through ticket_for, never rendered by the browser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.testing import factories
from tandem.tickets.actions import IncomingFile


def attach(ticket_kwargs, filename, content, content_type):
    ticket = factories.make_ticket(
        attachments=[IncomingFile(filename=filename, content=content, content_type=content_type)],
        **ticket_kwargs,
    )
    return ticket, ticket.attachments.get()


@pytest.fixture
def html_file(db, customer, team):
    return attach(
        {"contact": customer, "team": team},
        "invoice.html",
        b"<script>alert(document.cookie)</script>",
        "text/html",
    )


def download(client, attachment):
    return client.get(reverse("tickets:attachment", args=[attachment.pk]))


def test_agent_downloads_html_as_opaque_bytes(client, agent, html_file):
    _, attachment = html_file
    client.force_login(agent.user)
    response = download(client, attachment)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="invoice.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == b"<script>alert(document.cookie)</script>"


@pytest.mark.parametrize(
    ("filename", "stored", "served"),
    [
        ("logo.svg", "image/svg+xml", "application/octet-stream"),
        ("page.xhtml", "application/xhtml+xml", "application/octet-stream"),
        ("run.js", "text/javascript", "application/octet-stream"),
        ("shot.png", "image/png", "image/png"),
        ("report.pdf", "application/pdf", "application/pdf"),
        ("notes.txt", "text/plain; charset=utf-8", "text/plain"),
    ],
)
def test_only_harmless_types_keep_their_type(client, agent, customer, filename, stored, served):
    _, attachment = attach({"contact": customer}, filename, b"data", stored)
    client.force_login(agent.user)
    response = download(client, attachment)
    assert response["Content-Type"] == served
    assert response["Content-Disposition"].startswith("attachment;")


def test_light_agent_of_the_team_may_download(client, light_agent, html_file):
    client.force_login(light_agent.user)
    assert download(client, html_file[1]).status_code == 200


def test_agent_of_another_team_gets_404(client, other_team_agent, html_file):
    client.force_login(other_team_agent.user)
    assert download(client, html_file[1]).status_code == 404


def test_unknown_attachment_is_404(client, agent, db):
    client.force_login(agent.user)
    assert client.get(reverse("tickets:attachment", args=[987654])).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, html_file):
    response = download(client, html_file[1])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_attachment_links_appear_on_the_message(client, agent, html_file):
    ticket, attachment = html_file
    client.force_login(agent.user)
    html = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    assert f'href="{reverse("tickets:attachment", args=[attachment.pk])}" download' in html
    assert "invoice.html" in html
