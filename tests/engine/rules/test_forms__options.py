"""``oneOf`` lists of text options are checked by comparison (fast path) with the messages of a full ``oneOf``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine import ValidationFailed
from engine.rules.forms import validate_submission

TODAY = date(2026, 9, 28)
OPTIONS = {"oneOf": [{"const": "a", "title": "甲"}, {"const": "b", "title": "乙"}], "x-error": "请选择甲或乙"}


def _schema(prop: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"choice": prop}}


@pytest.mark.parametrize("value", ["a", "b"])
def test_an_option_is_accepted(value):
    assert validate_submission(_schema(OPTIONS), {"choice": value}, {}, TODAY) == {"choice": value}


@pytest.mark.parametrize("value", ["c", 1, None, True, ["a"]])
def test_anything_else_gets_the_fields_message(value):
    with pytest.raises(ValidationFailed) as refused:
        validate_submission(_schema(OPTIONS), {"choice": value}, {}, TODAY)
    assert refused.value.errors == {"choice": ["请选择甲或乙"]}


def test_an_option_listed_twice_matches_more_than_one_and_is_refused():
    twice = {**OPTIONS, "oneOf": [*OPTIONS["oneOf"], {"const": "a"}]}
    with pytest.raises(ValidationFailed) as refused:
        validate_submission(_schema(twice), {"choice": "a"}, {}, TODAY)
    assert refused.value.errors == {"choice": ["请选择甲或乙"]}


def test_other_branches_are_validated_as_oneOf_always_was():
    numbers = {"oneOf": [{"type": "integer", "minimum": 10}, {"const": "none"}], "x-error": "填10以上或none"}
    assert validate_submission(_schema(numbers), {"choice": 12}, {}, TODAY) == {"choice": 12}
    assert validate_submission(_schema(numbers), {"choice": "none"}, {}, TODAY) == {"choice": "none"}
    with pytest.raises(ValidationFailed) as refused:
        validate_submission(_schema(numbers), {"choice": 3}, {}, TODAY)
    assert refused.value.errors == {"choice": ["填10以上或none"]}
