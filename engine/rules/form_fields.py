"""The fields of a JSON Schema form, addressed by JSON pointer (``/properties/instruments/items/properties/serial_no``).

Lint rules point at a field and the version diff compares fields, so both walk a form the same way:
``properties`` of objects, ``items`` of lists and the shared definitions in ``$defs``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

FORM_SUFFIX = ".schema.json"
START_FORM_SUFFIX = ".start.schema.json"


def start_form_name(process_id: str) -> str:
    """The file name of the form that starts ``process_id``."""
    return f"{process_id}{START_FORM_SUFFIX}"


def form_fields(schema: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(pointer, subschema, required) for every field below ``schema``, parents before children."""
    if not isinstance(schema, dict):
        return
    required = schema.get("required", [])
    # Only names: a form being linted may list anything here, even unhashable objects.
    required_names = {name for name in required if isinstance(name, str)} if isinstance(required, list) else set()
    for keyword in ("properties", "$defs"):
        children = schema.get(keyword)
        if isinstance(children, dict):
            for name, child in children.items():
                child_pointer = f"{pointer}/{keyword}/{_escape(str(name))}"
                if isinstance(child, dict):
                    yield child_pointer, child, keyword == "properties" and name in required_names
                    yield from form_fields(child, child_pointer)
    items = schema.get("items")
    if isinstance(items, dict):
        yield f"{pointer}/items", items, False
        yield from form_fields(items, f"{pointer}/items")


def _escape(name: str) -> str:
    # RFC 6901: "~" and "/" inside a key are escaped.
    return name.replace("~", "~0").replace("/", "~1")
