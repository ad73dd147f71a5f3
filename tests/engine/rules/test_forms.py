"""Form validation keywords that are ours (x-options) on the production filing form."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from jsonschema.exceptions import SchemaError

from engine import ValidationFailed
from engine.rules.forms import check_schema, validate_submission

BPMN = Path(__file__).resolve().parents[3] / "bpmn"
ROW = {"name": "加油机", "model": "DJY", "serial_no": "A-1", "instrument_type": "fuel_dispenser",
       "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号岛"}


def _filing() -> dict:
    return json.loads((BPMN / "filing.start.schema.json").read_text(encoding="utf-8"))


def test_a_catalogue_type_is_accepted():
    data = {"county_code": "210181", "instruments": [ROW]}
    assert validate_submission(_filing(), data, {}, date(2026, 9, 28)) == data


def test_a_type_outside_the_catalogue_is_refused_beside_its_field():
    data = {"county_code": "210181", "instruments": [ROW, {**ROW, "serial_no": "A-2", "instrument_type": "x"}]}
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(_filing(), data, {}, date(2026, 9, 28))
    assert caught.value.errors == {"instruments.1.instrument_type": ["请选择器具类型"]}


def test_a_form_naming_an_unknown_list_is_not_a_valid_form():
    with pytest.raises(SchemaError, match="unknown option list 'colours'"):
        check_schema({"type": "object", "properties": {"c": {"type": "string", "x-options": "colours"}}})
