"""The plain columns a case's tasks carry for the inbox filters, taken from the case's start data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def case_facets(data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(county code, instrument type) of a case from its start data; the type only when the case has
    one (a filing listing several types has none)."""
    county, kind = data.get("county_code"), data.get("instrument_type")
    instruments = data.get("instruments")
    if kind is None and isinstance(instruments, list):
        kinds = {item.get("instrument_type") for item in instruments if isinstance(item, Mapping)}
        kind = kinds.pop() if len(kinds) == 1 else None
    return _nonblank(county), _nonblank(kind)


def _nonblank(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
