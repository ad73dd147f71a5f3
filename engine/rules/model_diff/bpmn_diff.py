"""Differences between two versions of a BPMN diagram, element by element within each process.

Elements (the process, participants, lanes, flow nodes, sequence flows) are matched by id. The
diagram-interchange part (shapes, edges, label positions) is ignored unless nothing else changed:
then the file gets one 布局调整 entry.
"""

from __future__ import annotations

import hashlib
from typing import Any

from engine.rules.rule_xml import (
    BPMN_NS,
    FLOW_NODE_TAGS,
    canonical,
    child_text,
    display_name,
    element_label,
    is_timer_event,
    local_name,
    spiff_properties,
    spiff_text,
)

from .change import FINGERPRINT, Change, Facts, FactValue, Ref, compare

_COMPARED = FLOW_NODE_TAGS | {"process", "participant", "lane", "sequenceFlow"}
# Children and attributes that facts already describe, left out of the "everything else" digest.
_LISTED_TAGS = _COMPARED | {
    "documentation", "incoming", "outgoing", "script", "flowNodeRef", "conditionExpression", "laneSet",
    "childLaneSet", "timeDate", "timeDuration", "timeCycle", "properties", "calledDecisionId", "preScript",
    "postScript",
}
_LISTED_ATTRIBUTES = frozenset({"id", "name", "sourceRef", "targetRef", "attachedToRef", "cancelActivity",
                                "calledElement", "isExecutable"})
# What the elements above do not cover: definitions outside processes (messages, signals, message flows).
_ELSEWHERE = frozenset({"process", "participant", "BPMNDiagram"})
# Which program saved the file is not a change of the rules.
_TOOL_ATTRIBUTES = frozenset({"exporter", "exporterVersion"})
Key = tuple[str, str]


def diff_bpmn(file: str, old_root: Any, new_root: Any) -> list[Change]:
    """Elements added, removed and changed from ``old_root`` to ``new_root``; else 布局调整 if only layout moved."""
    old, new = _elements(old_root), _elements(new_root)
    old_names, new_names = _names(old_root), _names(new_root)
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        element = new.get(key, old.get(key))
        names = new_names if key in new else old_names
        change = compare(file, element_label(element), key[1], _name(element, names),
                         _facts(old[key], old_names) if key in old else None,
                         _facts(new[key], new_names) if key in new else None)
        if change is not None:
            changes.append(change)
    if canonical(old_root, _ELSEWHERE, _TOOL_ATTRIBUTES) != canonical(new_root, _ELSEWHERE, _TOOL_ATTRIBUTES):
        changes.append(Change(file, "changed", "文件", "", file, ("其他定义已修改",)))  # messages, signals...
    if not changes and canonical(old_root, skip_attributes=_TOOL_ATTRIBUTES) != canonical(
            new_root, skip_attributes=_TOOL_ATTRIBUTES):
        changes.append(Change(file, "changed", "文件", "", file, ("布局调整",)))
    return changes


def _elements(root: Any) -> dict[Key, Any]:
    """Compared elements by (process id, element id), in document order; participants under ""."""
    found: dict[Key, Any] = {}
    for participant in root.iter(f"{{{BPMN_NS}}}participant"):
        found[("", str(participant.get("id")))] = participant
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        process_id = str(process.get("id"))
        for element in process.iter():
            if local_name(element) in _COMPARED and element.get("id"):
                found[(process_id, str(element.get("id")))] = element
    return found


def _names(root: Any) -> dict[str, str]:
    return {str(el.get("id")): display_name(el) for el in root.iter() if el.get("id")}


def _ref(element_id: str | None, names: dict[str, str]) -> Ref:
    return Ref(element_id or "", f"「{names.get(element_id or '', element_id or '')}」")


def _name(element: Any, names: dict[str, str]) -> str:
    if local_name(element) == "sequenceFlow" and not element.get("name"):
        return "→".join(names.get(str(element.get(a)), str(element.get(a))) for a in ("sourceRef", "targetRef"))
    return display_name(element)


def _facts(element: Any, names: dict[str, str]) -> Facts:
    tag = local_name(element)
    facts: dict[str, FactValue] = {
        "类型": element_label(element),
        "名称": f"「{element.get('name')}」" if element.get("name") else "",
        "说明": child_text(element, "documentation"),
    }
    if tag == "process":
        facts["可执行"] = "是" if element.get("isExecutable") == "true" else "否"
    if tag == "lane":
        refs = element.findall(f"{{{BPMN_NS}}}flowNodeRef")
        facts["节点"] = frozenset(_ref((r.text or "").strip(), names) for r in refs)
    if tag == "sequenceFlow":
        facts["起点"] = _ref(element.get("sourceRef"), names)
        facts["终点"] = _ref(element.get("targetRef"), names)
        facts["条件"] = child_text(element, "conditionExpression")
    facts.update(_behaviour_facts(element, tag, names))
    facts[FINGERPRINT] = hashlib.sha256(canonical(element, _LISTED_TAGS, _LISTED_ATTRIBUTES).encode()).hexdigest()
    return facts


def _behaviour_facts(element: Any, tag: str, names: dict[str, str]) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    if is_timer_event(element):
        definition = element.find(f"{{{BPMN_NS}}}timerEventDefinition")
        for kind in ("timeDate", "timeDuration", "timeCycle"):
            if definition.find(f"{{{BPMN_NS}}}{kind}") is not None:
                facts["定时类型"] = kind
                facts["定时表达式"] = child_text(definition, kind)
    if tag == "boundaryEvent":
        facts["附着于"] = _ref(element.get("attachedToRef"), names)
        facts["中断"] = "否" if element.get("cancelActivity") == "false" else "是"
    if tag == "scriptTask":
        facts["脚本"] = child_text(element, "script")
    facts["前置脚本"] = spiff_text(element, "preScript")
    facts["后置脚本"] = spiff_text(element, "postScript")
    if tag == "callActivity":
        facts["调用流程"] = str(element.get("calledElement") or "")
    if tag == "businessRuleTask":
        facts["调用决策"] = spiff_text(element, "calledDecisionId")
    for name, value in spiff_properties(element).items():
        facts[f"属性 {name}"] = value
    return facts
