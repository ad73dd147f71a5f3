"""What changed between two versions of a rule set: ``diff_sources(old, new) -> [Change]``.

Files are compared by name; within a file, elements by id (``bpmn_diff``, ``dmn_diff``) and form
fields by JSON pointer (``form_diff``). Each change names the element and says in Chinese what
changed, for the policy editor's diff view.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lxml import etree

from engine.rules.form_fields import FORM_SUFFIX
from engine.rules.rule_xml import BPMN_NS, parse_xml

from .bpmn_diff import diff_bpmn
from .change import Change
from .dmn_diff import diff_dmn
from .form_diff import diff_form

__all__ = ["Change", "diff_sources"]


def diff_sources(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    """Every change from ``old`` to ``new`` ({file name: text}), by file name, then in element order."""
    changes: list[Change] = []
    for file in sorted(set(old) | set(new)):
        if file not in old:
            changes.append(Change(file, "added", "文件", "", _title(file, new[file])))
        elif file not in new:
            changes.append(Change(file, "removed", "文件", "", _title(file, old[file])))
        elif old[file] != new[file]:
            changes += _diff_file(file, old[file], new[file])
    return changes


def _diff_file(file: str, old: str, new: str) -> list[Change]:
    if not file.endswith((".bpmn", ".dmn", FORM_SUFFIX)):
        return [Change(file, "changed", "文件", "", file, ("文件内容已修改",))]
    try:
        if file.endswith(".bpmn"):
            return diff_bpmn(file, parse_xml(old), parse_xml(new))
        if file.endswith(".dmn"):
            return diff_dmn(file, parse_xml(old), parse_xml(new))
        if file.endswith(FORM_SUFFIX):
            old_form, new_form = json.loads(old), json.loads(new)
            if isinstance(old_form, dict) and isinstance(new_form, dict):
                return diff_form(file, old_form, new_form)
    except (etree.XMLSyntaxError, json.JSONDecodeError, RecursionError, MemoryError):
        pass  # a draft that does not parse yet (or nests too deep to walk) is still a changed file
    return [Change(file, "changed", "文件", "", file, ("文件无法解析，未逐项比较",))]


def _title(file: str, text: str) -> str:
    """The process, decision-table or form title a file carries, or its name."""
    try:
        if file.endswith(FORM_SUFFIX):
            form: Any = json.loads(text)
            return str(form.get("title") or file) if isinstance(form, dict) else file
        root = parse_xml(text)
    except (etree.XMLSyntaxError, json.JSONDecodeError, RecursionError, MemoryError):
        return file
    process = root.find(f"{{{BPMN_NS}}}process")
    return str((process if process is not None else root).get("name") or file)
