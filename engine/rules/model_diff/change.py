"""One line of a version diff, and how an element's facts turn into its Chinese detail lines.

Each differ describes an element as *facts*: label → text (``名称`` → ``「受理检定申请」``), label → a
reference to another element (a flow's ``起点``) or label → a set of references (a lane's ``节点``).
References compare by id and show the name, so renaming a task is one change, not one per flow.
Comparing two fact dicts gives the lines policy staff read.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Ref:
    """Another element, equal by id and shown by name."""

    id: str
    shown: str = field(compare=False)


FactValue = str | Ref | frozenset[Ref]
Facts = Mapping[str, FactValue]

FINGERPRINT = "其他设置已修改"  # a fact holding a digest of everything not listed: shown as this label only
_SHORT = 60    # longer single-line texts are shown as the changed excerpt only
_CONTEXT = 12  # characters kept around a changed excerpt
_MIDDLE = 200  # characters of a changed excerpt or script line shown at most
_MAX_LINES = 2_000  # lines, and characters below, beyond which a text is not compared line by line
_MAX_TEXT = 200_000
TOO_LONG = "内容已修改（过长，不逐行显示）"


@dataclass(frozen=True)
class Change:
    """An element added, removed or changed between two versions of a rule file.

    ``element_id`` "" with ``element_type`` 文件 means the whole file (added, removed, or only laid out anew).
    """

    file: str
    kind: Kind
    element_type: str
    element_id: str
    name: str
    details: tuple[str, ...] = ()


def compare(file: str, element_type: str, element_id: str, name: str,
            old: Facts | None, new: Facts | None) -> Change | None:
    """The change from ``old`` to ``new`` facts (None: the element is absent), or None when they agree."""
    if old is None and new is not None:
        return Change(file, "added", element_type, element_id, name, summary(new))
    if new is None and old is not None:
        return Change(file, "removed", element_type, element_id, name, summary(old))
    lines = changed_lines(old or {}, new or {})
    return Change(file, "changed", element_type, element_id, name, lines) if lines else None


def summary(facts: Facts) -> tuple[str, ...]:
    """The facts of an added or removed element, one line each, long texts cut short."""
    lines = []
    for label, value in facts.items():
        if isinstance(value, frozenset):
            lines += [f"{label}：{item.shown}" for item in sorted(value, key=lambda r: r.id)]
        elif isinstance(value, Ref):
            lines.append(f"{label}：{value.shown}")
        elif value and label not in ("名称", "类型", FINGERPRINT):
            lines.append(f"{label}：{_cut(value)}")
    return tuple(lines)


def changed_lines(old: Facts, new: Facts) -> tuple[str, ...]:
    """One line per fact that differs, in the order the facts are listed (new facts last)."""
    lines: list[str] = []
    for label in [*old, *(k for k in new if k not in old)]:
        before, after = old.get(label, ""), new.get(label, "")
        if before == after:
            continue
        if label == FINGERPRINT:
            lines.append(label)
        elif isinstance(before, frozenset) or isinstance(after, frozenset):
            lines += _set_lines(label, _as_set(before), _as_set(after))
        elif "\n" in _as_text(before) or "\n" in _as_text(after):
            lines += _text_lines(label, _as_text(before), _as_text(after))
        else:
            lines.append(_value_line(label, _as_text(before), _as_text(after)))
    return tuple(lines)


def _value_line(label: str, before: str, after: str) -> str:
    if len(before) > _SHORT or len(after) > _SHORT:
        before, after = _excerpts(before, after)
    if before.startswith("「") and after.startswith("「"):
        return f"{label}：{before}→{after}"
    return f"{label}：{before or '（无）'} → {after or '（无）'}"


def _text_lines(label: str, before: str, after: str) -> list[str]:
    old_lines, new_lines = before.splitlines(), after.splitlines()
    if len(old_lines) + len(new_lines) > _MAX_LINES or len(before) + len(after) > _MAX_TEXT:
        return [f"{label}：{TOO_LONG}"]
    # Whole lines only (no intra-line hints like ndiff's), with difflib's junk heuristic: cheap enough here.
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines)
    lines = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            lines += [("-", line) for line in old_lines[i1:i2]] + [("+", line) for line in new_lines[j1:j2]]
    # Keep indentation: in a script it is meaning, not layout.
    return [f"{label}：{sign} {_cut_line(line.rstrip())}" for sign, line in lines if line.strip()]


def _set_lines(label: str, before: frozenset[Ref], after: frozenset[Ref]) -> list[str]:
    return [f"加入{label}：{item.shown}" for item in sorted(after - before, key=lambda r: r.id)] + \
        [f"移出{label}：{item.shown}" for item in sorted(before - after, key=lambda r: r.id)]


def _as_set(value: FactValue) -> frozenset[Ref]:
    return value if isinstance(value, frozenset) else frozenset()


def _as_text(value: FactValue) -> str:
    return value.shown if isinstance(value, Ref) else value if isinstance(value, str) else ""


def _excerpts(before: str, after: str) -> tuple[str, str]:
    """The differing middle of two long texts with a little context, marked with …; linear in their length."""
    limit = min(len(before), len(after))
    start = 0
    while start < limit and before[start] == after[start]:
        start += 1
    end = 0  # characters the two texts share at their end, not overlapping the shared start
    while end < limit - start and before[-1 - end] == after[-1 - end]:
        end += 1
    if start == len(before) == len(after):
        return before, after
    return _window(before, start, len(before) - end), _window(after, start, len(after) - end)


def _window(text: str, start: int, end: int) -> str:
    left, right = max(0, start - _CONTEXT), min(len(text), end + _CONTEXT)
    if end - start > _MIDDLE:
        right = start + _MIDDLE  # a long rewrite shows how it begins
    return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")


def _cut_line(line: str) -> str:
    return line if len(line) <= _MIDDLE else line[:_MIDDLE] + "…"


def _cut(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    return first[:_SHORT] + "…" if len(first) > _SHORT or first != text else first
