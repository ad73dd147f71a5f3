"""The guard functions RestrictedPython's code calls: attribute reads, writes, formatting, in-place operators.

Attribute access is allowed only on plain data values; ``str.format``/``format_map`` fields use the same
guard, and the methods whose result size an argument controls (``ljust``, ``replace`` …) are checked
against the memory budget first (``limits.SIZED_METHODS``).
"""

from __future__ import annotations

import _string
import functools
import operator
import string
from collections.abc import Callable, Mapping
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from engine.store.errors import ScriptError

from .limits import (
    CHECKED_INPLACE,
    SIZED_METHODS,
    check_format_spec,
    checked_add,
    checked_format,
    checked_lshift,
    checked_mod,
    checked_mul,
    checked_pow,
)
from .safe_builtins import BUILTINS

# Values whose attributes scripts may read; bool and datetime are covered as subclasses of int and date.
_DATA_TYPES = (str, bytes, int, float, list, tuple, dict, set, frozenset, date, time, timedelta, Decimal)
_BUILTIN_CLASSES = (str, bytes, int, float, bool, list, tuple, dict, set, frozenset)
_FORMAT_METHODS = frozenset({"format", "format_map"})
DENIED_ATTRIBUTES = INSPECT_ATTRIBUTES | {"mro", "func_globals", "func_code"}

_INPLACE_OPERATORS: Mapping[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "|=": operator.ior, "^=": operator.ixor, "&=": operator.iand,
    **CHECKED_INPLACE,
}


def guarded_getattr(obj: object, name: str) -> Any:
    """Read an attribute of a plain data value; anything that could reach Python internals raises."""
    if name.startswith("_") or name in DENIED_ATTRIBUTES:
        raise ScriptError(f"Attribute '{name}' is not allowed")
    if name in _FORMAT_METHODS:
        if not isinstance(obj, str):
            raise ScriptError(f"Attribute '{name}' is not allowed here")
        return _safe_format_method(obj, name)
    if not isinstance(obj, _DATA_TYPES) and not any(obj is cls for cls in _BUILTIN_CLASSES):
        raise ScriptError(f"Attribute '{name}' of a {type(obj).__name__} value is not allowed")
    sized = SIZED_METHODS.get(name)
    if sized is not None and isinstance(obj, str | bytes):
        return sized(obj)
    if sized is not None and (obj is str or obj is bytes):  # the unbound method: str.ljust("x", 10**10)
        return lambda text, *args, **kwargs: sized(text)(*args, **kwargs)
    return getattr(obj, name)


class _SafeFormatter(string.Formatter):
    """``str.format`` whose field lookups go through the guards and whose widths are checked."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, Any]:
        first, rest = _string.formatter_field_name_split(field_name)
        value = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            value = guarded_getattr(value, key) if is_attribute else value[key]
        return value, first

    def format_field(self, value: Any, format_spec: str) -> Any:
        check_format_spec(format_spec)
        return super().format_field(value, format_spec)


_FORMATTER = _SafeFormatter()


def _safe_format_method(text: str, name: str) -> Callable[..., str]:
    if name == "format":
        return functools.partial(_FORMATTER.format, text)
    return lambda mapping: _FORMATTER.vformat(text, (), mapping)


def _guarded_write(obj: Any) -> Any:
    """Allow item assignment only on dicts and lists (task data or built by the script)."""
    if isinstance(obj, dict | list):
        return obj
    raise ScriptError(f"Changing a {type(obj).__name__} value is not allowed")


def _inplace(op: str, target: Any, value: Any) -> Any:
    function = _INPLACE_OPERATORS.get(op)
    if function is None:
        raise ScriptError(f"Operator '{op}' is not allowed")
    return function(target, value)


# Set last in every scope so task data (which may hold any key) can never replace a guard.
# The run's own ``_tick_`` is added beside these by the environment.
GUARDS: Mapping[str, Any] = {
    "__builtins__": BUILTINS,
    "_getattr_": guarded_getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": _guarded_write,
    "_inplacevar_": _inplace,
    "_apply_": lambda function, *args, **kwargs: function(*args, **kwargs),
    "_print_": PrintCollector,
    "_pow_": checked_pow,
    "_mul_": checked_mul,
    "_add_": checked_add,
    "_lshift_": checked_lshift,
    "_mod_": checked_mod,
    "_format_": checked_format,
}
