"""The sandbox script engine: normal diagram code works, known escapes fail with ScriptError."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine import sandbox
from engine.sandbox import SandboxScriptEngine, compile_text, find_script_error
from engine.sandbox import environment as environment_module
from engine.store.errors import ScriptError

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
BPMN_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
CST = timezone(timedelta(hours=8))


def double(value: int) -> int:
    return value * 2


def deadline_after(received_on: str, days: int) -> str:
    due = date.fromisoformat(received_on) + timedelta(days=days)
    return datetime(due.year, due.month, due.day, 17, tzinfo=CST).isoformat()


FUNCTIONS: dict[str, Callable[..., Any]] = {"double": double, "deadline_after": deadline_after}


def make_workflow(
    process_id: str, *, script: str | None = None, condition: str | None = None, dmn_cell: str | None = None,
    dmn_entry: str = "rule_a_or_b_kind",
) -> BpmnWorkflow:
    """Parse a tests/bpmn diagram, optionally replacing its script, condition or one DMN cell."""
    parser = SpiffBpmnParser()
    tree = etree.parse(str(BPMN_DIR / f"{process_id}.bpmn"))
    if script is not None:
        tree.find(".//bpmn:script", BPMN_NS).text = script
    if condition is not None:
        tree.find(".//bpmn:conditionExpression", BPMN_NS).text = condition
    parser.add_bpmn_xml(tree.getroot(), filename=f"{process_id}.bpmn")
    if process_id == "sandbox_decision":
        dmn = etree.parse(str(BPMN_DIR / "sandbox_decision.dmn"))
        if dmn_cell is not None:
            dmn.xpath(f"//*[@id='{dmn_entry}']/*[local-name()='text']")[0].text = dmn_cell
        parser.add_dmn_xml(dmn.getroot(), filename="sandbox_decision.dmn")
    spec = parser.get_spec(process_id)
    subspecs = parser.get_subprocess_specs(process_id)
    return BpmnWorkflow(spec, subspecs, script_engine=SandboxScriptEngine(FUNCTIONS))


def start(workflow: BpmnWorkflow, **data: Any) -> None:
    workflow.get_tasks(state=TaskState.READY)[0].set_data(**data)
    workflow.do_engine_steps()


def task_named(workflow: BpmnWorkflow, name: str) -> Task:
    return workflow.get_tasks(spec_name=name)[0]


def round_trip(workflow: BpmnWorkflow) -> BpmnWorkflow:
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    restored.script_engine = SandboxScriptEngine(FUNCTIONS)  # the serializer does not store the engine
    return restored


def script_error(excinfo: pytest.ExceptionInfo[WorkflowTaskException]) -> ScriptError:
    """The ScriptError a caller can reach from SpiffWorkflow's exception."""
    assert isinstance(excinfo.value.__cause__, ScriptError)
    found = find_script_error(excinfo.value)
    assert found is excinfo.value.__cause__
    assert str(found) in str(excinfo.value)
    return found


NORMAL_SCRIPT = """\
total = amount * 2
total += 1
codes = [code.upper() for code in kinds if code != "x"]
summary = {"count": len(codes), "first": codes[0]}
summary["doubled"] = double(amount)
label = f"{kind}-{total}"
note = "{} items".format(len(codes))
pairs = []
for index, code in enumerate(codes):
    pairs.append([index, code])
"""


def test_normal_script_and_condition_work() -> None:
    workflow = make_workflow("sandbox_gateway", script=NORMAL_SCRIPT)
    start(workflow, amount=6, kind="a", kinds=["a", "x", "b"])
    assert workflow.completed
    assert workflow.data == {
        "amount": 6, "kind": "a", "kinds": ["a", "x", "b"], "total": 13, "codes": ["A", "B"],
        "summary": {"count": 2, "first": "A", "doubled": 12}, "label": "a-13", "note": "2 items",
        "pairs": [[0, "A"], [1, "B"]], "index": 1, "code": "B",  # loop variables are kept, as in plain Python
    }
    assert task_named(workflow, "end_big").state == TaskState.COMPLETED


def test_condition_false_takes_default_flow() -> None:
    workflow = make_workflow("sandbox_gateway")
    start(workflow, amount=2)
    assert task_named(workflow, "end_small").state == TaskState.COMPLETED
    assert workflow.data == {"amount": 2, "total": 4}


def test_injected_functions_and_local_helpers_stay_out_of_task_data() -> None:
    script = "def helper(v):\n    return v + 1\nresult = helper(double(amount))\ntags = {1, 2}\ndel kind"
    workflow = make_workflow("sandbox_gateway", script=script, condition="result > 10")
    start(workflow, amount=6, kind="a")
    assert workflow.data == {"amount": 6, "result": 13}


ESCAPES = [
    ("__import__('os').system('true')", "forbidden name '__import__'"),
    ("open('/etc/passwd').read()", "forbidden name 'open'"),
    ("().__class__.__base__.__subclasses__()", "Attribute '__subclasses__' is not allowed"),
    ("getattr((), '__class__')", "forbidden name 'getattr'"),
    ("'{0.__class__}'.format(1)", "Attribute '__class__' is not allowed"),
    ("'{a.__class__.__mro__}'.format_map({'a': 1})", "Attribute '__class__' is not allowed"),
    ("'{0:{1.__class__}}'.format(1, 2)", "Attribute '__class__' is not allowed"),
    ("str.format('{0.__class__}', 1)", "Attribute 'format' is not allowed"),
    ("type(1)", "forbidden name 'type'"),
    ("eval('1')", "forbidden name 'eval'"),
    ("exec('x=1')", "forbidden name 'exec'"),
    ("globals()", "forbidden name 'globals'"),
    ("vars()", "forbidden name 'vars'"),
    ("compile('1', 'x', 'eval')", "forbidden name 'compile'"),
    ("(lambda x=().__class__: x)()", "Attribute '__class__' is not allowed"),
    ("(lambda: 0).__globals__", "Attribute '__globals__' is not allowed"),
    ("(x for x in []).gi_frame.f_globals", "Attribute 'f_globals' is not allowed"),
    ("(lambda g: g.gi_frame)(x for x in [])", "Attribute 'gi_frame' is not allowed"),
    ("'{0.gi_frame}'.format(x for x in [])", "Attribute 'gi_frame' is not allowed"),
    ("double.__globals__", "Attribute '__globals__' is not allowed"),
    ("double.func_globals", "Attribute 'func_globals' is not allowed"),
    ("(lambda f: f.func_globals)(double)", "Attribute 'func_globals' is not allowed"),
    ("(lambda f: f.keys)(double)", "Attribute 'keys' of a function value is not allowed"),
]


SCRIPT_ESCAPES = [(f"total = 1\nescaped = {code}", message) for code, message in ESCAPES] + [
    ("import os\nos.system('true')", "forbidden statement 'import'"),
    ("from os import system", "forbidden statement 'import'"),
]


@pytest.mark.parametrize(("script", "message"), SCRIPT_ESCAPES)
def test_escape_from_script_task_fails_and_keeps_data(script: str, message: str) -> None:
    workflow = make_workflow("sandbox_gateway", script=script)
    with pytest.raises(WorkflowTaskException) as excinfo:
        start(workflow, amount=6)
    assert message in str(script_error(excinfo))
    compute = task_named(workflow, "compute")
    assert compute.state == TaskState.ERROR
    assert compute.data == {"amount": 6}
    restored = round_trip(workflow)
    assert task_named(restored, "compute").data == {"amount": 6}
    assert task_named(restored, "compute").state == TaskState.ERROR


@pytest.mark.parametrize(("code", "message"), ESCAPES)
def test_escape_from_gateway_condition_fails_and_keeps_data(code: str, message: str) -> None:
    workflow = make_workflow("sandbox_gateway", condition=code)
    with pytest.raises(WorkflowTaskException) as excinfo:
        start(workflow, amount=6)
    assert message in str(script_error(excinfo))
    route = task_named(workflow, "route")
    assert route.state == TaskState.ERROR
    assert route.data == {"amount": 6, "total": 12}
    assert round_trip(workflow).data == workflow.data


def test_failed_script_leaves_data_untouched_and_reports_line() -> None:
    workflow = make_workflow("sandbox_gateway", script="items.append(3)\namount = 100\nratio = 1 / 0")
    with pytest.raises(WorkflowTaskException) as excinfo:
        start(workflow, amount=6, items=[1, 2])
    assert "ZeroDivisionError" in str(script_error(excinfo))
    assert excinfo.value.line_number == 3
    assert excinfo.value.error_line == "ratio = 1 / 0"
    assert task_named(workflow, "compute").data == {"amount": 6, "items": [1, 2]}


def test_writing_into_non_container_is_refused() -> None:
    workflow = make_workflow("sandbox_gateway", script="kind[0] = 'x'")
    with pytest.raises(WorkflowTaskException) as excinfo:
        start(workflow, amount=6, kind="abc")
    assert "Changing a str value is not allowed" in str(script_error(excinfo))


def test_task_data_hiding_an_injected_function_fails() -> None:
    workflow = make_workflow("sandbox_gateway")
    with pytest.raises(WorkflowTaskException) as excinfo:
        start(workflow, amount=6, double="oops")
    assert "double" in str(script_error(excinfo))


def test_timer_expression_calls_injected_function() -> None:
    workflow = make_workflow("sandbox_timer")
    start(workflow, received_on="2999-01-04")
    [event] = workflow.waiting_events()
    assert event.value == "2999-01-11T17:00:00+08:00"


@pytest.mark.parametrize(
    ("kind", "fee", "band"), [("a", 20, "A-band"), ("b", 20, "B-band"), ("c", 10, "plain")]
)
def test_dmn_cells_evaluate_in_sandbox(kind: str, fee: int, band: str) -> None:
    workflow = make_workflow("sandbox_decision")
    start(workflow, kind=kind, base=10)
    assert workflow.completed
    assert workflow.data == {"kind": kind, "base": 10, "fee": fee, "band": band}


@pytest.mark.parametrize(
    ("entry", "cell", "message"),
    [
        ("rule_a_or_b_kind", '__import__("os")', "forbidden name '__import__'"),
        ("rule_a_or_b_kind", '? == __import__("os")', "forbidden name '__import__'"),
        ("rule_a_or_b_kind", "().__class__", "Attribute '__class__' is not allowed"),
        ("rule_a_or_b_fee", '__import__("os").getcwd()', "forbidden name '__import__'"),
        ("rule_a_or_b_band", "open('/etc/passwd').read()", "forbidden name 'open'"),
    ],
)
def test_malicious_dmn_cell_fails(entry: str, cell: str, message: str) -> None:
    workflow = make_workflow("sandbox_decision", dmn_cell=cell, dmn_entry=entry)
    with pytest.raises(WorkflowTaskException) as excinfo:
        start(workflow, kind="a", base=10)
    assert message in str(script_error(excinfo))
    decide = task_named(workflow, "decide_fee")
    assert decide.state == TaskState.ERROR
    assert decide.data == {"kind": "a", "base": 10}


def test_compile_cache_compiles_each_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting(mode: Any, text: str) -> Any:
        calls.append(text)
        return compile_text(mode, text)

    monkeypatch.setattr(environment_module, "compile_text", counting)
    environment = sandbox.SandboxEnvironment()
    for amount in range(100):
        environment.evaluate("amount > 10", {"amount": amount})
    assert calls == ["amount > 10"]
    assert environment.compiled("eval", "amount > 10") is environment.compiled("eval", "amount > 10")


def test_now_reads_injected_clock() -> None:
    engine = SandboxScriptEngine(clock=lambda: datetime(2025, 3, 3, 9, 0, tzinfo=CST))
    assert engine.now() == datetime(2025, 3, 3, 1, 0, tzinfo=timezone.utc)
    assert engine.now().utcoffset() == timedelta(0)
    assert abs(SandboxScriptEngine().now() - datetime.now(timezone.utc)) < timedelta(seconds=5)
    with pytest.raises(ValueError):
        SandboxScriptEngine(clock=lambda: datetime(2025, 3, 3)).now()


def test_condition_cost_against_default_engine() -> None:
    """Prints (does not assert) the cost of 10,000 condition evaluations; run with -s to see it."""
    workflow = make_workflow("sandbox_gateway")
    start(workflow, amount=6, kind="a")
    task = task_named(workflow, "route")
    expression = "total > 10 and kind in ('a', 'b')"
    timings = {}
    for name, engine in [("default", PythonScriptEngine()), ("sandbox", SandboxScriptEngine(FUNCTIONS))]:
        began = time.perf_counter()
        for _ in range(10_000):
            assert engine.evaluate(task, expression) is True
        timings[name] = time.perf_counter() - began
    began = time.perf_counter()
    for _ in range(1_000):
        sandbox.compile_text("eval", expression)
    compile_ms = time.perf_counter() - began  # 1,000 compiles: seconds == ms per compile
    print(
        f"\n10,000 conditions: default engine {timings['default'] * 1000:.1f} ms, "
        f"sandbox {timings['sandbox'] * 1000:.1f} ms (cached); one restricted compile {compile_ms:.3f} ms"
    )
