"""The macro sandbox: documented variables render, every way out fails with a clear message."""

from __future__ import annotations

import time

import pytest

from tandem.kb.macro_sandbox import MacroTemplateError, Variables, macro_callable, render


@macro_callable
def fake_article_url(article_id):
    return f"/help/articles/{article_id}-how-to/"


def context():
    return {
        "contact": Variables(
            "contact",
            {
                "first_name": "Carol",
                "last_name": "Customer",
                "name": "Carol Customer",
                "email": "carol@customer.test",
                "custom_fields": Variables("contact.custom_fields", {"plan": "Pro"}),
            },
        ),
        "organization": Variables("organization", {"name": "Acme"}),
        "ticket": Variables(
            "ticket",
            {
                "number": "42",
                "subject": "Cannot log in",
                "status": "Open",
                "priority": "High",
                "url": "http://desk.test/portal/requests/42/",
                "custom_fields": Variables("ticket.custom_fields", {"order": "A-1"}),
            },
        ),
        "agent": Variables(
            "agent", {"first_name": "Alex", "name": "Alex Agent", "signature": "-- Alex"}
        ),
        "article_url": fake_article_url,
    }


def test_documented_variables_render_as_plain_text():
    text = render(
        "Hi {{ contact.first_name }} <{{ contact.email }}> of {{ organization.name }},\n"
        "about #{{ ticket.number }} ({{ ticket.subject|lower }}, {{ ticket.priority }}): "
        "{{ ticket.custom_fields.order }} / {{ contact.custom_fields['plan'] }}\n"
        "{% if ticket.priority == 'High' %}Urgent.{% else %}Soon.{% endif %}\n"
        "See {{ article_url(7) }} or {{ ticket.url }}\n{{ agent.signature }}",
        context(),
    )
    assert text == (
        "Hi Carol <carol@customer.test> of Acme,\n"
        "about #42 (cannot log in, High): A-1 / Pro\n"
        "Urgent.\n"
        "See /help/articles/7-how-to/ or http://desk.test/portal/requests/42/\n-- Alex"
    )


def test_html_is_not_escaped_because_replies_are_plain_text():
    ctx = context()
    ctx["contact"]["first_name"] = "<b>Tom & Jerry</b>"
    assert render("{{ contact.first_name }}", ctx) == "<b>Tom & Jerry</b>"


def test_default_filter_fills_an_empty_value():
    ctx = context()
    ctx["contact"]["first_name"] = ""
    assert render("Hi {{ contact.first_name|default('there', true) }}", ctx) == "Hi there"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ ''.__class__.__mro__ }}", "cannot be read here"),
        ("{{ ticket.subject.__class__ }}", "cannot be read here"),
        ("{{ ticket.__class__ }}", "ticket.__class__ is not a documented variable"),
        ("{{ contact.items() }}", "only article_url"),
        ("{{ cycler.__init__.__globals__ }}", "'cycler' is not a documented variable"),
        ("{{ config }}", "'config' is not a documented variable"),
        ("{{ request }}", "'request' is not a documented variable"),
        ("{{ settings.SECRET_KEY }}", "'settings' is not a documented variable"),
        ("{{ self }}", "'self' is not a documented variable"),
        ("{% include '/etc/passwd' %}", "{% include %} is not available"),
        ("{% import 'os' as os %}", "{% import %} is not available"),
        ("{% from 'x' import y %}", "{% from ... import %} is not available"),
        ("{% extends '/etc/passwd' %}", "{% extends %} is not available"),
        ("{% for i in range(10**9) %}x{% endfor %}", "loops ({% for %}) are not available"),
        ("{{ range(100000000)|length }}", "'range' is not a documented variable"),
        ("{{ 'x' * 1000000000 }}", "arithmetic is not available"),
        ("{{ 9 ** 9 ** 9 }}", "arithmetic is not available"),
        ("{% set a = 'x' %}{{ a }}", "{% set %} is not available"),
        ("{% macro m() %}{% endmacro %}", "{% macro %} is not available"),
        ("{{ contact.first_name|attr('__class__') }}", "the attr filter is not available"),
        ("{{ '{0.__class__}'.format(1) }}", "only article_url"),
        ("{{ contact.middle_name }}", "contact.middle_name is not a documented variable"),
        ("{{ ticket.custom_fields.nope }}", "ticket.custom_fields.nope is not a documented"),
        ("{{ contact.first_name", "unexpected end of template"),
        ("{% if %}", "line 1"),
    ],
)
def test_escapes_and_mistakes_fail_with_a_clear_message(source, message):
    started = time.monotonic()
    with pytest.raises(MacroTemplateError) as caught:
        render(source, context())
    assert message in str(caught.value)
    assert time.monotonic() - started < 1


def test_syntax_error_names_its_line():
    with pytest.raises(MacroTemplateError) as caught:
        render("Hello\n\n{{ contact.first_name }", context())
    assert caught.value.line == 3
    assert str(caught.value).startswith("line 3: ")


def test_huge_output_is_refused():
    ctx = context()
    ctx["ticket"]["subject"] = "x" * 30_000
    with pytest.raises(MacroTemplateError, match="renders to more than 50000 characters"):
        render("{{ ticket.subject }}{{ ticket.subject }}", ctx)


def test_a_plain_function_in_the_context_cannot_be_called():
    ctx = context()
    ctx["article_url"] = lambda article_id: "called"
    with pytest.raises(MacroTemplateError, match="only article_url"):
        render("{{ article_url(1) }}", ctx)


def test_template_length_is_capped():
    with pytest.raises(MacroTemplateError, match="longer than 20000"):
        render("x" * 20_001, context())


def test_conditions_membership_and_joining_are_available():
    source = (
        "{% if ticket.priority == 'Low' %}low{% elif 'log' in ticket.subject|lower %}"
        "{{ contact.first_name ~ ' ' ~ contact.last_name|upper }}{% else %}other{% endif %}"
    )
    assert render(source, context()) == "Carol CUSTOMER"
