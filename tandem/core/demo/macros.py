"""The demo desk's shared response templates (macros), written through kb.macro_actions."""

from __future__ import annotations

from tandem.kb.macro_actions import create_macro
from tandem.people.models import Agent

# (title, body, options): everyday replies of a service and a support desk.
DEMO_MACROS = (
    (
        "Thanks, we're on it",
        "Hi {{ contact.first_name|default('there', true) }},\n\n"
        "Thanks for getting in touch. I've picked up your request (#{{ ticket.number }}) "
        "and will come back to you as soon as I know more. You can follow it here: "
        "{{ ticket.url }}\n\n{{ agent.signature|default(agent.first_name, true) }}",
        {"set_status": "open"},
    ),
    (
        "Password reset steps",
        "Hi {{ contact.first_name|default('there', true) }},\n\n"
        'To reset your password, open the sign-in page, choose "Forgot password" and '
        "follow the link we email to {{ contact.email }}. The link works for one hour.\n\n"
        "If it doesn't arrive within a few minutes, check your spam folder and reply here.\n\n"
        "{{ agent.first_name }}",
        {"set_status": "pending", "add_tags": ["password-reset"]},
    ),
    (
        "Waiting for your reply",
        "Hi {{ contact.first_name|default('there', true) }},\n\n"
        'To move forward with "{{ ticket.subject }}" I need a little more from you: '
        "could you send a screenshot of what you see and the time it happened?\n\n"
        "{{ agent.first_name }}",
        {"set_status": "pending"},
    ),
    (
        "Refund issued",
        "Hi {{ contact.first_name|default('there', true) }},\n\n"
        "I've issued your refund{% if organization.name %} for {{ organization.name }}"
        "{% endif %}. It usually shows on your statement within 5 to 10 business days.\n\n"
        "{{ agent.first_name }}",
        {"set_status": "solved", "add_tags": ["refund"]},
    ),
    (
        "Hand over to billing",
        "Hi {{ contact.first_name|default('there', true) }},\n\n"
        "I've passed your question to our billing team, who will reply on this ticket "
        "(#{{ ticket.number }}).\n\n{{ agent.first_name }}",
        {
            "team": "Billing",
            "internal_note": "Handed over to Billing by {{ agent.name }}: "
            '{{ contact.name }} <{{ contact.email }}> asked about "{{ ticket.subject }}".',
        },
    ),
    (
        "Known issue: we're investigating",
        "Hi {{ contact.first_name|default('there', true) }},\n\n"
        "Thanks for reporting this. It's a known issue our engineers are working on right now; "
        "I've linked your ticket so you hear from us the moment it's fixed.\n\n"
        "{{ agent.first_name }}",
        {"set_status": "on_hold", "set_priority": "high", "add_tags": ["known-issue"]},
    ),
    (
        "Solved: anything else?",
        "Hi {{ contact.first_name|default('there', true) }},\n\n"
        "I'm marking this as solved. If anything is still not right, just reply to this "
        "message and the ticket reopens.\n\n{{ agent.signature|default(agent.first_name, true) }}",
        {"set_status": "solved"},
    ),
)


def write_demo_macros(desk) -> int:
    """The shared macros, authored by the first admin; returns how many were written."""
    admin = next(a for a in desk.agents.values() if a.role == Agent.Role.ADMIN)
    for title, body, options in DEMO_MACROS:
        options = dict(options)
        team_name = options.pop("team", None)
        if team_name:
            options["set_team"] = desk.teams[team_name]
        create_macro(agent=admin, title=title, body=body, scope="everyone", **options)
    return len(DEMO_MACROS)
