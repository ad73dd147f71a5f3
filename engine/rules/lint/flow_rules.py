"""Lint rules for the sequence flows: every case can reach each node and leave it again.

SpiffWorkflow accepts a diagram whose task has no outgoing flow, or whose node nothing leads to; a
case then stops there with no open task, or a branch policy staff drew never runs. Within each
process and subprocess:
- every flow node but an end event has an outgoing flow (a compensation boundary event needs none);
- every node but a start or boundary event has an incoming flow;
- every node is reachable along the flows from a start event (a boundary event when its activity is).

Event subprocesses are started by their event, not by a flow; link events jump without one; compensation
handlers are not joined by flows at all, nor is what lies in an ad hoc subprocess (not checked).
"""

from __future__ import annotations

from typing import Any

from engine.rules.rule_xml import BPMN_NS, FLOW_NODE_TAGS, display_name, element_label, local_name, processes

from .problem import Problem
from .rule_set import RuleSet, XmlFile

_CONTAINERS = frozenset({"process", "subProcess", "transaction"})
_MISSING = " missing"  # a node that a flow or boundary event names but that does not exist (no id has spaces)


def flow_problems(rule_set: RuleSet) -> list[Problem]:
    """A problem for each flow node a case cannot reach or cannot leave."""
    problems = []
    for diagram in rule_set.diagrams.values():
        for process in processes(diagram.root):
            for container in [process, *_subprocesses(process)]:
                problems += _container_problems(diagram, container)
    return problems


def _subprocesses(process: Any) -> list[Any]:
    return [el for el in process.iter() if el is not process and local_name(el) in _CONTAINERS]


def _container_problems(diagram: XmlFile, container: Any) -> list[Problem]:
    nodes = {str(n.get("id")): n for n in container if local_name(n) in FLOW_NODE_TAGS}
    following: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    outgoing: set[str] = set()
    incoming: set[str] = set()
    for flow in container.iterchildren(f"{{{BPMN_NS}}}sequenceFlow"):
        source, target = str(flow.get("sourceRef")), str(flow.get("targetRef"))
        # A flow with a dangling end is reported by the reference rules; its other end is connected all the same.
        outgoing.add(source)
        incoming.add(target)
        if source in nodes and target in nodes:
            following[source].append(target)
        elif target in nodes:
            following.setdefault(_MISSING, []).append(target)  # whatever is wrong lies before the target
    for node_id, node in nodes.items():
        if local_name(node) == "boundaryEvent" and node.get("attachedToRef") in nodes:
            following[str(node.get("attachedToRef"))].append(node_id)
        elif local_name(node) == "boundaryEvent":
            following.setdefault(_MISSING, []).append(node_id)
    problems = []
    for node_id, node in nodes.items():
        name = f"{element_label(node)}「{display_name(node)}」"
        if node_id not in outgoing and _needs_outgoing(node):
            problems.append(diagram.problem(node, f"{name}没有流出的顺序流：案件到这里会停住"))
        if node_id not in incoming and _needs_incoming(node):
            problems.append(diagram.problem(node, f"{name}没有流入的顺序流：案件永远不会到达这里"))
    problems += _unreachable_problems(diagram, nodes, following, incoming)
    return problems


def _unreachable_problems(
    diagram: XmlFile, nodes: dict[str, Any], following: dict[str, list[str]], incoming: set[str]
) -> list[Problem]:
    """Nodes no start reaches, except those that only follow a node reported as having no incoming flow."""
    starts = [node_id for node_id, node in nodes.items() if _is_start(node)]
    if not starts:
        return []  # SpiffWorkflow reports a process or subprocess without a start event
    unreachable = set(nodes) - _reached([*starts, _MISSING], following)
    orphans = [n for n in unreachable if n not in incoming and _needs_incoming(nodes[n])]
    # Everything after an orphan is unreachable because of it: one problem on the orphan says enough.
    explained = _reached(orphans, following)
    return [diagram.problem(node, f"{element_label(node)}「{display_name(node)}」从开始事件沿顺序流无法到达："
                                  "案件永远不会到达这里")
            for node_id, node in nodes.items() if node_id in unreachable - explained]


def _reached(starts: list[str], following: dict[str, list[str]]) -> set[str]:
    seen, stack = set(starts), list(starts)
    while stack:
        for target in following.get(stack.pop(), []):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _is_start(node: Any) -> bool:
    tag = local_name(node)
    return tag == "startEvent" or _is_event_subprocess(node) or _is_for_compensation(node) or (
        tag == "intermediateCatchEvent" and _has_definition(node, "linkEventDefinition"))


def _needs_outgoing(node: Any) -> bool:
    tag = local_name(node)
    if tag == "endEvent" or _is_event_subprocess(node) or _is_for_compensation(node):
        return False
    if tag == "boundaryEvent" and _has_definition(node, "compensateEventDefinition"):
        return False
    return not (tag == "intermediateThrowEvent" and _has_definition(node, "linkEventDefinition"))


def _needs_incoming(node: Any) -> bool:
    tag = local_name(node)
    return tag not in ("startEvent", "boundaryEvent") and not _is_start(node)


def _is_event_subprocess(node: Any) -> bool:
    return local_name(node) == "subProcess" and bool(node.get("triggeredByEvent") == "true")


def _is_for_compensation(node: Any) -> bool:
    return bool(node.get("isForCompensation") == "true")


def _has_definition(node: Any, definition: str) -> bool:
    return node.find(f"{{{BPMN_NS}}}{definition}") is not None
