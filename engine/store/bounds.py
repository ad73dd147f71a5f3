"""The bounds every value must keep to reach the database: text lengths, characters, integer ids.

They come from the ORM columns themselves (``String(n)``) and from the narrowest integer column an id is
stored in (PostgreSQL's INTEGER; SQLite would take more, but one bound keeps both databases alike), so the
edges (forms, the JSON API, URLs) refuse what a later step would fail on, instead of each step guessing.
PostgreSQL refuses NUL in text, and no database driver can encode a lone UTF-16 surrogate (``\\ud800``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import InstrumentedAttribute

from .models import Case, Document, Instrument, SavedFilter

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER, the type of every id column
MAX_JSON_DEPTH = 32  # nesting of a request body; the deepest form (a filing's rows) needs 4

NUL_MESSAGE = "不能包含控制字符（如 NUL）"
SURROGATE_MESSAGE = "包含无法识别的字符（不成对的 UTF-16 代理项），请重新输入"
CONTROL_MESSAGE = "不能包含控制字符"
NOT_FINITE_MESSAGE = "数值无效（不能是 NaN 或无穷大）"

# Characters no database column can keep: NUL (PostgreSQL text) and lone surrogates (not encodable in UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Control characters besides tab, newline and carriage return: never part of what a user means to type.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def column_length(column: InstrumentedAttribute[Any]) -> int:
    """The declared length of a ``String(n)`` ORM column."""
    kind = column.property.columns[0].type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{column} is not a String(n) column")
    return int(kind.length)


# Where the values of form fields end up: field name -> the column that stores them (effects.py,
# owner_actions.py). A form's maxLength for such a field must not exceed the column (tests/engine/store/test_bounds.py).
FIELD_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "name": Instrument.name,
    "model": Instrument.model,
    "serial_no": Instrument.serial_no,
    "instrument_type": Instrument.instrument_type,
    "category": Instrument.category,
    "purpose": Instrument.purpose,
    "location": Instrument.location,
    "county_code": Instrument.county_code,
    "certificate_no": Document.number,
}
MAX_CASE_TITLE = column_length(Case.title)
MAX_FILTER_NAME = column_length(SavedFilter.name)


def field_length(name: str) -> int | None:
    """The column length a form field named ``name`` is stored under, if it is stored in a column."""
    column = FIELD_COLUMNS.get(name)
    return column_length(column) if column is not None else None


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored in any database column (NUL, a lone surrogate), or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE


def text_problem(text: str) -> str | None:
    """Why ``text`` is not acceptable as typed input (unstorable, or a control character), or None."""
    problem = unstorable(text)
    if problem is None and _CONTROL.search(text):
        return CONTROL_MESSAGE
    return problem


def valid_id(value: int) -> bool:
    """Whether ``value`` can be a row id on every supported database."""
    return 1 <= value <= MAX_ID


def json_problems(value: Any, path: str = "", strict: bool = False) -> Iterator[tuple[str, str]]:
    """(dotted path, message) for every string (key or value) or number of a JSON value that cannot be stored.

    ``strict`` also refuses control characters (typed input). Iterative, so nesting cannot exhaust the stack.
    """
    if _plainly_fine(value, strict):
        return
    check = text_problem if strict else unstorable
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, str):
            problem = check(node)
            if problem:
                yield where or "_form", problem
        elif isinstance(node, float) and not _finite(node):
            yield where or "_form", NOT_FINITE_MESSAGE
        elif isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{where}.{key}" if where else str(key)
                problem = check(key) if isinstance(key, str) else None
                if problem:
                    yield (f"{where}.{ascii(key)}" if where else ascii(key)), problem
                    continue
                stack.append((child_path, child))
        elif isinstance(node, list):
            stack.extend((f"{where}.{n}" if where else str(n), child) for n, child in enumerate(node))


# In json.dumps(ensure_ascii=False) output, NUL and the other control characters but tab, newline and carriage
# return are escapes (\u00XX, \b, \f); DEL stays as it is; a lone surrogate cannot be encoded as UTF-8. A hit may
# be a false alarm (a typed backslash), which the walk then clears; never a miss.
_DUMPED_UNSTORABLE = ("\\u0000",)
_DUMPED_CONTROL = ("\\u00", "\\b", "\\f", "\x7f")


def _plainly_fine(value: Any, strict: bool) -> bool:
    """A quick look at the whole value at C speed (a 4 MB body in tens of ms) before walking it in Python."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError):  # NaN/Infinity, a key that is no string, UnicodeEncodeError
        return False
    return not any(mark in text for mark in (_DUMPED_CONTROL if strict else _DUMPED_UNSTORABLE))


def column_problems(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, message) for each text under a key of FIELD_COLUMNS longer than its column, however
    the form that let it in was written (an older published version may carry no maxLength)."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{where}.{key}" if where else str(key)
                limit = field_length(key) if isinstance(key, str) else None
                if limit is not None and isinstance(child, str) and len(child) > limit:
                    yield child_path, f"不能超过 {limit} 个字"
                stack.append((child_path, child))
        elif isinstance(node, list):
            stack.extend((f"{where}.{n}" if where else str(n), child) for n, child in enumerate(node))


def json_depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (a scalar is 0); level by level, without recursion."""
    depth, level = 0, [value] if isinstance(value, dict | list) else []
    while level:
        depth += 1
        level = [child for node in level for child in (node.values() if isinstance(node, dict) else node)
                 if isinstance(child, dict | list)]
    return depth


def _finite(number: float) -> bool:
    return number == number and number not in (float("inf"), float("-inf"))


def loads_json(text: str | bytes) -> Any:
    """``json.loads`` that refuses NaN/Infinity and nesting past MAX_JSON_DEPTH with ValueError (never
    RecursionError), so a body no later step could handle is refused where it is read."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise JSONTooDeep(f"JSON nests deeper than {MAX_JSON_DEPTH} levels") from exc
    if json_depth(value) > MAX_JSON_DEPTH:
        raise JSONTooDeep(f"JSON nests deeper than {MAX_JSON_DEPTH} levels")
    return value


class JSONTooDeep(ValueError):
    """A JSON text nested deeper than the service accepts."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
