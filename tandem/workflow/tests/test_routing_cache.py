"""The cached routing rules: every write through the routing actions is seen by the next
ticket, in this process and in another one (simulated: the cache left alone while the rules'
version token moves), a rolled-back edit is never used, and a deleted team is not set."""

import pytest
from django.db import transaction

from tandem.testing import factories
from tandem.workflow.models import RoutingRule, RulesVersion
from tandem.workflow.routing_actions import (
    create_routing_rule,
    delete_routing_rule,
    update_routing_rule,
)

pytestmark = pytest.mark.django_db


def subject_contains(text):
    return {"match": "all", "rules": [{"field": "subject", "op": "contains", "value": text}]}


def priority_of_new_ticket(customer, subject="The invoice is wrong"):
    ticket = factories.make_ticket(contact=customer, subject=subject)
    ticket.refresh_from_db()
    return ticket.priority


def test_created_edited_and_deleted_rules_apply_to_the_next_ticket(customer):
    assert priority_of_new_ticket(customer) == "normal"  # caches "no rule"
    rule = create_routing_rule(
        name="Invoices", conditions=subject_contains("invoice"), set_priority="high"
    )
    assert priority_of_new_ticket(customer) == "high"
    update_routing_rule(rule=rule, set_priority="urgent")
    assert priority_of_new_ticket(customer) == "urgent"
    update_routing_rule(rule=rule, active=False)
    assert priority_of_new_ticket(customer) == "normal"
    update_routing_rule(rule=rule, active=True)
    delete_routing_rule(rule=rule)
    assert priority_of_new_ticket(customer) == "normal"


def test_an_edit_made_by_another_process_is_seen_through_the_token(customer):
    rule = create_routing_rule(
        name="Invoices", conditions=subject_contains("invoice"), set_priority="high"
    )
    assert priority_of_new_ticket(customer) == "high"  # this process has the rules cached
    RoutingRule.objects.filter(pk=rule.pk).update(set_priority="low")
    RulesVersion.objects.filter(pk=1).update(token="written-by-the-worker")
    assert priority_of_new_ticket(customer) == "low"


def test_a_rolled_back_edit_is_never_used(customer):
    rule = create_routing_rule(
        name="Invoices", conditions=subject_contains("invoice"), set_priority="high"
    )
    assert priority_of_new_ticket(customer) == "high"
    with pytest.raises(RuntimeError), transaction.atomic():
        update_routing_rule(rule=rule, set_priority="urgent")
        assert priority_of_new_ticket(customer) == "urgent"  # cached inside the edit
        raise RuntimeError("the edit is abandoned")
    assert priority_of_new_ticket(customer) == "high"


def test_a_team_deleted_since_the_rules_were_cached_is_not_set(customer):
    billing = factories.make_team(name="Billing")
    create_routing_rule(
        name="Invoices",
        conditions=subject_contains("invoice"),
        set_team=billing,
        set_priority="high",
    )
    first = factories.make_ticket(contact=customer, subject="An invoice")
    first.refresh_from_db()
    assert first.team == billing
    billing.delete()  # the rule's team becomes empty in the database, not in the cache
    second = factories.make_ticket(contact=customer, subject="Another invoice")
    second.refresh_from_db()
    assert second.team is None and second.priority == "high"
