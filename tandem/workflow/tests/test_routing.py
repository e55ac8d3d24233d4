"""Routing rules on new tickets from any channel: first match wins, reasons and overrides."""

import pytest

from tandem.people.actors import Actor
from tandem.testing import factories
from tandem.tickets import actions
from tandem.tickets.models import TicketEvent
from tandem.workflow.models import RoutingRule, TicketRouting
from tandem.workflow.rule_cache import rules_changed

pytestmark = pytest.mark.django_db
Kind = TicketEvent.Kind


def rule(name, position, conditions, **actions_):
    made = RoutingRule.objects.create(
        name=name, position=position, conditions=conditions, **actions_
    )
    rules_changed()  # written past the actions: tell the cached rules, as they do
    return made


def subject_contains(text):
    return {"match": "all", "rules": [{"field": "subject", "op": "contains", "value": text}]}


@pytest.fixture
def billing(db):
    return factories.make_team(name="Billing")


def test_first_matching_rule_sets_team_priority_and_tags_with_a_reason(customer, billing):
    rule("Invoices", 1, subject_contains("invoice"), set_team=billing, add_tags=["invoice"])
    rule("Everything", 2, {}, set_priority="low")
    ticket = actions.create_ticket(
        actor=Actor.for_contact(customer),
        contact=customer,
        subject="Invoice 42 is wrong",
        body="Hi",
        channel="portal",
    )
    ticket.refresh_from_db()
    assert ticket.team == billing and ticket.priority == "normal"
    assert list(ticket.tags.values_list("name", flat=True)) == ["invoice"]
    routed = ticket.events.get(kind=Kind.ROUTED)
    assert routed.actor_kind == "system"
    assert routed.data["reason"] == "rule 'Invoices' matched subject contains 'invoice'"
    team_change = ticket.events.get(kind=Kind.TEAM_CHANGED)
    assert team_change.data["reason"] == routed.data["reason"]
    assert TicketRouting.objects.get(ticket=ticket).rule.name == "Invoices"


def test_inactive_rules_are_skipped_and_position_decides(customer, billing, team):
    rule("Off", 0, {}, set_team=team, active=False)
    rule("Second", 2, {}, set_priority="urgent")
    rule("First", 1, {}, set_priority="high")
    ticket = factories.make_ticket(contact=customer, subject="Anything")
    ticket.refresh_from_db()
    assert ticket.team is None and ticket.priority == "high"


@pytest.mark.parametrize(
    ("field", "op", "value", "ticket_fields"),
    [
        ("channel", "is", "email", {"channel": "email"}),
        ("priority", "is", "urgent", {"priority": "urgent"}),
        ("track", "is", "support", {"track": "support"}),
        ("tags", "includes", ["vip"], {"tags": ["vip"]}),
        ("body", "contains", "crash", {"body": "The app crashes"}),
    ],
)
def test_each_rule_type_routes(customer, billing, field, op, value, ticket_fields):
    conditions = {"rules": [{"field": field, "op": op, "value": value}]}
    rule("By " + field, 1, conditions, set_team=billing)
    matching = factories.make_ticket(contact=customer, subject="One", **ticket_fields)
    other = factories.make_ticket(contact=customer, subject="Two", body="Fine")
    matching.refresh_from_db()
    other.refresh_from_db()
    assert matching.team == billing and other.team is None


def test_organization_email_domain_and_custom_field_rules(billing):
    acme = factories.make_organization(name="Acme")
    factories.make_organization(name="Other")
    contact = factories.make_contact(email="jo@acme.test", organization=acme)
    actions.create_custom_field(entity="ticket", label="Plan", kind="text")
    rule(
        "Acme enterprise",
        1,
        {
            "match": "all",
            "rules": [
                {"field": "organization", "op": "is", "value": "Acme"},
                {"field": "contact_email_domain", "op": "is", "value": "acme.test"},
                {"field": "custom_fields.plan", "op": "is", "value": "enterprise"},
            ],
        },
        set_team=billing,
    )
    ticket = factories.make_ticket(contact=contact, custom_fields={"plan": "enterprise"})
    ticket.refresh_from_db()
    assert ticket.team == billing
    plain = factories.make_ticket(contact=contact, custom_fields={"plan": "free"})
    plain.refresh_from_db()
    assert plain.team is None


def test_a_team_chosen_by_the_agent_is_kept(customer, agent, billing, team):
    rule("Invoices", 1, subject_contains("invoice"), set_team=billing, set_priority="high")
    ticket = actions.create_ticket(
        actor=Actor.for_agent(agent), contact=customer, subject="Invoice", body="x", team=team
    )
    ticket.refresh_from_db()
    assert ticket.team == team and ticket.priority == "high"
    assert ticket.events.get(kind=Kind.ROUTED).data["kept_team"] == team.name


def test_a_manual_change_after_routing_is_an_override(customer, agent, billing, team):
    rule("Invoices", 1, subject_contains("invoice"), set_team=billing)
    ticket = factories.make_ticket(contact=customer, subject="Invoice")
    actions.update_ticket(actor=Actor.for_agent(agent), ticket=ticket, team=team)
    change = ticket.events.filter(kind=Kind.TEAM_CHANGED).order_by("id").last()
    assert change.actor_agent == agent and change.data["override"] is True


def test_no_rules_no_routing_event(customer):
    ticket = factories.make_ticket(contact=customer)
    assert not ticket.events.filter(kind=Kind.ROUTED).exists()
