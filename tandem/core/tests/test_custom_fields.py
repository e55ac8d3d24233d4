from dataclasses import dataclass, field

import pytest

from tandem.core.custom_fields import clean_custom_fields
from tandem.core.errors import InvalidInput


@dataclass
class Definition:
    key: str
    kind: str
    label: str = "Field"
    choices: list = field(default_factory=list)
    required: bool = False


DEFINITIONS = [
    Definition("order", "text", "Order"),
    Definition("users", "number", "Users"),
    Definition("due", "date", "Due"),
    Definition("plan", "choice", "Plan", ["Free", "Pro"]),
    Definition("vip", "checkbox", "VIP"),
    Definition("region", "text", "Region", required=True),
]


def test_values_are_coerced_to_their_types():
    cleaned = clean_custom_fields(
        DEFINITIONS,
        {"order": " A-1 ", "users": "12", "due": "2026-12-24", "plan": "Pro", "vip": "on"},
    )
    assert cleaned == {"order": "A-1", "users": 12, "due": "2026-12-24", "plan": "Pro", "vip": True}
    assert clean_custom_fields(DEFINITIONS, {"users": "2.5"})["users"] == 2.5


def test_every_bad_value_is_named():
    with pytest.raises(InvalidInput) as caught:
        clean_custom_fields(
            DEFINITIONS,
            {
                "users": "many",
                "due": "24/12",
                "plan": "Gold",
                "vip": "maybe",
                "nope": 1,
                "order": 5,
            },
        )
    assert [e.field for e in caught.value.errors] == [
        "custom_fields.users",
        "custom_fields.due",
        "custom_fields.plan",
        "custom_fields.vip",
        "custom_fields.nope",
        "custom_fields.order",
    ]
    assert "Plan must be one of: Free, Pro" in str(caught.value)


def test_none_clears_and_current_values_are_kept():
    cleaned = clean_custom_fields(
        DEFINITIONS, {"order": None, "users": 3}, current={"order": "A", "plan": "Free"}
    )
    assert cleaned == {"plan": "Free", "users": 3}


def test_required_only_when_asked():
    assert clean_custom_fields(DEFINITIONS, {}) == {}
    with pytest.raises(InvalidInput) as caught:
        clean_custom_fields(DEFINITIONS, {}, enforce_required=True)
    assert caught.value.errors[0].field == "custom_fields.region"


def test_numbers_refuse_booleans_and_infinities():
    for bad in (True, "inf", "nan"):
        with pytest.raises(InvalidInput):
            clean_custom_fields(DEFINITIONS, {"users": bad})
