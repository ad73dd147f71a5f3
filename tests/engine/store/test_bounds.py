"""Input bounds: the forms carry the columns' lengths, text no column can keep is refused where it enters,
and JSON is read without recursion limits. The request-level examples are in tests/web/test_input_bounds.py."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from engine import MAX_ID, JSONTooDeep, ValidationFailed, field_length, json_problems, loads_json, unstorable
from engine.rules.form_fields import form_fields
from engine.rules.forms import validate_submission
from engine.rules.lint import lint_sources
from engine.rules.specs import read_sources
from engine.store.bounds import FIELD_COLUMNS, MAX_JSON_DEPTH, column_length, json_depth, text_problem
from engine.store.models import Case, Document, Instrument, SavedFilter

BPMN = Path(__file__).resolve().parents[3] / "bpmn"
TODAY = date(2026, 9, 28)
ROW = {"name": "加油机", "model": "DJY", "serial_no": "A-1", "instrument_type": "fuel_dispenser",
       "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号岛"}
FORMS = sorted(BPMN.glob("*.schema.json"))


def _form(name: str) -> dict:
    return json.loads((BPMN / name).read_text(encoding="utf-8"))


def _refused(form: str, data: dict, case_data: dict | None = None) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(_form(form), data, case_data or {}, TODAY)
    return caught.value.errors


def test_the_bounds_are_the_columns():
    assert MAX_ID == 2**31 - 1
    assert column_length(Instrument.name) == field_length("name") == 200
    assert field_length("certificate_no") == column_length(Document.number) == 64
    assert column_length(Case.title) == 300 and column_length(SavedFilter.name) == 50
    assert field_length("refusal_reason") is None
    with pytest.raises(TypeError):
        column_length(Case.state)


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_every_form_field_that_feeds_a_column_is_bounded_by_it(path: Path):
    """A stored field carries maxLength no larger than its column, or is a choice among short codes."""
    for pointer, sub, _required in form_fields(json.loads(path.read_text(encoding="utf-8"))):
        name = pointer.rsplit("/", 1)[-1]
        limit = field_length(name) if "/properties/" in pointer else None
        if limit is None or sub.get("readOnly") or sub.get("type") not in ("string", None):
            continue
        if "oneOf" in sub or "enum" in sub:
            assert all(len(str(o.get("const", ""))) <= limit for o in sub.get("oneOf", [])), pointer
            continue
        assert isinstance(sub.get("maxLength"), int), f"{path.name}{pointer} has no maxLength"
        assert sub["maxLength"] <= limit, f"{path.name}{pointer}: {sub['maxLength']} > column {limit}"


def test_reasons_carry_a_non_blank_pattern():
    for form, field in [("accept_application.schema.json", "refusal_reason"),
                        ("review_filing.schema.json", "filing_reason"), ("verify.schema.json", "extension_reason"),
                        ("verify.schema.json", "fail_reason"), ("review_refusal.schema.json", "refusal_review_note"),
                        ("handle_escalation.schema.json", "escalation_note")]:
        assert _form(form)["properties"][field]["pattern"] == "\\S", (form, field)


def test_the_ids_of_the_application_form_are_bounded():
    props = _form("verification_request.start.schema.json")["properties"]
    assert props["instrument_id"]["maximum"] == MAX_ID and props["assessing_org_id"]["minimum"] == 1


def test_unstorable_and_control_characters():
    assert unstorable("正常的文字\t\n") is None and text_problem("正常的文字\t\r\n") is None
    assert unstorable("a\x00b") == text_problem("a\x00b") == "不能包含控制字符（如 NUL）"
    assert "代理项" in str(unstorable("a\ud800")) and "代理项" in str(unstorable("\udfff"))
    assert unstorable("a\x1bb") is None and text_problem("a\x1bb") == "不能包含控制字符"
    assert unstorable("😀") is None  # a proper surrogate pair decodes to one code point


def test_json_problems_name_the_path_of_keys_and_values():
    found = dict(json_problems({"data": {"instruments": [{"name": "x\x00"}, {"a\ud800": 1}]}, "n": float("nan")}))
    assert set(found) == {"data.instruments.0.name", "data.instruments.1.'a\\ud800'", "n"}


def test_the_quick_look_misses_nothing_and_its_false_alarms_are_cleared():
    """json_problems first looks at the value dumped as JSON: escapes there must not hide or invent problems."""
    typed = {"note": "C:\\bin\\file \\u0000 \\f", "n": 1.5, "k": [True, None]}
    assert list(json_problems(typed)) == [] and list(json_problems(typed, strict=True)) == []
    for char in ("\x08", "\x0c", "\x1b", "\x7f"):
        assert list(json_problems({"a": [f"x{char}"]}, strict=True)) == [("a.0", "不能包含控制字符")], repr(char)
        assert list(json_problems({"a": [f"x{char}"]})) == []
    assert list(json_problems([{"b": "\ud800"}])) == [("0.b", unstorable("\ud800"))]


def test_json_nested_past_the_limit_is_a_value_error_not_a_recursion_error():
    assert loads_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    for depth in (MAX_JSON_DEPTH + 1, 2_000, 100_000):
        with pytest.raises(JSONTooDeep):
            loads_json("[" * depth + "]" * depth)
    assert json_depth({"a": [1, {"b": []}]}) == 4 and json_depth(5) == 0


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}'])
def test_json_without_finite_numbers_is_refused(text: str):
    with pytest.raises(ValueError):
        loads_json(text)


@pytest.mark.parametrize("name, message", [
    ("x" * 201, "不能超过 200 个字"), ("a\x00b", "不能包含控制字符（如 NUL）"), ("a\x07b", "不能包含控制字符"),
    ("a\ud800b", "包含无法识别的字符（不成对的 UTF-16 代理项），请重新输入")])
def test_a_filed_name_no_later_step_could_store_is_refused_beside_it(name: str, message: str):
    data = {"county_code": "210181", "instruments": [ROW, {**ROW, "serial_no": "A-2", "name": name}]}
    assert _refused("filing.start.schema.json", data) == {"instruments.1.name": [message]}


def test_the_column_bound_holds_on_a_form_version_without_max_length():
    """An older published form may carry no maxLength: the column's bound is enforced all the same."""
    old = _form("verify.schema.json")
    del old["properties"]["certificate_no"]["maxLength"]
    data = {"action": "result", "outcome": "pass", "verified_on": "2026-09-28", "certificate_no": "C" * 65,
            "next_due": "2027-09-28", "fee": 0}
    with pytest.raises(ValidationFailed) as caught:
        validate_submission(old, data, {"regulation_exists": True}, TODAY)
    assert caught.value.errors == {"certificate_no": ["不能超过 64 个字"]}
    assert validate_submission(old, {**data, "certificate_no": "C" * 64}, {"regulation_exists": True}, TODAY)


def test_values_at_the_bounds_are_accepted_and_trimmed():
    row = {**ROW, "name": " " + "名" * 200 + " ", "serial_no": "S" * 100, "location": "地" * 200}
    accepted = validate_submission(_form("filing.start.schema.json"),
                                   {"county_code": "210181", "instruments": [row]}, {}, TODAY)
    assert accepted["instruments"][0]["name"] == "名" * 200


@pytest.mark.parametrize("form, data, case_data, field", [
    ("accept_application.schema.json", {"acceptance": "refuse", "refusal_reason": "      "}, {}, "refusal_reason"),
    ("verify.schema.json", {"action": "propose_extension", "proposed_deadline": "2026-10-30",
                            "extension_reason": " \t\n "}, {"regulation_exists": True}, "extension_reason"),
    ("review_filing.schema.json", {"filing_decision": "reject", "filing_reason": "　　 "}, {}, "filing_reason"),
    ("review_refusal.schema.json", {"refusal_review": "uphold", "refusal_review_note": "   "}, {},
     "refusal_review_note"),
])
def test_a_reason_of_only_spaces_is_no_reason(form: str, data: dict, case_data: dict, field: str):
    errors = _refused(form, data, case_data)
    assert list(errors) == [field]
    assert errors[field] == [_form(form)["properties"][field]["x-error"]]


def test_lint_refuses_a_form_that_promises_more_than_the_column_keeps():
    sources = read_sources(BPMN)
    text = sources["verify.schema.json"]
    assert text.count('"maxLength": 64') == 1
    sources["verify.schema.json"] = text.replace('"maxLength": 64', '"maxLength": 65')
    [problem] = lint_sources(sources)
    assert problem.element_id == "/properties/certificate_no"
    assert problem.message == "字段「证书编号」的最大长度（maxLength 65）超过了数据库中能保存的 64 个字"
    assert set(FIELD_COLUMNS) >= {"name", "certificate_no"}
