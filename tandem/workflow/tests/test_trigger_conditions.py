"""The condition registry as a pure function of facts: each operator, groups and validation."""

import pytest

from tandem.workflow.trigger_conditions import evaluate, matches, validate_conditions

FACTS = {
    "event": "customer_replied",
    "status": "open",
    "priority": "high",
    "channel": "email",
    "subject": "Invoice is wrong",
    "body": "Please refund me",
    "tags": ["vip", "billing"],
    "custom_fields": {"plan_level": 3},
    "business_hours": False,
    "changes": {"status": {"from": "pending", "to": "open"}},
}


def cond(field, op, value=None):
    return {"field": field, "op": op, "value": value}


@pytest.mark.parametrize(
    ("condition", "held"),
    [
        (cond("priority", "is", "HIGH"), True),
        (cond("priority", "is_not", "high"), False),
        (cond("channel", "in", ["chat", "email"]), True),
        (cond("channel", "not_in", ["chat", "email"]), False),
        (cond("subject", "contains", "invoice"), True),
        (cond("body", "not_contains", "refund"), False),
        (cond("tags", "includes", ["vip"]), True),
        (cond("tags", "excludes", "vip"), False),
        (cond("custom_fields.plan_level", "gt", 2), True),
        (cond("custom_fields.plan_level", "lt", 2), False),
        (cond("custom_fields.missing", "absent"), True),
        (cond("subject", "present"), True),
        (cond("business_hours", "is", True), False),
        (cond("event", "is", "customer_replied"), True),
        (cond("status", "changed_to", "open"), True),
        (cond("status", "changed_from", "solved"), False),
        (cond("priority", "changed"), False),
    ],
)
def test_each_operator(condition, held):
    assert matches({"all": [condition]}, FACTS) is held


def test_all_must_hold_and_one_any():
    rule = {
        "all": [cond("priority", "is", "high")],
        "any": [cond("channel", "is", "chat"), cond("tags", "includes", "vip")],
    }
    matched, results = evaluate(rule, FACTS)
    assert matched is True
    assert [r["held"] for r in results] == [True, False, True]
    rule["any"] = [cond("channel", "is", "chat")]
    assert matches(rule, FACTS) is False


def test_no_conditions_match_everything():
    assert matches({}, FACTS) is True


def test_validation_names_each_bad_part():
    errors = validate_conditions(
        {"all": [cond("colour", "is", "red"), {"field": "status", "op": "equals"}], "none": []}
    )
    assert [e.field for e in errors] == [
        "conditions.none",
        "conditions.all[0].field",
        "conditions.all[1].op",
    ]
    assert validate_conditions({"all": [{"field": "status", "op": "is"}]})[0].field == (
        "conditions.all[0].value"
    )
