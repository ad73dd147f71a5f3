"""A task form's values as typed, and their conversion into the JSON data the engine validates.

Values keep what the user entered (strings; a table is a list of row dicts of strings), so a page
shown again after an error, or a saved draft, shows exactly that. ``to_data`` makes JSON types
from them at the last moment: numbers, booleans, the ``const`` of a chosen option, dates as
'YYYY-MM-DD' strings, arrays of objects; empty inputs and blank rows are left out. Text that
does not convert is passed on as it is, so the engine's schema reports it with its own message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from engine import MAX_FILING_INSTRUMENTS

from .schema_form import Schema, choices, editable_properties, json_type, raw_text, resolve, row_schema

# A table shows and keeps at most this many rows: the filing cap, so a correction shows the whole list.
MAX_ROWS = MAX_FILING_INSTRUMENTS
Values = dict[str, Any]
_MISSING = object()
_INTEGER = re.compile(r"[+-]?[0-9]+")


def read_form(form: Mapping[str, str], schema: Schema) -> Values:
    """The values posted for the schema's editable properties (rows from names like ``instruments-0-name``)."""
    values: Values = {}
    for name, sub in editable_properties(schema):
        items = row_schema(sub, schema)
        if items is None:
            values[name] = form.get(name, "")
        else:
            values[name] = _read_rows(form, name, list(items["properties"]))
    return values


def _read_rows(form: Mapping[str, str], name: str, columns: list[str]) -> list[dict[str, str]]:
    pattern = re.compile(rf"{re.escape(name)}-([0-9]{{1,4}})-(\w+)")
    rows: dict[int, dict[str, str]] = {}
    for key in form:
        found = pattern.fullmatch(key)
        if found and found.group(2) in columns:
            rows.setdefault(int(found.group(1)), {})[found.group(2)] = form.get(key, "")
    # Not cut at MAX_ROWS: the engine refuses a longer list and says how long it was.
    return [{col: rows[index].get(col, "") for col in columns} for index in sorted(rows)]


def clean_values(raw: Any, schema: Schema) -> Values:
    """Values shaped for ``schema`` from stored JSON (a draft) or case data; unknown keys are dropped."""
    raw = raw if isinstance(raw, dict) else {}
    values: Values = {}
    for name, sub in editable_properties(schema):
        items = row_schema(sub, schema)
        value = raw.get(name)
        if items is None:
            values[name] = _text(value)
        else:
            rows = value if isinstance(value, list) else []
            values[name] = [{col: _text(row.get(col)) for col in items["properties"]}
                            for row in rows[:MAX_ROWS] if isinstance(row, dict)]
    return values


def _text(value: Any) -> str:
    return value if isinstance(value, str) else raw_text(value) if isinstance(value, bool | int | float) else ""


def initial_values(schema: Schema, facts: dict[str, Any]) -> Values:
    """What a fresh form shows: the case's current lists (a filing to correct) and the schema's defaults.

    Single answers are not pre-filled from the case: a decision taken earlier in a loop (for
    example a declined extension) must be taken again, not re-sent by accident. A text field marked
    ``"x-draft": true`` is the exception: it starts from the case's value of the same name, a draft the
    diagram wrote for the clerk to edit (the yearly report's narrative, drafted from the figures).
    """
    start: Values = {}
    for name, sub in editable_properties(schema):
        if row_schema(sub, schema) is not None:
            start[name] = facts.get(name)
        elif sub.get("x-draft") is True and isinstance(facts.get(name), str):
            start[name] = facts[name]
        elif "default" in sub:
            start[name] = sub["default"]
    return clean_values(start, schema)


def compact(values: Values, schema: Schema) -> Values:
    """The values without blank rows, so row numbers match the data the engine sees."""
    out = dict(values)
    for name, sub in editable_properties(schema):
        if row_schema(sub, schema) is not None:
            out[name] = [row for row in out.get(name) or [] if not _blank(row)]
    return out


def add_row(values: Values, schema: Schema, name: str) -> Values:
    """The values with one more (blank) row in table ``name``."""
    out = dict(values)
    if _is_table(schema, name) and len(out.get(name) or []) < MAX_ROWS:
        out[name] = [*(out.get(name) or []), {}]
    return out


def remove_row(values: Values, schema: Schema, name: str, index: int) -> Values:
    """The values without row ``index`` of table ``name``."""
    out = dict(values)
    if _is_table(schema, name):
        out[name] = [row for n, row in enumerate(out.get(name) or []) if n != index]
    return out


def _is_table(schema: Schema, name: str) -> bool:
    return any(prop == name and row_schema(sub, schema) is not None for prop, sub in editable_properties(schema))


def _blank(row: Any) -> bool:
    return not isinstance(row, dict) or not any(str(v).strip() for v in row.values())


def to_data(values: Values, schema: Schema) -> dict[str, Any]:
    """The JSON data for the engine: typed values, empty inputs omitted, blank rows dropped."""
    data: dict[str, Any] = {}
    for name, sub in editable_properties(schema):
        items = row_schema(sub, schema)
        if items is None:
            value = convert(values.get(name, ""), sub)
            if value is not _MISSING:
                data[name] = value
            continue
        rows = [_row_data(row, items, schema) for row in values.get(name) or [] if not _blank(row)]
        if rows:
            data[name] = rows
    return data


def _row_data(row: dict[str, str], items: Schema, root: Schema) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col, colsub in items["properties"].items():
        value = convert(row.get(col, ""), resolve(colsub, root))
        if value is not _MISSING:
            out[col] = value
    return out


def convert(raw: Any, sub: Schema) -> Any:
    """One typed value, or the module's missing marker for an empty input."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return _MISSING
    options = choices(sub)
    if options:
        return next((value for posted, value, _ in options if posted == text), text)
    kind = json_type(sub)
    if kind == "integer":
        return int(text) if _INTEGER.fullmatch(text) else text
    if kind == "number":
        if _INTEGER.fullmatch(text):
            return int(text)
        try:
            number = float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    return text
