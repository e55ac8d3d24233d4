"""The variables a macro sees: plain strings copied out of a ticket, never model instances.

`context_for` is what the composer and the API render with; `sample_context` is what a
macro is checked against when it is saved, with every defined custom field present.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from tandem.core.field_definitions import active_definitions
from tandem.core.models import CustomField
from tandem.kb.macro_sandbox import MacroTemplateError, Variables, macro_callable
from tandem.kb.models import Article
from tandem.people.models import Agent
from tandem.tickets.models import Ticket


def _first_name(name: str) -> str:
    return name.split()[0] if name.strip() else ""


def _last_name(name: str) -> str:
    parts = name.split()
    return " ".join(parts[1:]) if len(parts) > 1 else ""


def _shown(value: Any) -> str:
    """A custom field value as text: the context holds nothing but strings."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value)
    return str(value)


def _custom_fields(path: str, entity: str, values: dict) -> Variables:
    keys = [d.key for d in active_definitions(entity)]
    return Variables(path, {key: _shown((values or {}).get(key)) for key in keys})


@macro_callable
def article_url(article_id: Any) -> str:
    """The help center link of a published public article."""
    try:
        pk = int(article_id)
    except (TypeError, ValueError):
        raise MacroTemplateError(f"article_url({article_id!r}): give an article id") from None
    article = Article.objects.filter(pk=pk).first()
    if article is None:
        raise MacroTemplateError(f"article_url({pk}): there is no article {pk}")
    if not article.is_public:
        raise MacroTemplateError(
            f"article_url({pk}): the article is not published in the public help center"
        )
    return article.public_url()


def _agent_variables(agent: Agent) -> Variables:
    return Variables(
        "agent",
        {
            "first_name": _first_name(agent.name),
            "name": agent.name,
            "signature": agent.signature,
        },
    )


def context_for(ticket: Ticket, agent: Agent) -> dict[str, Any]:
    """What a macro sees when `agent` uses it on `ticket`."""
    contact = ticket.contact
    organization = ticket.organization or contact.organization
    contact_name = contact.name or ""
    return {
        "contact": Variables(
            "contact",
            {
                "first_name": _first_name(contact_name),
                "last_name": _last_name(contact_name),
                "name": contact.display_name,
                "email": contact.email,
                "custom_fields": _custom_fields(
                    "contact.custom_fields", CustomField.Entity.CONTACT, contact.custom_fields
                ),
            },
        ),
        "organization": Variables(
            "organization", {"name": organization.name if organization else ""}
        ),
        "ticket": Variables(
            "ticket",
            {
                "number": str(ticket.number),
                "subject": ticket.subject,
                "status": ticket.get_status_display(),
                "priority": ticket.get_priority_display(),
                "url": settings.BASE_URL + reverse("portal:request", args=[ticket.number]),
                "custom_fields": _custom_fields(
                    "ticket.custom_fields", CustomField.Entity.TICKET, ticket.custom_fields
                ),
            },
        ),
        "agent": _agent_variables(agent),
        "article_url": article_url,
    }


def sample_context(agent: Agent | None) -> dict[str, Any]:
    """A made-up ticket with every documented variable filled, for checking a macro on save."""
    sample_values = {
        CustomField.Entity.TICKET: {},
        CustomField.Entity.CONTACT: {},
    }
    for entity, values in sample_values.items():
        for definition in active_definitions(entity):
            values[definition.key] = f"({definition.label})"
    agent_variables = (
        _agent_variables(agent)
        if agent is not None
        else Variables("agent", {"first_name": "Sam", "name": "Sam Agent", "signature": "Sam"})
    )
    return {
        "contact": Variables(
            "contact",
            {
                "first_name": "Jordan",
                "last_name": "Example",
                "name": "Jordan Example",
                "email": "jordan@example.com",
                "custom_fields": Variables(
                    "contact.custom_fields", sample_values[CustomField.Entity.CONTACT]
                ),
            },
        ),
        "organization": Variables("organization", {"name": "Example Ltd"}),
        "ticket": Variables(
            "ticket",
            {
                "number": "1234",
                "subject": "Example subject",
                "status": "Open",
                "priority": "Normal",
                "url": settings.BASE_URL + reverse("portal:request", args=[1234]),
                "custom_fields": Variables(
                    "ticket.custom_fields", sample_values[CustomField.Entity.TICKET]
                ),
            },
        ),
        "agent": agent_variables,
        "article_url": article_url,
    }
