"""The condition evaluator on plain values: every field kind and operator, all/any, validation."""

import pytest

from tandem.core.errors import InvalidInput
from tandem.workflow.conditions import evaluate_routing_conditions, validate_routing_conditions

FACTS = {
    "subject": "Invoice for March is wrong",
    "body": "Please correct the VAT",
    "channel": "email",
    "track": "service",
    "priority": "high",
    "tags": ["billing", "vip"],
    "organization": "Acme GmbH",
    "contact_email_domain": "acme.test",
    "custom_fields": {"plan": "enterprise"},
}


def one(field, op, value, match="all"):
    return {"match": match, "rules": [{"field": field, "op": op, "value": value}]}


@pytest.mark.parametrize(
    ("field", "op", "value", "matched"),
    [
        ("subject", "contains", "INVOICE", True),
        ("subject", "contains", "refund", False),
        ("subject", "not_contains", "refund", True),
        ("body", "contains", "vat", True),
        ("channel", "is", "email", True),
        ("channel", "is_not", "email", False),
        ("track", "in", ["support", "service"], True),
        ("priority", "in", ["urgent"], False),
        ("tags", "includes", ["VIP"], True),
        ("tags", "includes", "urgent", False),
        ("tags", "excludes", ["spam"], True),
        ("organization", "is", "acme gmbh", True),
        ("contact_email_domain", "is", "acme.test", True),
        ("contact_email_domain", "is", "other.test", False),
        ("custom_fields.plan", "is", "Enterprise", True),
        ("custom_fields.seats", "is", "10", False),
    ],
)
def test_each_field_and_operator(field, op, value, matched):
    assert (
        evaluate_routing_conditions(
            validate_routing_conditions(one(field, op, value)), FACTS
        ).matched
        is matched
    )


def test_all_needs_every_rule_any_needs_one_and_the_reason_names_the_hits():
    rules = [
        {"field": "subject", "op": "contains", "value": "invoice"},
        {"field": "channel", "op": "is", "value": "chat"},
    ]
    assert not evaluate_routing_conditions({"match": "all", "rules": rules}, FACTS).matched
    outcome = evaluate_routing_conditions({"match": "any", "rules": rules}, FACTS)
    assert outcome.matched and outcome.reason == "subject contains 'invoice'"


def test_no_rules_matches_everything():
    assert evaluate_routing_conditions(validate_routing_conditions({}), FACTS).matched


def test_validation_names_each_bad_part():
    with pytest.raises(InvalidInput) as caught:
        validate_routing_conditions(
            {
                "match": "most",
                "rules": [
                    {"field": "colour", "op": "is", "value": "red"},
                    {"field": "tags", "op": "contains", "value": "x"},
                    {"field": "subject", "op": "contains", "value": ""},
                ],
            }
        )
    assert {e.field for e in caught.value.errors} == {
        "conditions.match",
        "conditions.rules[0].field",
        "conditions.rules[1].op",
        "conditions.rules[2].value",
    }
    with pytest.raises(InvalidInput):
        validate_routing_conditions(["not", "an", "object"])
