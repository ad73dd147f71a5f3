"""Reading the XML of rule files (BPMN diagrams, DMN decision tables) safely, and naming their elements.

Rule files come from policy staff through the browser, so they are parsed without entity expansion or
network access. The lint rules and the version diff share the vocabulary here: namespaces, which tags
are flow nodes, the Chinese label of each element type, and a task's spiffworkflow properties.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "spiffworkflow": SPIFF_NS}

FLOW_NODE_TAGS = frozenset({
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
})
EVENT_TAGS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"})

ELEMENT_LABELS = {
    "process": "流程", "participant": "参与者", "lane": "泳道", "sequenceFlow": "顺序流",
    "startEvent": "开始事件", "endEvent": "结束事件", "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件", "boundaryEvent": "边界事件",
    "task": "任务", "userTask": "用户任务", "manualTask": "手工任务", "scriptTask": "脚本任务",
    "serviceTask": "服务任务", "sendTask": "发送任务", "receiveTask": "接收任务",
    "businessRuleTask": "业务规则任务", "callActivity": "调用活动", "subProcess": "子流程",
    "transaction": "事务子流程", "adHocSubProcess": "自由子流程",
    "exclusiveGateway": "排他网关", "parallelGateway": "并行网关", "inclusiveGateway": "包容网关",
    "eventBasedGateway": "事件网关", "complexGateway": "复杂网关",
    "decision": "决策", "decisionTable": "决策表", "input": "决策输入", "output": "决策输出", "rule": "决策规则",
}


def parse_xml(text: str) -> Any:
    """The root element of ``text``, parsed without entities or network.

    :raises lxml.etree.XMLSyntaxError: the text is not well-formed XML.
    """
    # A parser per call: lxml parser objects are not meant to be shared between request threads.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    return etree.fromstring(text.encode("utf-8"), parser)


def has_doctype(root: Any) -> bool:
    """True when the document declares a DOCTYPE (never written by bpmn-js; a route to entity tricks)."""
    docinfo = root.getroottree().docinfo
    return bool(docinfo.doctype) or docinfo.internalDTD is not None


def local_name(element: Any) -> str:
    """The tag without its namespace (``userTask``); "" for comments and processing instructions."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def is_timer_event(element: Any) -> bool:
    """True for an event with a timer definition (shown as 定时事件)."""
    return local_name(element) in EVENT_TAGS and element.find(f"{{{BPMN_NS}}}timerEventDefinition") is not None


def element_label(element: Any) -> str:
    """The Chinese name of the element's type, e.g. 用户任务 or 定时事件."""
    if is_timer_event(element):
        return "定时事件"
    name = local_name(element)
    return ELEMENT_LABELS.get(name, name)


def display_name(element: Any) -> str:
    """The element's name, or its id when it has none (policy staff see one or the other)."""
    return str(element.get("name") or element.get("label") or element.get("id") or "")


def child_text(element: Any, tag: str, namespace: str = BPMN_NS) -> str:
    """The stripped text of the first direct child ``tag``, or ""."""
    child = element.find(f"{{{namespace}}}{tag}")
    return (child.text or "").strip() if child is not None else ""


def spiff_properties(element: Any) -> dict[str, str]:
    """The ``spiffworkflow:properties`` of a task (formJsonSchemaFilename, organisation, dueAt...)."""
    nodes = element.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    return {str(n.get("name")): str(n.get("value") or "") for n in nodes}


def form_references(process: Any) -> list[tuple[Any, str]]:
    """(element, form file name) for every element of a process that names a form (formJsonSchemaFilename)."""
    found = process.xpath(".//spiffworkflow:property[@name='formJsonSchemaFilename']", namespaces=NS)
    # property -> properties -> extensionElements -> the task
    return [(p.getparent().getparent().getparent(), str(p.get("value") or "")) for p in found]


def spiff_text(element: Any, tag: str) -> str:
    """The text of a ``spiffworkflow:<tag>`` extension (calledDecisionId, preScript, postScript), or ""."""
    found = element.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}{tag}")
    return (found.text or "").strip() if found is not None else ""


def processes(root: Any) -> list[Any]:
    """The ``bpmn:process`` elements of a BPMN document."""
    return list(root.iter(f"{{{BPMN_NS}}}process"))


def flow_nodes(process: Any) -> Iterator[Any]:
    """Every flow node of a process, including those inside subprocesses, in document order."""
    for element in process.iter():
        if local_name(element) in FLOW_NODE_TAGS:
            yield element


def node_lanes(process: Any) -> dict[str, list[Any]]:
    """For each flow node id, the innermost lanes that list it (a nested lane's parent also lists it)."""
    lanes: dict[str, list[Any]] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            lanes.setdefault((ref.text or "").strip(), []).append(lane)
    return {node: [lane for lane in found if not any(_contains(lane, other) for other in found)]
            for node, found in lanes.items()}


def _contains(outer: Any, inner: Any) -> bool:
    return outer is not inner and any(parent is outer for parent in inner.iterancestors())


def canonical(element: Any, skip: frozenset[str] = frozenset(), skip_attributes: frozenset[str] = frozenset()) -> str:
    """A text of ``element`` that ignores indentation, leaving out descendants whose tag is in ``skip``.

    Two versions of an element are the same when their canonical texts are equal.
    """
    parts: list[str] = []
    _write(element, skip, skip_attributes, parts)
    return "".join(parts)


def _write(element: Any, skip: frozenset[str], skip_attributes: frozenset[str], parts: list[str]) -> None:
    attributes = sorted((k, v) for k, v in element.attrib.items() if etree.QName(k).localname not in skip_attributes)
    parts.append(f"<{element.tag} {attributes!r}>{(element.text or '').strip()}")
    for child in element:
        if isinstance(child.tag, str) and local_name(child) not in skip:
            _write(child, skip, skip_attributes, parts)
    parts.append("</>")
