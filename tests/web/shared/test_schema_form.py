"""The schema form renderer and the form values, on the production schemas and small inline ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

from werkzeug.datastructures import MultiDict

from engine import INSTRUMENT_TYPES
from web.shared.form_values import add_row, clean_values, compact, initial_values, read_form, remove_row, to_data
from web.shared.schema_form import build_fields, place_errors

BPMN = Path(__file__).resolve().parents[3] / "bpmn"


def _schema(name: str) -> dict:
    return json.loads((BPMN / f"{name}.schema.json").read_text(encoding="utf-8"))


def test_widgets_follow_the_schema():
    fields = {f.path: f for f in build_fields(_schema("verify"), {}, "2026-09-28")}
    assert "regulation_exists" not in fields  # readOnly: a fact, not an input
    assert fields["action"].widget == "radio" and fields["action"].required
    assert [o.title for o in fields["action"].options] == ["出具检定结果", "申请延长检定期限"]
    assert fields["verified_on"].widget == "date" and fields["verified_on"].attrs == {"max": "2026-09-28"}
    assert fields["fee"].widget == "number" and fields["fail_reason"].widget == "textarea"
    assert fields["certificate_no"].widget == "text"


def test_many_choices_become_a_select_and_booleans_are_yes_no():
    schema = {"type": "object", "properties": {
        "colour": {"enum": ["a", "b", "c", "d", "e"]}, "ok": {"type": "boolean", "title": "是否"}}}
    fields = {f.path: f for f in build_fields(schema, {"ok": "false"}, "2026-09-28")}
    assert fields["colour"].widget == "select"
    assert fields["ok"].widget == "radio" and [o.title for o in fields["ok"].options] == ["是", "否"]
    assert to_data({"colour": "e", "ok": "false"}, schema) == {"colour": "e", "ok": False}


def test_a_table_has_rows_of_cells_and_starts_with_one_blank_row():
    schema = _schema("correct_filing")
    (table,) = build_fields(schema, {}, "2026-09-28")
    assert table.widget == "table" and len(table.rows) == 1
    cells = {c.path: c for c in table.rows[0]}
    assert cells["instruments.0.category"].widget == "select"  # choices in a cell stay compact
    assert cells["instruments.0.in_catalogue"].input_name == "instruments-0-in_catalogue"
    assert cells["instruments.0.name"].label == "器具名称（第 1 行）" and cells["instruments.0.name"].required


def test_instrument_type_is_a_select_of_catalogue_names():
    (table,) = build_fields(_schema("correct_filing"), {}, "2026-09-28")
    cell = {c.path: c for c in table.rows[0]}["instruments.0.instrument_type"]
    assert cell.widget == "select"
    assert [(o.value, o.title) for o in cell.options][:2] == [("fuel_dispenser", "燃油加油机"),
                                                              ("electronic_scale", "电子计价秤")]
    assert len(cell.options) == len(INSTRUMENT_TYPES)


def test_posted_rows_become_typed_json_without_blank_rows():
    schema = _schema("correct_filing")
    form = MultiDict({"instruments-3-name": "水表", "instruments-3-in_catalogue": "true",
                      "instruments-0-name": "秤", "instruments-0-in_catalogue": "false",
                      "instruments-1-name": " ", "instruments-9-bogus": "x"})
    values = read_form(form, schema)
    assert [row["name"] for row in values["instruments"]] == ["秤", " ", "水表"]
    assert to_data(values, schema) == {"instruments": [{"name": "秤", "in_catalogue": False},
                                                       {"name": "水表", "in_catalogue": True}]}
    assert len(compact(values, schema)["instruments"]) == 2
    assert len(add_row(values, schema, "instruments")["instruments"]) == 4
    assert [r["name"] for r in remove_row(values, schema, "instruments", 0)["instruments"]] == [" ", "水表"]
    assert to_data({"instruments": [{"name": ""}]}, schema) == {}  # required: the engine names it


def test_numbers_convert_and_bad_text_passes_through_for_the_engine_to_name():
    schema = _schema("verify")
    assert to_data({"fee": "0", "action": "result", "certificate_no": "  "}, schema) == {"fee": 0, "action": "result"}
    assert to_data({"fee": "1.5"}, schema) == {"fee": 1.5}
    assert to_data({"fee": "abc"}, schema) == {"fee": "abc"}
    assert to_data({"fee": "inf"}, schema) == {"fee": "inf"}


def test_initial_values_take_the_case_list_and_defaults_not_earlier_decisions():
    facts = {"instruments": [{"name": "秤", "in_catalogue": True, "period_months": 12}], "action": "result"}
    assert initial_values(_schema("correct_filing"), facts)["instruments"][0]["in_catalogue"] == "true"
    values = initial_values(_schema("verify"), facts)
    assert values["fee"] == "0" and values["action"] == ""
    assert clean_values({"fee": ["x"], "nope": "1"}, _schema("verify"))["fee"] == ""


def test_errors_go_beside_the_nearest_field():
    schema = _schema("correct_filing")
    fields = build_fields(schema, {"instruments": [{}, {}]}, "2026-09-28")
    summary = place_errors(fields, {"instruments.1.location": ["请填写使用地点"], "instruments.0": ["格式不正确"],
                                    "_form": ["取值无效"]})
    (table,) = fields
    assert table.rows[1][-1].errors == ["请填写使用地点"] and table.errors == ["格式不正确"]
    assert table.rows[1][-1].described_by == "f-instruments-1-location-error"
    assert [(s.anchor, s.message) for s in summary] == [
        ("f-instruments-1-location", "请填写使用地点"), ("f-instruments", "格式不正确"), (None, "取值无效")]


def test_no_form_uses_a_name_the_page_needs_for_itself():
    """The page posts _action, _version and csrf_token beside the fields, and rows as table-N-column."""
    for path in BPMN.glob("*.schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        names = list(schema.get("properties", {}))
        for sub in schema.get("$defs", {}).values():
            names += list(sub.get("properties", {}))
        for name in names:
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) and name != "csrf_token", (path.name, name)
