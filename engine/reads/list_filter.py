"""What every filter of a list page shares: free-text fields trimmed and checked, paging, and the query
parameters that reproduce the filter (links to the next page, exports, saved filters).

``InboxFilter`` (the clerks' inbox) and ``StuckFilter`` (the managers' stuck cases) are frozen dataclasses
built from query parameters; both inherit this so the two pages read and write their filters alike.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Self

from engine.store.bounds import unstorable


class ListFilter:
    """Paging and round-tripping for a frozen dataclass filter with ``page`` and ``size`` fields."""

    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def params(self) -> dict[str, str]:
        """The filter as query parameters: the fields that differ from the default, without page and size."""
        default = type(self)()
        return {f.name: str(getattr(self, f.name)) for f in fields(self)  # type: ignore[arg-type]
                if f.name not in ("page", "size") and getattr(self, f.name) != getattr(default, f.name)}

    def but(self, **changes: Any) -> Self:
        """A copy with some fields changed (and validated again)."""
        return replace(self, **changes)  # type: ignore[type-var]

    def _trim_text(self, names: tuple[str, ...], errors: dict[str, list[str]], max_length: int) -> None:
        """Strip each text field (blank becomes None); record a Chinese message for a value that is not text,
        cannot be stored, or is longer than ``max_length``."""
        for name in names:
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, str):
                errors[name] = ["必须是文字"]
            elif unstorable(value):
                errors[name] = [str(unstorable(value))]
            elif len(value.strip()) > max_length:
                errors[name] = [f"不能超过 {max_length} 个字"]
            else:
                object.__setattr__(self, name, value.strip() or None)
