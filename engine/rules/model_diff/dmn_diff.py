"""Differences between two versions of a DMN file: decisions, their inputs and outputs, and rules by id.

Rule cells are positional, so they are compared column by column (规则输入第1列…). With the FIRST hit
policy the order of rules matters: a rule is reported as moved only when its place among the rules
kept in both versions changed, not because a rule was inserted before it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from lxml import etree

from engine.rules.rule_xml import canonical, display_name

from .change import FINGERPRINT, Change, Facts, compare

Key = tuple[str, str]
# What the elements below do not cover (input data, knowledge sources), and who saved the file (not a change).
_ELSEWHERE = frozenset({"decision", "DMNDI"})
_TOOL_ATTRIBUTES = frozenset({"exporter", "exporterVersion"})
_LABELS = {"decision": "决策", "input": "决策输入", "output": "决策输出", "rule": "决策规则"}
# Children and attributes that facts already describe, left out of the "everything else" digest.
_LISTED_TAGS = frozenset({"decisionTable", "description", "input", "output", "rule", "inputExpression",
                          "inputValues", "inputEntry", "outputEntry"})
_LISTED_ATTRIBUTES = frozenset({"id", "name", "label", "typeRef"})


def diff_dmn(file: str, old_root: Any, new_root: Any) -> list[Change]:
    """Decisions, inputs, outputs and rules added, removed and changed; else 布局调整 if only the DMNDI moved."""
    old, new = _elements(old_root), _elements(new_root)
    moved = _moved_rules(old, new)
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        element = new[key][0] if key in new else old[key][0]
        name = new[key][1] if key in new else old[key][1]
        change = compare(file, _LABELS[etree.QName(element).localname], key[1], name,
                         _facts(*old[key], key in moved) if key in old else None,
                         _facts(*new[key], key in moved) if key in new else None)
        if change is not None:
            changes.append(change)
    if canonical(old_root, _ELSEWHERE, _TOOL_ATTRIBUTES) != canonical(new_root, _ELSEWHERE, _TOOL_ATTRIBUTES):
        changes.append(Change(file, "changed", "文件", "", file, ("其他定义已修改",)))  # input data, knowledge...
    if not changes and canonical(old_root, skip_attributes=_TOOL_ATTRIBUTES) != canonical(
            new_root, skip_attributes=_TOOL_ATTRIBUTES):
        changes.append(Change(file, "changed", "文件", "", file, ("布局调整",)))
    return changes


def _elements(root: Any) -> dict[Key, tuple[Any, str, int]]:
    """(element, name shown, rule number) by (decision id, element id), in document order."""
    ns = etree.QName(root).namespace
    found: dict[Key, tuple[Any, str, int]] = {}
    for decision in root.iterchildren(f"{{{ns}}}decision"):
        decision_id = str(decision.get("id"))
        found[(decision_id, decision_id)] = (decision, display_name(decision), 0)
        table = decision.find(f"{{{ns}}}decisionTable")
        if table is None:
            continue
        for column in [*table.iterchildren(f"{{{ns}}}input"), *table.iterchildren(f"{{{ns}}}output")]:
            found[(decision_id, str(column.get("id")))] = (column, display_name(column), 0)
        for number, rule in enumerate(table.iterchildren(f"{{{ns}}}rule"), start=1):
            found[(decision_id, str(rule.get("id")))] = (rule, f"第{number}条规则", number)
    return found


def _moved_rules(old: dict[Key, tuple[Any, str, int]], new: dict[Key, tuple[Any, str, int]]) -> set[Key]:
    kept_old = [k for k, v in old.items() if v[2] and k in new]
    rank_new = {key: rank for rank, key in enumerate(k for k, v in new.items() if v[2] and k in old)}
    return {key for rank, key in enumerate(kept_old) if rank_new[key] != rank}


def _facts(element: Any, name: str, number: int, moved: bool) -> Facts:
    ns = etree.QName(element).namespace
    tag = etree.QName(element).localname

    def text(path: str) -> str:
        return (element.findtext(path.format(ns=f"{{{ns}}}")) or "").strip()

    facts: dict[str, str] = {"名称": f"「{name}」" if tag != "rule" else "", "说明": text("{ns}description")}
    if tag == "decision":
        table = element.find(f"{{{ns}}}decisionTable")
        facts["命中策略"] = str(table.get("hitPolicy") or "UNIQUE") if table is not None else ""
    elif tag == "input":
        expression = element.find(f"{{{ns}}}inputExpression")
        facts.update({"表达式": text("{ns}inputExpression/{ns}text"), "取值": text("{ns}inputValues/{ns}text"),
                      "数据类型": str(expression.get("typeRef") or "") if expression is not None else ""})
    elif tag == "output":
        facts.update({"变量": str(element.get("name") or ""), "数据类型": str(element.get("typeRef") or "")})
    elif tag == "rule":
        if moved:
            facts["顺序"] = f"第{number}条"
        for kind, label in (("inputEntry", "规则输入"), ("outputEntry", "规则输出")):
            for column, entry in enumerate(element.iterchildren(f"{{{ns}}}{kind}"), start=1):
                facts[f"{label}第{column}列"] = (entry.findtext(f"{{{ns}}}text") or "").strip()
    digest = canonical(element, _LISTED_TAGS, _LISTED_ATTRIBUTES)
    facts[FINGERPRINT] = hashlib.sha256(digest.encode()).hexdigest()
    return facts
