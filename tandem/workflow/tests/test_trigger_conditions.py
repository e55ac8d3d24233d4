"""Trigger and automation conditions (conditions.py) as a pure function of facts: each operator,
groups, validation, and the compiled form the rule cache keeps."""

import pytest

from tandem.workflow.conditions import (
    compile_trigger_conditions,
    evaluate_routing_conditions,
    evaluate_trigger_conditions,
    trigger_conditions_match,
    validate_trigger_conditions,
)

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


EACH_OPERATOR = [
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
]


@pytest.mark.parametrize(("condition", "held"), EACH_OPERATOR)
def test_each_operator(condition, held):
    assert trigger_conditions_match({"all": [condition]}, FACTS) is held


def test_all_must_hold_and_one_any():
    rule = {
        "all": [cond("priority", "is", "high")],
        "any": [cond("channel", "is", "chat"), cond("tags", "includes", "vip")],
    }
    matched, results = evaluate_trigger_conditions(rule, FACTS)
    assert matched is True
    assert [r["held"] for r in results] == [True, False, True]
    rule["any"] = [cond("channel", "is", "chat")]
    assert trigger_conditions_match(rule, FACTS) is False


def test_no_conditions_match_everything():
    assert trigger_conditions_match({}, FACTS) is True


def test_validation_names_each_bad_part():
    errors = validate_trigger_conditions(
        {"all": [cond("colour", "is", "red"), {"field": "status", "op": "equals"}], "none": []}
    )
    assert [e.field for e in errors] == [
        "conditions.none",
        "conditions.all[0].field",
        "conditions.all[1].op",
    ]
    assert validate_trigger_conditions({"all": [{"field": "status", "op": "is"}]})[0].field == (
        "conditions.all[0].value"
    )


@pytest.mark.parametrize(("condition", "held"), EACH_OPERATOR)
def test_compiled_conditions_answer_as_the_evaluation_does(condition, held):
    for rule in ({"all": [condition]}, {"any": [condition, cond("status", "is", "closed")]}):
        assert compile_trigger_conditions(rule)(FACTS) is held


def test_compiled_groups_answer_as_the_evaluation_does():
    high, chat = cond("priority", "is", "high"), cond("channel", "is", "chat")
    vip = cond("tags", "includes", "vip")
    for rule in (
        {},
        {"all": [high], "any": [chat, vip]},
        {"all": [high], "any": [chat]},
        {"any": [chat]},
        {"all": [high, vip]},
    ):
        assert compile_trigger_conditions(rule)(FACTS) is trigger_conditions_match(rule, FACTS)


def test_a_compiled_rule_reads_no_fact_past_its_first_failing_condition():
    read = []

    class Watched(dict):
        def get(self, name, default=None):
            read.append(name)
            return super().get(name, default)

    rule = {"all": [cond("priority", "is", "low"), cond("tags", "includes", "vip")]}
    assert compile_trigger_conditions(rule)(Watched(FACTS)) is False
    assert read == ["priority"]


def test_a_rule_written_around_the_validation_still_answers_as_before():
    broken = {"all": [{"field": "status"}]}  # no operator
    with pytest.raises(KeyError):
        trigger_conditions_match(broken, FACTS)
    with pytest.raises(KeyError):
        compile_trigger_conditions(broken)(FACTS)


def test_triggers_compare_truth_values_and_routing_rules_compare_text():
    """Each kept its own equality when the two condition modules became one: a trigger
    compares a true/false fact as a truth value, routing compares text."""
    facts = {"custom_fields": {"vip": True}}
    trigger_rule = {"all": [cond("custom_fields.vip", "is", "false")]}
    routing_rule = {"match": "all", "rules": [cond("custom_fields.vip", "is", "false")]}
    assert trigger_conditions_match(trigger_rule, facts) is False  # "false" means false
    for word, holds in (("true", True), ("Yes", True), ("1", True), ("no", False), ("0", False)):
        trigger_rule["all"][0]["value"] = word
        assert trigger_conditions_match(trigger_rule, facts) is holds, word
        assert compile_trigger_conditions(trigger_rule)(facts) is holds, word
    trigger_rule["all"][0]["value"] = "false"
    assert evaluate_routing_conditions(routing_rule, facts).matched is False
    routing_rule["rules"][0]["value"] = "TRUE"
    assert evaluate_routing_conditions(routing_rule, facts).matched is True
