"""Turn a task's JSON Schema form into the fields the task page renders.

The forms in ``bpmn/*.schema.json`` are data that policy staff edit, so the page is drawn from
the schema instead of being written per task. Supported: strings (text, textarea for long
free text, ``format: date``), numbers and integers, booleans (是/否), choices given as
``enum``, ``oneOf: [{const, title}]`` or ``x-options`` naming one of the engine's option lists
(radio buttons up to four options, else a select),
and arrays of objects (a table of rows; local ``$ref`` to ``$defs`` is followed); ``x-rows`` sets a
textarea's height. ``readOnly``
properties are case facts and get no input. Conditional rules (``if/then``) are not drawn:
the engine checks them and its messages are placed beside the fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import FORM_OPTIONS

RADIO_MAX = 4  # more options than this become a select
LONG_TEXT_SUFFIXES = ("_reason", "_note", "_summary", "_comment", "_description")
Schema = dict[str, Any]


@dataclass
class Option:
    """One choice: the string posted by the browser and the title shown."""

    value: str
    title: str


@dataclass
class Field:
    """One input (or a table of row inputs) with its value as typed and the messages beside it."""

    path: str  # the engine's error path: "received_on", "instruments.0.serial_no"
    input_name: str  # the posted name: "received_on", "instruments-0-serial_no"
    label: str
    widget: str  # text, textarea, date, number, radio, select, table
    value: str = ""
    help: str = ""
    required: bool = False
    options: list[Option] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    columns: list[Field] = field(default_factory=list)
    rows: list[list[Field]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"f-{self.input_name}"

    @property
    def described_by(self) -> str:
        """Ids of the help text and the error message, for ``aria-describedby``."""
        ids = [f"{self.id}-help"] if self.help else []
        return " ".join([*ids, f"{self.id}-error"] if self.errors else ids)


@dataclass(frozen=True)
class SummaryItem:
    """A line of the error summary at the top of the page, linking to its field when there is one."""

    label: str
    message: str
    anchor: str | None


def resolve(sub: Schema, root: Schema) -> Schema:
    """Follow a local ``#/$defs/...`` reference; other schemas are returned unchanged."""
    ref = sub.get("$ref", "")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return sub
    node: Any = root
    for part in ref[2:].split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def editable_properties(schema: Schema) -> list[tuple[str, Schema]]:
    """The properties a user fills in, in schema order (``readOnly`` ones are case facts)."""
    props = schema.get("properties", {})
    return [(name, resolve(sub, schema)) for name, sub in props.items() if not sub.get("readOnly", False)]


def row_schema(sub: Schema, root: Schema) -> Schema | None:
    """The item schema when ``sub`` is an array of objects (a table), else None."""
    if sub.get("type") != "array":
        return None
    items = resolve(sub.get("items", {}), root)
    return items if items.get("type") == "object" and items.get("properties") else None


def json_type(sub: Schema) -> str:
    """The schema's type, ignoring "null" in a type list."""
    kind = sub.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


def raw_text(value: Any) -> str:
    """A JSON value as the browser would post it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def choices(sub: Schema) -> list[tuple[str, Any, str]]:
    """(posted string, JSON value, title) of each option; booleans are 是/否; empty if free input."""
    if "oneOf" in sub and all(isinstance(o, dict) and "const" in o for o in sub["oneOf"]):
        return [(raw_text(o["const"]), o["const"], str(o.get("title", o["const"]))) for o in sub["oneOf"]]
    if "enum" in sub:
        return [(raw_text(v), v, raw_text(v)) for v in sub["enum"]]
    if isinstance(sub.get("x-options"), str) and sub["x-options"] in FORM_OPTIONS:
        return [(code, code, title) for code, title in FORM_OPTIONS[sub["x-options"]].items()]
    if json_type(sub) == "boolean":
        return [("true", True, "是"), ("false", False, "否")]
    return []


def build_fields(schema: Schema, values: dict[str, Any], today: str) -> list[Field]:
    """Fields for the editable properties, filled with ``values`` (strings as typed; rows as lists).

    A table without rows gets one blank row to start from.
    """
    required = set(schema.get("required", []))
    fields = []
    for name, sub in editable_properties(schema):
        items = row_schema(sub, schema)
        if items is not None:
            rows = values.get(name)
            fields.append(_table(name, sub, items, schema, rows if isinstance(rows, list) and rows else [{}], today))
        else:
            value = values.get(name, "")
            fields.append(_scalar(name, name, sub, value if isinstance(value, str) else "", today))
            fields[-1].required = name in required
    return fields


def _scalar(path: str, input_name: str, sub: Schema, value: str, today: str, in_table: bool = False) -> Field:
    title = str(sub.get("title", path.rsplit(".", 1)[-1]))
    found = Field(path, input_name, title, _widget(path, sub, in_table), value, str(sub.get("description", "")))
    found.options = [Option(raw, label) for raw, _, label in choices(sub)]
    kind = json_type(sub)
    if found.widget == "number":
        integer = kind == "integer"
        found.attrs = {"step": "1" if integer else "any", "inputmode": "numeric" if integer else "decimal"}
    if found.widget == "date":
        bounds = {"max": sub.get("x-date-max"), "min": sub.get("x-date-min")}
        found.attrs = {key: today for key, bound in bounds.items() if bound == "today"}
    rows = sub.get("x-rows")
    if found.widget == "textarea" and isinstance(rows, int) and not isinstance(rows, bool) and 1 <= rows <= 40:
        found.attrs["rows"] = str(rows)  # a long text (a yearly report) gets room to read what it edits
    limit = sub.get("maxLength")
    if found.widget in ("text", "textarea") and isinstance(limit, int) and not isinstance(limit, bool):
        found.attrs["maxlength"] = str(limit)  # the bound of the column the value is stored in, said beside it
        found.help = "；".join(filter(None, [found.help, f"不超过 {limit} 个字"]))
    return found


def _widget(name: str, sub: Schema, in_table: bool) -> str:
    options = choices(sub)
    if options:
        return "select" if in_table or len(options) > RADIO_MAX else "radio"
    kind = json_type(sub)
    if kind in ("number", "integer"):
        return "number"
    if sub.get("format") == "date":
        return "date"
    long_text = sub.get("x-widget") == "textarea" or int(sub.get("maxLength", 0)) > 100
    if not in_table and (long_text or name.endswith(LONG_TEXT_SUFFIXES)):
        return "textarea"
    return "text"


def _table(name: str, sub: Schema, items: Schema, root: Schema, rows: list[Any], today: str) -> Field:
    table = Field(name, name, str(sub.get("title", name)), "table", help=str(sub.get("description", "")))
    required = set(items.get("required", []))
    props = [(col, resolve(colsub, root)) for col, colsub in items["properties"].items()]
    table.columns = [_scalar(col, col, colsub, "", today, in_table=True) for col, colsub in props]
    for column in table.columns:
        column.required = column.path in required
    for index, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        cells = []
        for (col, colsub), column in zip(props, table.columns, strict=True):
            value = row.get(col, "")
            cell = _scalar(f"{name}.{index}.{col}", f"{name}-{index}-{col}", colsub,
                           value if isinstance(value, str) else "", today, in_table=True)
            cell.label = f"{column.label}（第 {index + 1} 行）"
            cell.required, cell.help = column.required, ""  # a column's help is shown once, in its header
            cells.append(cell)
        table.rows.append(cells)
    return table


def place_errors(fields: list[Field], errors: dict[str, list[str]]) -> list[SummaryItem]:
    """Put each message beside its field (or the nearest enclosing one) and list them all for the summary."""
    by_path: dict[str, Field] = {}
    for found in fields:
        by_path[found.path] = found
        for cells in found.rows:
            by_path.update((cell.path, cell) for cell in cells)
    summary = []
    for path, messages in errors.items():
        target = _nearest(path, by_path)
        for message in messages:
            if target is not None and message not in target.errors:
                target.errors.append(message)
            summary.append(SummaryItem(target.label if target else "", message, target.id if target else None))
    return summary


def _nearest(path: str, by_path: dict[str, Field]) -> Field | None:
    """The field for ``path``, else for its closest prefix ("instruments.0" → the instruments table)."""
    parts = path.split(".")
    while parts:
        found = by_path.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None
