"""The filing form (在线填写备案) for an owner with a few instruments: the filing process's own start form,
drawn like a task form, with the county as a select of the county bureaus.

The page is built from the start form deployed with the current filing process, so its choices
(category, purpose, instrument type) are exactly the codes the engine accepts. A longer list is
uploaded as a spreadsheet instead (``instrument_upload``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from engine import Engine, Organisation

from ..shared import Field, Option, Schema, SummaryItem, Values, build_fields, clean_values, place_errors

PROCESS = "filing"
START_FORM = f"{PROCESS}.start.schema.json"
BLANK_ROWS = 3  # enough for the one or two instruments this form is for, without pressing 添加一行


def start_schema(session: Session, engine: Engine) -> Schema:
    """The start form new filings are validated against (that of the current filing version)."""
    form: Schema = engine.registry.current(session, PROCESS).forms[START_FORM]
    return form


def blank_values(schema: Schema, county_code: str) -> Values:
    """A fresh form: the owner's own county chosen, and a few empty instrument rows."""
    values = clean_values({"county_code": county_code}, schema)
    values["instruments"] = [{} for _ in range(BLANK_ROWS)]
    return values


def filing_fields(schema: Schema, values: Values, places: Sequence[Organisation], today: str,
                  errors: dict[str, list[str]] | None = None) -> tuple[list[Field], list[SummaryItem]]:
    """The form's fields filled with ``values``, the engine's messages beside them, and the error summary."""
    fields = build_fields(schema, values, today)
    for found in fields:
        if found.path == "county_code":  # the schema only knows a 6-digit code; a clerk picks a place
            found.widget = "select"
            # A length hint ("不超过 6 个字") means nothing beside a list to pick from.
            found.attrs.pop("maxlength", None)
            found.help = str(schema["properties"]["county_code"].get("description", ""))
            found.options = [Option(o.region_code, o.name.removesuffix("市场监督管理局")) for o in places]
    return fields, place_errors(fields, errors or {})

