"""Diagram scripts and conditions run sandboxed: escapes fail with ScriptError and the case stays intact."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.organisations.actors import Actor, actor_for
from engine.store.errors import InvalidTransition
from engine.store.models import AuditEntry, Case, Organisation, Task, User

ESCAPES = [
    "__import__('os').system('true')",
    "open('/etc/passwd').read()",
    "().__class__.__base__.__subclasses__()",
    "getattr((), '__class__')",
    "'{0.__class__.__mro__}'.format(1)",
    "'{x.__class__}'.format_map({'x': 1})",
    "type(1).__subclasses__()",
    "[c for c in ().__class__.__bases__]",
    "(x for x in []).gi_frame.f_globals",
    "working_day_deadline.__globals__",
    "eval('1')",
]

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="unsafe" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="institute">
      <bpmn:flowNodeRef>approve</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve" />
    <bpmn:userTask id="approve" name="Approve">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="organisation" value="institute_id" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="gate" />
    <bpmn:exclusiveGateway id="gate" default="f4" />
    <bpmn:sequenceFlow id="f3" sourceRef="gate" targetRef="run">
      <bpmn:conditionExpression>CONDITION</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gate" targetRef="run" />
    <bpmn:scriptTask id="run" name="Run"><bpmn:script>SCRIPT</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f5" sourceRef="run" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _start(database, engine, clock, condition: str, script: str):
    source = DIAGRAM.replace("CONDITION", _xml(condition)).replace("SCRIPT", _xml(script))
    with database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, {"unsafe.bpmn": source}, clock())
        institute = s.scalars(select(Organisation.id).where(Organisation.code == "210100-institute")).one()
        ref = engine.start_case(s, "unsafe", {"institute_id": institute}, Actor.system())
        task_id = s.scalars(select(Task.id).where(Task.case_id == ref.id)).one()
    return ref, task_id


@pytest.mark.parametrize("where", ["script", "condition"])
@pytest.mark.parametrize("attack", ESCAPES)
def test_escape_fails_clearly_and_the_case_is_parked_unchanged(database, engine, clock, attack, where):
    script = f"result = {attack}" if where == "script" else "done = True"
    condition = f"bool({attack})" if where == "condition" else "False"
    ref, task_id = _start(database, engine, clock, condition, script)
    with database.factory() as s:
        state, audits = s.get(Case, ref.id).state, s.scalar(select(func.count()).select_from(AuditEntry))
    with database.factory() as s, s.begin():
        clerk = actor_for(s.scalars(select(User).where(User.username == "shenyang_institute")).one())
        result = engine.complete_task(s, task_id, {}, clerk)
    assert result.status == "error"
    assert any(word in result.error_message for word in ("not allowed", "forbidden", "Script failed", "不允许"))
    assert result.error_message.startswith(("流程规则执行出错", "流程规则不能运行"))
    with database.factory() as s:
        case, task = s.get(Case, ref.id), s.get(Task, task_id)
        assert (case.state, case.status) == (state, "error")  # the step was discarded, the case parked
        assert task.status == "ready"
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert len(actions) == audits + 1 and actions[-1] == "script_failed"
    with database.factory() as s, s.begin(), pytest.raises(InvalidTransition):
        engine.complete_task(s, task_id, {}, clerk)  # a parked case takes no more completions


def test_a_safe_script_still_runs(database, engine, clock):
    ref, task_id = _start(database, engine, clock, "len([1, 2]) == 2", "total = sum([n * 2 for n in range(3)])")
    with database.factory() as s, s.begin():
        clerk = actor_for(s.scalars(select(User).where(User.username == "shenyang_institute")).one())
        assert engine.complete_task(s, task_id, {}, clerk).status == "completed"


def test_fields_outside_the_form_are_refused_not_evaluated(database, engine, clock):
    ref, task_id = _start(database, engine, clock, "note == 'x'", "echo = note")
    with database.factory() as s, s.begin():
        clerk = actor_for(s.scalars(select(User).where(User.username == "shenyang_institute")).one())
        # the tiny task has no form: the engine accepts no fields at all from the user
        with pytest.raises(Exception) as err:
            engine.complete_task(s, task_id, {"note": "__import__('os').system('true')"}, clerk)
    assert "note" in getattr(err.value, "errors", {})
