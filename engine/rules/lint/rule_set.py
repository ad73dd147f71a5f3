"""A set of rule files read once for every lint rule: XML trees, form schemas and where each element lies."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS

from engine.rules.form_fields import FORM_SUFFIX, form_fields
from engine.rules.rule_xml import BPMN_NS, display_name, has_doctype, local_name, parse_xml, processes

from .problem import Problem

MAX_FORM_DEPTH = 64  # levels of objects and lists; production forms nest fewer than 10


@dataclass(frozen=True)
class XmlFile:
    """One well-formed BPMN or DMN file and the document position of each element id."""

    name: str
    root: Any
    order: dict[str, int]

    def problem(self, element: Any, message: str, name: str | None = None) -> Problem:
        """A problem on ``element`` of this file, named as policy staff see it unless ``name`` is given."""
        return Problem(self.name, str(element.get("id") or ""), display_name(element) if name is None else name,
                       message)


@dataclass(frozen=True)
class RuleSet:
    """The readable files of a set: diagrams and decision tables by file name, and parsed forms."""

    sources: Mapping[str, str]
    diagrams: dict[str, XmlFile]
    decision_files: dict[str, XmlFile]
    forms: dict[str, dict[str, Any]]

    def processes(self) -> Iterator[tuple[XmlFile, Any]]:
        """(file, process element) for every process of every diagram."""
        for diagram in self.diagrams.values():
            for process in processes(diagram.root):
                yield diagram, process

    def process_by_id(self) -> dict[str, tuple[XmlFile, Any]]:
        """Every process by id (a duplicated id keeps the first; SpiffWorkflow reports the duplicate)."""
        found: dict[str, tuple[XmlFile, Any]] = {}
        for diagram, process in self.processes():
            found.setdefault(str(process.get("id")), (diagram, process))
        return found

    def decision_ids(self) -> set[str]:
        """The ids of every decision in the DMN files."""
        return {str(d.get("id")) for f in self.decision_files.values() for d in f.root if local_name(d) == "decision"}

    def position(self, problem: Problem) -> int:
        """Where the problem's element lies in its file: file-level problems first, unknown ids last."""
        if not problem.element_id:
            return -1
        xml = self.diagrams.get(problem.file) or self.decision_files.get(problem.file)
        if xml is not None:
            return xml.order.get(problem.element_id, len(xml.order))
        pointers = [pointer for pointer, _, _ in form_fields(self.forms.get(problem.file, {}))]
        return pointers.index(problem.element_id) if problem.element_id in pointers else len(pointers)


def read_rule_set(sources: Mapping[str, str]) -> tuple[RuleSet, list[Problem]]:
    """The readable files of ``sources`` and a problem for each file that cannot be read."""
    diagrams: dict[str, XmlFile] = {}
    decision_files: dict[str, XmlFile] = {}
    forms: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for name, text in sources.items():
        if name.endswith(".bpmn") or name.endswith(".dmn"):
            xml, message = _read_xml(name, text)
            if xml is None:
                problems.append(Problem(name, "", "", message))
            else:
                (diagrams if name.endswith(".bpmn") else decision_files)[name] = xml
        elif name.endswith(FORM_SUFFIX):
            schema, message = _read_form(text)
            if schema is None:
                problems.append(Problem(name, "", "", message))
            else:
                forms[name] = schema
        else:
            problems.append(Problem(name, "", "", "不支持的文件类型：规则文件只能是 .bpmn、.dmn 或 .schema.json"))
    return RuleSet(sources, diagrams, decision_files, forms), problems


def _read_xml(name: str, text: str) -> tuple[XmlFile | None, str]:
    try:
        root = parse_xml(text)
    except etree.XMLSyntaxError as exc:
        return None, f"XML 格式错误（第{exc.lineno}行）：{exc.msg}"
    if has_doctype(root):
        return None, "文件含有 DOCTYPE 声明：规则文件不允许 DOCTYPE 或实体声明"
    namespace = etree.QName(root).namespace
    if name.endswith(".bpmn") and (local_name(root) != "definitions" or namespace != BPMN_NS):
        return None, "不是 BPMN 2.0 文件：根元素应为 bpmn:definitions"
    if name.endswith(".dmn") and (local_name(root) != "definitions" or namespace not in DMN_SCHEMAS):
        return None, "不是 DMN 文件：根元素应为 DMN 1.1–1.3 的 definitions"
    order = {str(el.get("id")): i for i, el in enumerate(root.iter()) if el.get("id")}
    return XmlFile(name, root, order), ""


def _read_form(text: str) -> tuple[dict[str, Any] | None, str]:
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"表单文件不是有效的 JSON（第{exc.lineno}行第{exc.colno}列）：{exc.msg}"
    except (RecursionError, MemoryError):
        return None, f"表单文件嵌套过深，无法读取（最多 {MAX_FORM_DEPTH} 层）"
    if not isinstance(schema, dict):
        return None, "表单文件的顶层应为 JSON 对象（JSON Schema）"
    if _depth(schema) > MAX_FORM_DEPTH:
        # The field walk, the JSON Schema check and the diff all recurse into the form.
        return None, f"表单文件嵌套过深，无法读取（最多 {MAX_FORM_DEPTH} 层）"
    return schema, ""


def _depth(value: Any) -> int:
    """How deep lists and objects nest in ``value`` (counted without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack += [(child, depth + 1) for child in (item.values() if isinstance(item, dict) else item)]
    return deepest
