"""What a decision-table input cell matches, read the way SpiffWorkflow evaluates it.

SpiffWorkflow cells are Python, not FEEL: ``-`` (or nothing) matches anything; a cell with ``?`` is an
expression on the input (``? in ("a", "b")``); any other cell is compared with ``==``. So a FEEL-style
list ``"a","b"`` is one tuple and matches none of its members. A cell we cannot read matches nothing,
which can only make the coverage check stricter.
"""

from __future__ import annotations

import ast
import itertools
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

from .python_text import parse_python

Matcher = Callable[[Any], bool]
COMBINATION_LIMIT = 10_000
CELL_LIMIT = 1_000  # characters: a longer cell is unreadable, so it matches nothing

# SpiffWorkflow's own pattern: a "?" outside quotes stands for the input value.
_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")
_INPUT = "_dmn_input_"
_OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
    ast.In: lambda value, options: value in options, ast.NotIn: lambda value, options: value not in options,
}
_UNREADABLE = object()


def is_any(text: str) -> bool:
    """True for a cell that matches every input ("-" or empty)."""
    return text.strip() in ("", "-")


def is_tuple_literal(text: str) -> bool:
    """True for a FEEL-style list such as ``"a","b"``, which SpiffWorkflow compares as one tuple."""
    return isinstance(_literal(text), tuple)


def cell_matcher(text: str) -> Matcher:
    """A predicate telling whether the cell ``text`` matches an input value."""
    if is_any(text):
        return lambda value: True
    if len(text) > CELL_LIMIT:
        return lambda value: False  # and the pattern below is quadratic in the text's length
    if _QUESTION.search(text):
        return _comparison(_QUESTION.sub(_INPUT, text.strip()))
    literal = _literal(text)
    if literal is _UNREADABLE or isinstance(literal, tuple):
        return lambda value: False
    return lambda value: bool(value == literal)


def enumerated_domain(text: str) -> tuple[Any, ...] | None:
    """The values an ``inputValues`` text lists (``"a","b"``), or None when it lists none."""
    literal = _literal(text) if text.strip() else _UNREADABLE
    if literal is _UNREADABLE:
        return None
    return literal if isinstance(literal, tuple) else (literal,)


def first_uncovered(domains: Sequence[tuple[Any, ...]], rules: Sequence[Sequence[Matcher]]) -> tuple[Any, ...] | None:
    """The first combination of input values that no rule matches, or None when every one is matched.

    :raises OverflowError: more than COMBINATION_LIMIT combinations to check.
    """
    count = 1
    for domain in domains:
        count *= len(domain)
    if count > COMBINATION_LIMIT:
        raise OverflowError(f"{count} combinations")
    for combination in itertools.product(*domains):
        if not any(all(match(value) for match, value in zip(rule, combination, strict=True)) for rule in rules):
            return combination
    return None


def _literal(text: str) -> Any:
    if len(text) > CELL_LIMIT:
        return _UNREADABLE
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _UNREADABLE


def _comparison(expression: str) -> Matcher:
    parsed = parse_python(expression, "eval")
    if not isinstance(parsed, ast.Expression):
        return lambda value: False
    tree = parsed.body
    if not (isinstance(tree, ast.Compare) and isinstance(tree.left, ast.Name) and tree.left.id == _INPUT
            and len(tree.ops) == 1 and type(tree.ops[0]) in _OPERATORS):
        return lambda value: False
    try:
        operand = ast.literal_eval(tree.comparators[0])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return lambda value: False
    compare = _OPERATORS[type(tree.ops[0])]

    def match(value: Any) -> bool:
        try:
            return bool(compare(value, operand))
        except TypeError:
            return False

    return match
