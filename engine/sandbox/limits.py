"""Operations that could allocate a lot in one step, checked before they run.

No tick happens inside a single C-level operation, so ``'x' * 10**10`` or ``10**10**8`` would exhaust
memory (or run for minutes) before the meter could look. The instrumented code calls these functions
instead of the plain operators; each estimates the size of the result and refuses it when it exceeds
the memory budget. Integers are capped by bits (``MAX_INT_BITS``) because big-integer arithmetic is slow
long before it is large.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from .budget import current_meter

MAX_INT_BITS = 1 << 20  # about 315,000 decimal digits: far beyond any fee or count, computed in milliseconds
_SEQUENCES = (str, bytes, list, tuple)
_CHAR_BYTES = 4  # a str may hold 4-byte characters; a list slot is 8 bytes
_NUMBERS = (int, float)
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


def _item_bytes(value: Any) -> int:
    return _CHAR_BYTES if isinstance(value, str | bytes) else 8


def _refuse_int(bits: int, what: str) -> None:
    if bits > MAX_INT_BITS:
        current_meter().fail("memory", f"{what}的结果超过 {MAX_INT_BITS:,} 位二进制")


def checked_pow(base: Any, exponent: Any) -> Any:
    """``base ** exponent``, refused when the integer result would be huge."""
    if type(base) is int and type(exponent) is int and exponent > 0 and abs(base) > 1:
        if exponent > MAX_INT_BITS or abs(base).bit_length() * exponent > MAX_INT_BITS:
            _refuse_int(MAX_INT_BITS + 1, "乘方")
    return base**exponent


def checked_mul(left: Any, right: Any) -> Any:
    """``left * right``, refused when a repeated sequence or a product of integers would be huge."""
    if type(left) in _NUMBERS and type(right) in _NUMBERS:
        if type(left) is int and type(right) is int:
            _refuse_int(left.bit_length() + right.bit_length(), "乘法")
        return left * right
    sequence, count = (left, right) if isinstance(left, _SEQUENCES) else (right, left)
    if isinstance(sequence, _SEQUENCES) and isinstance(count, int) and count > 0:
        current_meter().refuse_size(len(sequence) * count * _item_bytes(sequence), "重复序列")
    return left * right


def checked_add(left: Any, right: Any) -> Any:
    """``left + right``, refused when joining two sequences would exceed the memory budget."""
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        current_meter().refuse_size((len(left) + len(right)) * _item_bytes(left), "拼接序列")
    return left + right


def checked_lshift(left: Any, right: Any) -> Any:
    """``left << right``, refused when the shifted integer would be huge."""
    if type(left) is int and type(right) is int and left and right > 0:
        _refuse_int(left.bit_length() + right, "左移")
    return left << right


def checked_mod(left: Any, right: Any) -> Any:
    """``left % right``; for ``"%10000000000d" % x`` the widths are checked first."""
    if isinstance(left, str):
        check_percent_widths(left, right)
    return left % right


def check_width(width: int, what: str = "格式宽度") -> None:
    """Refuse a padding width or precision whose text would exceed the memory budget."""
    current_meter().refuse_size(width * _CHAR_BYTES, what)


def check_format_spec(spec: str) -> None:
    """Refuse a format spec (``>10000000000``, ``.999999999f``) whose result would exceed the memory budget."""
    for digits in _DIGITS.findall(spec):
        check_width(int(digits) if len(digits) < 20 else 10**20)


def check_percent_widths(template: str, args: Any) -> None:
    """Check the widths and precisions of a ``%`` template, including ``*`` taken from the arguments."""
    fields = _PERCENT_FIELD.findall(template)
    if any("*" in (width, precision) for width, precision in fields):
        values = args if isinstance(args, tuple) else (args,)
        for value in values:
            if type(value) is int:
                check_width(abs(value))
    for width, precision in fields:
        for digits in (width, precision):
            if digits and digits != "*":
                check_width(int(digits) if len(digits) < 20 else 10**20)


def checked_format(value: Any, conversion: int, spec: str) -> str:
    """An f-string field with a format spec (``f"{x:>{w}}"``), its spec checked first."""
    check_format_spec(spec)
    if conversion == ord("s"):
        value = str(value)
    elif conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("a"):
        value = ascii(value)
    return format(value, spec)


def _checked_replace(text: str | bytes, old: Any, new: Any, count: int = -1) -> Any:
    if isinstance(old, str | bytes) and isinstance(new, str | bytes) and len(new) > len(old):
        found = text.count(old) if old else len(text) + 1  # type: ignore[arg-type,unused-ignore]
        found = found if count < 0 else min(found, count)
        current_meter().refuse_size((len(text) + found * (len(new) - len(old))) * _CHAR_BYTES, "替换结果")
    return text.replace(old, new, count)


def _padding(name: str) -> Callable[..., Callable[..., Any]]:
    def bind(text: str | bytes) -> Callable[..., Any]:
        method = getattr(text, name)

        def call(width: Any, *args: Any) -> Any:
            if isinstance(width, int):
                check_width(width)
            return method(width, *args)

        return call

    return bind


def _expandtabs(text: str | bytes) -> Callable[..., Any]:
    def call(tabsize: int = 8) -> Any:
        if isinstance(tabsize, int):
            tabs = text.count("\t") if isinstance(text, str) else text.count(b"\t")
            check_width(tabsize * (tabs + 1) + len(text))
        return text.expandtabs(tabsize)

    return call


# Methods of str and bytes whose result size a small argument controls, by name.
SIZED_METHODS: Mapping[str, Callable[[Any], Callable[..., Any]]] = {
    **{name: _padding(name) for name in ("ljust", "rjust", "center", "zfill")},
    "expandtabs": _expandtabs,
    "replace": lambda text: lambda old, new, count=-1: _checked_replace(text, old, new, count),
}

def _checked_iadd(left: Any, right: Any) -> Any:
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        current_meter().refuse_size((len(left) + len(right)) * _item_bytes(left), "拼接序列")
    return operator.iadd(left, right)  # type: ignore[no-untyped-call]  # in place for lists, as plain Python does


def _checked_imul(left: Any, right: Any) -> Any:
    if isinstance(left, list) and isinstance(right, int) and right > 0:
        current_meter().refuse_size(len(left) * right * 8, "重复序列")
        return operator.imul(left, right)  # type: ignore[no-untyped-call]
    return checked_mul(left, right)


# For augmented assignment (``x *= 10**9``), which RestrictedPython routes through ``_inplacevar_``.
CHECKED_INPLACE: Mapping[str, Callable[[Any, Any], Any]] = {
    "+=": _checked_iadd, "*=": _checked_imul, "**=": checked_pow, "<<=": checked_lshift, "%=": checked_mod,
}
