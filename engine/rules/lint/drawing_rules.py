"""Lint rule: every flow node, lane, participant and sequence flow is drawn.

bpmn-js shows only what has a BPMNShape or BPMNEdge; an element without one still runs but policy
staff cannot see, select or fix it in the editor.
"""

from __future__ import annotations

from engine.rules.rule_xml import BPMN_NS, BPMNDI_NS, display_name, element_label, flow_nodes, processes

from .problem import Problem
from .rule_set import RuleSet


def drawing_problems(rule_set: RuleSet) -> list[Problem]:
    """A problem for each element of a process that the diagram does not draw."""
    problems = []
    for diagram in rule_set.diagrams.values():
        root = diagram.root
        if root.find(f"{{{BPMNDI_NS}}}BPMNDiagram") is None:
            problems.append(Problem(diagram.name, "", "", "文件没有图形信息（BPMNDiagram）：请在编辑器中打开并保存"))
            continue
        drawn = {el.get("bpmnElement") for el in root.iter(f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge")}
        elements = [*root.iter(f"{{{BPMN_NS}}}participant")]
        for process in processes(root):
            elements += [*process.iter(f"{{{BPMN_NS}}}lane"), *flow_nodes(process),
                         *process.iter(f"{{{BPMN_NS}}}sequenceFlow")]
        for element in elements:
            if element.get("id") not in drawn:
                problems.append(diagram.problem(
                    element, f"{element_label(element)}「{display_name(element)}」没有画在图上：编辑器无法显示它"))
    return problems
