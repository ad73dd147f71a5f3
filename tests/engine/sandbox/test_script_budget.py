"""Diagram code runs within a time and memory budget: over it, the step fails and the case is parked.

The examples are the issue's: endless loops and huge numbers that ran past 60 s, and allocations that
reached 8 GB. Each is refused (the loops after the budget, the allocations before they happen); no test
measures time, they assert the refusal, the parked case, the audit entry and that other writes proceed.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import event, select

from engine.cases.runtime import Engine
from engine.organisations.actors import Actor, actor_for
from engine.rules.serializer import StateSerializer
from engine.rules.specs import SpecRegistry
from engine.sandbox import Budget, SandboxEnvironment, compile_text
from engine.sandbox.compiler import ScriptRefused
from engine.store.errors import InvalidTransition, ScriptBudgetExceeded, ScriptError
from engine.store.models import AuditEntry, Case, Organisation, Task, User

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
BUDGET = Budget(seconds=0.2, memory_mb=64)  # small, so each loop test takes a fifth of a second
LOOP = "while True: pass"
SLOW = {  # (script text, kind of budget it exceeds)
    "endless loop": (LOOP, "time"),
    "huge power": ("x = 10**10**8", "memory"),
    "nested sums": ("x = sum(sum(range(10**6)) for i in range(10**6))", "time"),
    "huge string": ("x = 'x' * 10**10", "memory"),
    "huge list": ("x = [0] * 10**9", "memory"),
    "huge format width": ("x = '{0:>10000000000}'.format(1)", "memory"),
    "huge f-string width": ("x = f'{1:>10000000000}'", "memory"),
    "huge percent width": ("x = '%10000000000d' % 1", "memory"),
    "huge padding": ("x = 'x'.ljust(10**10)", "memory"),
    "huge padding, unbound": ("x = str.center('x', 10**10)", "memory"),
    "huge replacement": ("x = ('a' * 1000).replace('a', 'b' * 10**8)", "memory"),
    "huge shift": ("x = 1 << 10**10", "memory"),
    "sum over a huge range": ("x = sum(range(10**12))", "time"),
    "list of a huge range": ("x = list(range(10**9))", "time"),
    "growing list": ("x = []\nwhile True:\n    x.append('a' * 10**6)", "memory"),
    "doubling string": ("x = 'ab'\nfor i in range(64):\n    x = x + x", "memory"),
    "sorting a huge range with a key": ("x = sorted(range(10**9), key=lambda n: -n)", "time"),
}


@pytest.mark.parametrize("script, kind", SLOW.values(), ids=SLOW.keys())
def test_each_example_is_refused_within_budget(script: str, kind: str) -> None:
    data = {"kept": 1}
    # A memory example gets time to spare, so a loaded machine cannot make it run out of time first.
    budget = BUDGET if kind == "time" else Budget(seconds=10, memory_mb=BUDGET.memory_mb)
    with pytest.raises(ScriptBudgetExceeded) as err:
        SandboxEnvironment(budget=budget).execute(script, data, {})
    assert err.value.kind == kind
    limit = "时间限制（0.2 秒）" if kind == "time" else "内存限制（64 MB）"
    assert str(err.value).startswith(f"脚本超出{limit}")
    assert data == {"kept": 1}  # a failed script leaves the task data untouched


@pytest.mark.parametrize("expression", ["sum(range(10**12)) > 0", "len('x' * 10**10) > 0", "10**10**8 > 0",
                                        "any(x < 0 for x in range(10**12))", "f'{1:>{10**10}}' != ''"])
def test_conditions_are_budgeted_too(expression: str) -> None:
    with pytest.raises(ScriptBudgetExceeded):
        SandboxEnvironment(budget=BUDGET).evaluate(expression, {})


@pytest.mark.parametrize("script", [
    "try:\n    while True: pass\nexcept Exception:\n    caught = 1",
    "try:\n    while True: pass\nexcept (ValueError, Exception) as e:\n    caught = 1",
    "def f():\n    try:\n        while True: pass\n    finally:\n        return 1\nx = f()",
])
def test_the_budget_error_cannot_be_swallowed(script: str) -> None:
    data: dict[str, object] = {}
    with pytest.raises(ScriptBudgetExceeded):
        SandboxEnvironment(budget=BUDGET).execute(script, data, {})
    assert "caught" not in data and "x" not in data


@pytest.mark.parametrize("script, reason", [
    ("try:\n    x = 1\nexcept:\n    pass", "不带异常类型的 except"),
    ("try:\n    x = 1\nexcept BaseException:\n    pass", "捕获了 BaseException"),
    ("try:\n    x = 1\nexcept (ValueError, SystemExit):\n    pass", "捕获了 SystemExit"),
    ("import os", "import"),
    ("x = ().__class__", "__class__"),
    ("x = _tick_", "_tick_"),  # the instrumentation's names are out of reach
])
def test_what_could_escape_the_budget_is_refused_at_compile_time(script: str, reason: str) -> None:
    with pytest.raises(ScriptRefused) as err:
        compile_text("exec", script)
    assert reason in err.value.chinese


def test_ordinary_code_runs_unchanged() -> None:
    data = {"items": [{"fee": 10}, {"fee": 32}], "name": "表"}
    SandboxEnvironment(budget=BUDGET).execute(
        "total = sum(i['fee'] for i in items) * 2 ** 3\n"
        "label = f'{name:>3}' + '%5.1f' % 1.25 + 'x'.ljust(2) + 'ab'.replace('a', 'cc')\n"
        "rows = [i for i in range(3)] * 2\n"
        "def twice(n):\n    return n + n\n"
        "big = twice(10 ** 30) << 2\n"
        "span = len(range(10**12))\n"
        "n = 0\nwhile n < 1000:\n    n += 1\n", data, {})
    assert data["total"] == 336 and data["label"] == "  表  1.2x ccb"
    assert data["rows"] == [0, 1, 2, 0, 1, 2] and data["big"] == 8 * 10**30
    assert data["span"] == 10**12 and data["n"] == 1000


# -- through the engine: the case is parked, audited, and nothing else waits ---------------------------
@pytest.fixture
def budget_engine(clock) -> Engine:
    serializer = StateSerializer()
    return Engine(SpecRegistry(serializer), serializer, clock, BUDGET)


def _sources(script: str = "done = True", condition: str = "True", timer: str = '"2099-01-01T17:00:00+08:00"',
             cell: str = '? == "a"') -> dict[str, str]:
    bpmn = (BPMN_DIR / "budget_loop.bpmn").read_text(encoding="utf-8")
    dmn = (BPMN_DIR / "budget_decision.dmn").read_text(encoding="utf-8")
    bpmn = bpmn.replace("<bpmn:script>while True: pass</bpmn:script>", f"<bpmn:script>{_xml(script)}</bpmn:script>")
    bpmn = bpmn.replace("<bpmn:conditionExpression>True<", f"<bpmn:conditionExpression>{_xml(condition)}<")
    bpmn = bpmn.replace('<bpmn:timeDate>"2099-01-01T17:00:00+08:00"<', f"<bpmn:timeDate>{_xml(timer)}<")
    dmn = dmn.replace('<text>? == "a"</text>', f"<text>{_xml(cell)}</text>")
    note = (BPMN_DIR / "budget_note.schema.json").read_text(encoding="utf-8")
    return {"budget_loop.bpmn": bpmn, "budget_decision.dmn": dmn, "budget_note.schema.json": note}


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _start(db, engine, clock, **texts: str):
    with db.factory() as s, s.begin():
        engine.registry.deploy_sources(s, _sources(**texts), clock())
        institute = s.scalars(select(Organisation.id).where(Organisation.code == "210100-institute")).one()
        ref = engine.start_case(s, "budget_loop", {"institute_id": institute, "kind": "a"}, Actor.system())
        task_id = s.scalars(select(Task.id).where(Task.case_id == ref.id)).first()
    return ref, task_id


def _clerk(s) -> Actor:
    return actor_for(s.scalars(select(User).where(User.username == "shenyang_institute")).one())


def _audit(db, case_id: int) -> list[AuditEntry]:
    with db.factory() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)))


@pytest.mark.parametrize("texts, where", [
    ({"script": LOOP}, "脚本任务「Run」"),
    ({"script": "x = [0] * 10**9"}, "脚本任务「Run」"),
    ({"condition": "sum(range(10**12)) > 0"}, "网关「Route」"),
    ({"cell": "? == len('x' * 10**10)"}, "决策任务「Decide band」"),
], ids=["script loop", "script memory", "condition", "decision cell"])
def test_a_step_over_budget_parks_the_case(any_database, budget_engine, clock, texts, where):
    ref, task_id = _start(any_database, budget_engine, clock, **texts)
    with any_database.factory() as s:
        state_before = s.get(Case, ref.id).state
    with any_database.factory() as s, s.begin():
        result = budget_engine.complete_task(s, task_id, {}, _clerk(s))
    assert result.status == "error" and result.error_message.startswith("脚本超出")
    assert result.error_message.endswith(where)
    with any_database.factory() as s:
        case = s.get(Case, ref.id)
        assert (case.status, case.state, case.next_timer_at) == ("error", state_before, None)
        assert s.get(Task, task_id).status == "ready"  # the step was discarded
    entry = _audit(any_database, ref.id)[-1]
    assert (entry.action, entry.task_id, entry.actor) == ("script_failed", task_id, "shenyang_institute")
    assert entry.after == {"error": result.error_message, "data": {}}
    with any_database.factory() as s, s.begin(), pytest.raises(InvalidTransition, match="parked in error"):
        budget_engine.complete_task(s, task_id, {}, _clerk(s))


def test_a_timer_expression_over_budget_parks_the_case_at_its_start(any_database, budget_engine, clock):
    ref, task_id = _start(any_database, budget_engine, clock, timer="str(sum(range(10**12)))")
    assert ref.status == "error" and "时间限制" in ref.error_message and "Deadline" in ref.error_message
    assert task_id is None  # parked before its first task
    assert [e.action for e in _audit(any_database, ref.id)] == ["script_failed"]
    with any_database.factory() as s:
        assert s.get(Case, ref.id).status == "error"


def test_the_submitted_data_is_kept_in_the_audit(database, budget_engine, clock):
    ref, task_id = _start(database, budget_engine, clock, script="x = note * 10**10")
    with database.factory() as s, s.begin():
        result = budget_engine.complete_task(s, task_id, {"note": "已核对"}, _clerk(s))
    assert result.status == "error" and "内存限制" in result.error_message
    assert _audit(database, ref.id)[-1].after["data"] == {"note": "已核对"}
    with database.factory() as s:
        assert "已核对" not in s.get(Case, ref.id).state  # kept in the audit only: the step was discarded


def test_other_writes_proceed_after_a_looping_script(database, budget_engine, clock):
    parked, task_id = _start(database, budget_engine, clock, script=LOOP)
    healthy, _ = _start(database, budget_engine, clock, script="done = True")
    with database.factory() as s, s.begin():
        assert budget_engine.complete_task(s, task_id, {}, _clerk(s)).status == "error"
    with database.factory() as s, s.begin():  # the failed step's transaction is over: nothing holds the lock
        s.get(Case, healthy.id).title = "written after the loop was stopped"
    with database.factory() as s:
        assert s.get(Case, healthy.id).title == "written after the loop was stopped"
        assert s.get(Case, parked.id).status == "error"


def test_a_write_arriving_while_a_script_loops_commits(any_database, budget_engine, clock):
    """On SQLite the looping step holds the write lock (BEGIN IMMEDIATE) for at most its budget, so a writer
    queued behind it proceeds (before the budget it waited out SQLite's 30 s timeout and failed); on
    PostgreSQL nothing is locked until the step saves."""
    parked, task_id = _start(any_database, budget_engine, clock, script=LOOP)
    healthy, _ = _start(any_database, budget_engine, clock, script="done = True")
    began, results = threading.Event(), []

    def loop_step() -> None:
        with any_database.factory() as s:
            event.listen(s, "after_begin", lambda *args: began.set())
            with s.begin():
                results.append(budget_engine.complete_task(s, task_id, {}, _clerk(s)))

    worker = threading.Thread(target=loop_step)
    worker.start()
    assert began.wait(30)
    with any_database.factory() as s, s.begin():
        s.get(Case, healthy.id).title = "written while the loop ran"
    worker.join(60)
    assert [r.status for r in results] == ["error"]
    with any_database.factory() as s:
        assert s.get(Case, healthy.id).title == "written while the loop ran"


def test_a_healthy_case_runs_to_its_end(any_database, budget_engine, clock):
    ref, task_id = _start(any_database, budget_engine, clock, script="total = sum(range(1000))")
    with any_database.factory() as s, s.begin():
        result = budget_engine.complete_task(s, task_id, {}, _clerk(s))
    assert (result.status, result.error_message) == ("completed", "")


def test_a_script_error_is_parked_with_a_chinese_message(database, budget_engine, clock):
    ref, task_id = _start(database, budget_engine, clock, script="x = 1 / 0")
    with database.factory() as s, s.begin():
        result = budget_engine.complete_task(s, task_id, {}, _clerk(s))
    assert result.status == "error"
    assert result.error_message.startswith("流程规则执行出错：脚本任务「Run」")
    assert "ZeroDivisionError" in result.error_message


def test_code_the_sandbox_refuses_is_parked_with_the_chinese_reason(database, budget_engine, clock):
    ref, task_id = _start(database, budget_engine, clock, script="import os")  # published before the lint said no
    with database.factory() as s, s.begin():
        result = budget_engine.complete_task(s, task_id, {}, _clerk(s))
    assert result.error_message == "流程规则不能运行：脚本任务「Run」：第1行使用了 import：脚本不能导入模块"


def test_the_budget_comes_from_the_environment() -> None:
    assert Budget.from_environment({}) == Budget(1.0, 256)
    assert Budget.from_environment({"QIANGJIAN_SCRIPT_SECONDS": "2.5", "QIANGJIAN_SCRIPT_MEMORY_MB": "512"}) \
        == Budget(2.5, 512)
    with pytest.raises(ValueError):
        Budget.from_environment({"QIANGJIAN_SCRIPT_SECONDS": "0"})
    with pytest.raises(ValueError):
        Budget.from_environment({"QIANGJIAN_SCRIPT_MEMORY_MB": "lots"})


def test_script_errors_stay_script_errors() -> None:
    assert issubclass(ScriptBudgetExceeded, ScriptError)
