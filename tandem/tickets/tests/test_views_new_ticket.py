"""Agents opening a ticket on a customer's behalf."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.people.models import Contact
from tandem.tickets.models import Ticket

NEW = reverse("tickets:new")


def form(**overrides):
    data = {
        "email": "Pat@Phone.test",
        "name": "Pat Caller",
        "subject": "Card declined",
        "body": "Called in: card declined twice.",
        "channel": "phone",
        "priority": "high",
        "team": "",
    }
    data.update(overrides)
    return data


def test_agent_opens_a_ticket_for_a_new_customer(client, agent, team):
    client.force_login(agent.user)
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, form(team=team.pk))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.number])
    assert (ticket.subject, ticket.channel, ticket.priority, ticket.team, ticket.track) == (
        "Card declined",
        "phone",
        "high",
        team,
        "support",
    )
    assert (ticket.contact.email, ticket.contact.name) == ("pat@phone.test", "Pat Caller")
    message = ticket.messages.get()
    assert (message.body, message.author_kind, message.author_contact) == (
        "Called in: card declined twice.",
        "contact",
        ticket.contact,
    )
    assert message.meta == {"entered_by": agent.pk}
    assert ticket.events.get(kind="created").actor_agent == agent


def test_existing_customer_is_reused(client, agent, customer):
    client.force_login(agent.user)
    client.post(NEW, form(email=customer.email, name=""))
    assert Ticket.objects.get().contact == customer
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("subject", "", "This field is required."),
        ("body", "", "This field is required."),
        ("channel", "carrier-pigeon", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_and_nothing_is_created(client, agent, field, value, error):
    client.force_login(agent.user)
    response = client.post(NEW, form(**{field: value}))
    assert response.status_code == 422
    assert error in response.content.decode()
    assert Ticket.objects.count() == 0 and Contact.objects.count() == 0


def test_light_agent_cannot_open_tickets(client, light_agent):
    client.force_login(light_agent.user)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form()).status_code == 403
    assert Ticket.objects.count() == 0 and Contact.objects.count() == 0


def test_attachments_on_a_new_ticket(client, agent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(agent.user)
    client.post(NEW, {**form(), "attachments": [SimpleUploadedFile("r.pdf", b"%PDF-1.4")]})
    assert list(Ticket.objects.get().attachments.values_list("filename", flat=True)) == ["r.pdf"]


def test_new_ticket_lands_in_unassigned(client, agent):
    client.force_login(agent.user)
    client.post(NEW, form())
    ticket = Ticket.objects.get()
    response = client.get(reverse("tickets:inbox"), {"view": "unassigned"})
    assert [row.ticket.number for row in response.context["rows"]] == [ticket.number]
