"""The production diagrams in bpmn/ parse and follow the engine's conventions (parse-and-lint only).

Behaviour is tested on tiny diagrams in tests/bpmn/ (STYLE.md rule 21). These checks catch what an edit
of bpmn/ by policy staff could break: a file SpiffWorkflow rejects, a user task nobody can see (no lane,
no organisation, no form), a deadline timer that is a literal duration instead of a working-day date,
a call or decision that does not exist, a decision table with a gap, an element that is not drawn.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.forms import check_schema

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
BPMN_FILES = sorted(BPMN_DIR.glob("*.bpmn"))
DMN_FILES = sorted(BPMN_DIR.glob("*.dmn"))
FORM_FILES = sorted(BPMN_DIR.glob("*.schema.json"))

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {
    "bpmn": BPMN_NS,
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
ROLES = {"owner", "institute", "bureau", "filing_handler"}
# Timers must be computed from the working-day calendar (Notice 一.（四）2; 民法典 第二百零一条).
CALENDAR_FUNCTIONS = {"add_working_days", "working_day_deadline", "reminder_time", "end_of_day", "calendar_period_end"}
FLOW_NODE_TAGS = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
    "inclusiveGateway", "eventBasedGateway", "complexGateway",
}
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def _tree(path: Path) -> Any:
    return etree.parse(str(path))


def _process(path: Path) -> Any:
    processes = _tree(path).xpath("//bpmn:process", namespaces=NS)
    assert len(processes) == 1, f"{path.name}: one process per file"
    return processes[0]


def _elements(tag: str) -> list[tuple[Path, Any]]:
    return [(p, el) for p in BPMN_FILES for el in _process(p).iter(f"{{{BPMN_NS}}}{tag}")]


def _param_id(item: tuple[Path, Any]) -> str:
    return f"{item[0].stem}:{item[1].get('id')}"


USER_TASKS = _elements("userTask")
TIMERS = _elements("timerEventDefinition")


def _properties(task: Any) -> dict[str, str]:
    nodes = task.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)
    return {n.get("name"): n.get("value") for n in nodes}


def _lanes_of(process: Any, node_id: str) -> list[str]:
    refs = process.xpath(".//bpmn:lane/bpmn:flowNodeRef", namespaces=NS)
    return [ref.getparent().get("name") for ref in refs if (ref.text or "").strip() == node_id]


def _calendar_derived_names(process: Any) -> set[str]:
    """Variables that the process's scripts assign from a calendar function (directly or via another one)."""
    assignments: list[tuple[list[str], ast.expr]] = []
    for script in process.xpath(".//bpmn:scriptTask/bpmn:script", namespaces=NS):
        for node in ast.walk(ast.parse(script.text or "")):
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
                assignments.append((targets, node.value))
    derived: set[str] = set()
    changed = True
    while changed:
        changed = False
        for targets, value in assignments:
            names = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
            if names & (CALENDAR_FUNCTIONS | derived) and not set(targets) <= derived:
                derived |= set(targets)
                changed = True
    return derived


@pytest.fixture(scope="module")
def parser() -> SpiffBpmnParser:
    """All diagrams and decision tables, validated against the BPMN 2.0 / DMN 1.3 / spiffworkflow XSDs."""
    p = SpiffBpmnParser(validator=VALIDATOR)
    p.add_bpmn_files([str(f) for f in BPMN_FILES])
    p.add_dmn_files([str(f) for f in DMN_FILES])
    return p


def test_the_production_diagrams_are_present() -> None:
    assert {p.stem for p in BPMN_FILES} >= {"filing", "verification_request", "escalation"}
    assert {p.stem for p in DMN_FILES} >= {"instrument_scope", "application_routing", "verification_period"}


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_every_diagram_parses_with_the_decision_tables(parser: SpiffBpmnParser, path: Path) -> None:
    spec = parser.get_spec(path.stem)
    subprocess_specs = parser.get_subprocess_specs(path.stem)
    assert spec.name == path.stem
    assert all(sub is not None for sub in subprocess_specs.values())


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_process_id_is_the_file_name(path: Path) -> None:
    process = _process(path)
    assert process.get("id") == path.stem
    assert process.get("isExecutable") == "true"
    assert (process.findtext(f"{{{BPMN_NS}}}documentation") or "").strip()


@pytest.mark.parametrize("item", USER_TASKS, ids=_param_id)
def test_user_task_lies_in_one_role_lane(item: tuple[Path, Any]) -> None:
    path, task = item
    lanes = _lanes_of(_process(path), task.get("id"))
    assert len(lanes) == 1, lanes
    assert lanes[0] in ROLES


@pytest.mark.parametrize("item", USER_TASKS, ids=_param_id)
def test_user_task_has_form_organisation_and_documentation(item: tuple[Path, Any]) -> None:
    _, task = item
    props = _properties(task)
    form = BPMN_DIR / props.get("formJsonSchemaFilename", "")
    assert form.is_file() and form.name.endswith(".schema.json"), form
    schema = json.loads(form.read_text(encoding="utf-8"))
    assert schema.get("$schema") == DRAFT_2020_12
    check_schema(schema)  # JSON Schema 2020-12, and every x-options list exists
    assert props.get("organisation", "").isidentifier()
    assert props.get("dueAt", "due_at").isidentifier()
    assert (task.findtext(f"{{{BPMN_NS}}}documentation") or "").strip()


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: p.name)
def test_form_is_used_and_its_case_facts_are_read_only(path: Path) -> None:
    used = {_properties(task).get("formJsonSchemaFilename") for _, task in USER_TASKS}
    used |= {f"{p.stem}.start.schema.json" for p in BPMN_FILES}  # the form that starts a process
    assert path.name in used
    schema = json.loads(path.read_text(encoding="utf-8"))
    for fact in schema.get("x-case-facts", []):
        assert schema["properties"][fact].get("readOnly") is True, fact


@pytest.mark.parametrize("item", TIMERS, ids=lambda i: f"{i[0].stem}:{i[1].getparent().get('id')}")
def test_timer_is_a_working_day_date(item: tuple[Path, Any]) -> None:
    path, definition = item
    assert not definition.xpath("./bpmn:timeDuration | ./bpmn:timeCycle", namespaces=NS)
    (time_date,) = definition.xpath("./bpmn:timeDate", namespaces=NS)
    expression = ast.parse((time_date.text or "").strip(), mode="eval")
    names = {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)}
    called = {n.func.id for n in ast.walk(expression) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    derived = _calendar_derived_names(_process(path))
    assert called & CALENDAR_FUNCTIONS or (names and names <= derived), (time_date.text, derived)


@pytest.mark.parametrize("item", _elements("callActivity"), ids=_param_id)
def test_call_activity_calls_an_existing_process(item: tuple[Path, Any]) -> None:
    _, call = item
    assert call.get("calledElement") in {p.stem for p in BPMN_FILES}


@pytest.mark.parametrize("item", _elements("businessRuleTask"), ids=_param_id)
def test_business_rule_task_calls_an_existing_decision(item: tuple[Path, Any]) -> None:
    _, task = item
    decision_id = task.findtext(".//{http://spiffworkflow.org/bpmn/schema/1.0/core}calledDecisionId")
    decisions = {d.get("id") for p in DMN_FILES for d in _tree(p).xpath("//dmn:decision", namespaces=NS)}
    assert decision_id in decisions


@pytest.mark.parametrize("path", DMN_FILES, ids=lambda p: p.stem)
def test_decision_table_ends_with_a_catch_all(path: Path) -> None:
    rules = _tree(path).xpath("//dmn:decisionTable/dmn:rule", namespaces=NS)
    assert rules
    last_inputs = rules[-1].xpath("./dmn:inputEntry/dmn:text", namespaces=NS)
    assert all((entry.text or "").strip() in ("", "-") for entry in last_inputs)


@pytest.mark.parametrize("path", DMN_FILES, ids=lambda p: p.stem)
def test_every_decision_rule_cites_its_source(path: Path) -> None:
    for rule in _tree(path).xpath("//dmn:decisionTable/dmn:rule", namespaces=NS):
        description = (rule.findtext(f"{{{NS['dmn']}}}description") or "").strip()
        assert "《" in description, rule.get("id")


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_every_flow_node_and_flow_is_drawn(path: Path) -> None:
    tree = _tree(path)
    process = _process(path)
    shapes = {s.get("bpmnElement") for s in tree.xpath("//bpmndi:BPMNShape", namespaces=NS)}
    edges = {e.get("bpmnElement") for e in tree.xpath("//bpmndi:BPMNEdge", namespaces=NS)}
    nodes = {el.get("id") for el in process.iter() if etree.QName(el).localname in FLOW_NODE_TAGS}
    lanes = {lane.get("id") for lane in process.xpath(".//bpmn:lane", namespaces=NS)}
    participants = {p.get("id") for p in tree.xpath("//bpmn:participant", namespaces=NS)}
    flows = {f.get("id") for f in process.xpath(".//bpmn:sequenceFlow", namespaces=NS)}
    assert nodes and lanes and participants
    assert nodes | lanes | participants <= shapes, sorted((nodes | lanes | participants) - shapes)
    assert flows <= edges, sorted(flows - edges)
