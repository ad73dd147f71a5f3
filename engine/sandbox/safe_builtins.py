"""The builtins diagram code sees: a short list of pure functions, with long ranges and ``sum`` metered.

A ``range`` longer than ``LONG_RANGE`` is handed out as a wrapper whose iteration ticks the meter, so a
C-level consumer (``sum(range(10**12))``, ``list(range(10**9))``) stays inside the time and memory
budget; short ranges stay plain ranges and cost nothing. ``sum`` with a non-numeric start (adding lists
or strings, quadratic) runs in Python with a tick per item.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from RestrictedPython.Guards import safe_builtins

from .budget import current_meter
from .limits import checked_add

LONG_RANGE = 1_000_000

_SAFE_NAMES = (
    "None False True abs all any bool chr dict divmod enumerate filter float frozenset int isinstance "
    "len list map max min ord repr reversed round set sorted str tuple zip"
).split()
# Only Exception subclasses: raising SystemExit or KeyboardInterrupt would get past our error wrapping.
_EXCEPTIONS = {k: v for k, v in safe_builtins.items() if isinstance(v, type) and issubclass(v, Exception)}


class LongRange:
    """A range too long to hand to C code unmetered: iterating it ticks the run's meter."""

    __slots__ = ("_range",)

    def __init__(self, span: range) -> None:
        self._range = span

    def __iter__(self) -> Iterator[int]:
        meter = current_meter()
        for number in self._range:
            meter.tick()
            yield number

    def __reversed__(self) -> Iterator[int]:
        return iter(LongRange(self._range[::-1]))

    def __len__(self) -> int:
        return len(self._range)

    def __contains__(self, value: object) -> bool:
        return value in self._range

    def __getitem__(self, index: Any) -> Any:
        found = self._range[index]
        return LongRange(found) if isinstance(found, range) else found


def metered_range(*args: int) -> range | LongRange:
    """``range(...)``; a long one is wrapped so that walking it stays within the budget."""
    span = range(*args)
    try:
        long = len(span) > LONG_RANGE
    except OverflowError:  # more items than a C ssize_t: certainly long
        long = True
    return LongRange(span) if long else span


def metered_sum(items: Iterable[Any], start: Any = 0) -> Any:
    """``sum``; adding lists or other sequences goes item by item with ticks and size checks."""
    if isinstance(start, int | float) and not isinstance(start, bool):
        return builtins.sum(items, start)
    meter = current_meter()
    total = start
    for item in items:
        meter.tick()
        total = checked_add(total, item)
    return total


BUILTINS: Mapping[str, Any] = {
    **{name: getattr(builtins, name) for name in _SAFE_NAMES},
    "range": metered_range,
    "sum": metered_sum,
    **_EXCEPTIONS,
}
