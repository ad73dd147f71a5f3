"""Managers act on a stuck case: rights, the reason, reassign, suspend and resume, terminate, retry."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.actions.case_control import (
    MAX_REASON,
    case_controls,
    reassign_case_task,
    resume_case,
    retry_case,
    suspend_case,
    suspension,
    terminate_case,
)
from engine.actions.task_assignment import claim_tasks
from engine.cases.timers import fire_due_timers
from engine.organisations.actors import Actor, actor_for
from engine.reads.queries import inbox
from engine.rules.specs import read_sources
from engine.store.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from engine.store.models import AuditEntry, Case, Organisation, Task, User

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
REASON = "送检单位反映检定机构无人办理"


def _actor(s, username: str) -> Actor:
    return actor_for(s.scalars(select(User).where(User.username == username)).one())


def _org(s, code: str) -> int:
    return s.scalars(select(Organisation.id).where(Organisation.code == code)).one()


def _tasks(s, case_id: int) -> dict[str, Task]:
    return {t.spec_name: t for t in s.scalars(select(Task).where(Task.case_id == case_id))}


def _audit(s, case_id: int) -> list[AuditEntry]:
    return list(s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)))


@pytest.fixture
def started(any_database, engine, clock):
    with any_database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, read_sources(BPMN / "tiny"), clock())
        data = {"received_on": "2026-09-30", "institute_id": _org(s, "210100-institute"),
                "bureau_id": _org(s, "210100-bureau")}
        return engine.start_case(s, "deadline_task", data, Actor.system())


@pytest.mark.parametrize("username, allowed", [
    ("shenyang_bureau", True),  # the city bureau over the institute
    ("liaoning_bureau", True),  # the province sees all
    ("shenyang_institute", False),  # a clerk of the case, not a manager
    ("dalian_bureau", False),  # another city
    ("xinmin_bureau", False),  # a county below the city: not above the institute
])
def test_only_a_manager_at_or_above_the_case_may_act(any_database, engine, started, username, allowed):
    with any_database.factory() as s, s.begin():
        actor = _actor(s, username)
        assert (case_controls(s, actor, started.id) is not None) is allowed
        if allowed:
            assert suspend_case(s, engine, started.id, REASON, actor).status == "suspended"
        else:
            with pytest.raises(NotAllowed):
                suspend_case(s, engine, started.id, REASON, actor)


@pytest.mark.parametrize("reason, message", [
    ("", "请填写理由"), ("  \n\t ", "请填写理由"), ("理" * (MAX_REASON + 1), f"理由不能超过 {MAX_REASON} 字"),
])
def test_a_reason_is_required_and_bounded(any_database, engine, started, reason, message):
    with any_database.factory() as s, s.begin():
        with pytest.raises(ValidationFailed) as err:
            suspend_case(s, engine, started.id, reason, _actor(s, "shenyang_bureau"))
    assert list(err.value.errors) == ["reason"] and err.value.errors["reason"][0].startswith(message)
    with any_database.factory() as s, s.begin():
        ref = suspend_case(s, engine, started.id, "  " + "理" * MAX_REASON + " ", _actor(s, "shenyang_bureau"))
    assert ref.status == "suspended"
    with any_database.factory() as s:
        assert _audit(s, started.id)[-1].after["reason"] == "理" * MAX_REASON  # trimmed


def test_reassign_a_task_to_a_clerk_of_its_organisation_with_the_reason(any_database, engine, started):
    with any_database.factory() as s, s.begin():
        colleague = User(username="shenyang_institute_2", display_name="李四", password_hash="-",
                         organisation_id=_org(s, "210100-institute"), roles="institute")
        s.add(colleague)
        s.flush()
        colleague_id = colleague.id
        manager = _actor(s, "shenyang_bureau")
        panel = case_controls(s, manager, started.id)
        approve = panel.tasks[0]
        clerks = [s.get(User, _actor(s, name).user_id).display_name  # the demo's clerk and institute head
                  for name in ("shenyang_institute", "shenyang_institute_head")]
        assert [c.name for c in approve.clerks] == sorted(["李四", *clerks])
        with pytest.raises(NotAllowed):  # a clerk of another institute
            reassign_case_task(s, engine, started.id, approve.task_id, _actor(s, "dalian_institute").user_id,
                               REASON, manager)
        result = reassign_case_task(s, engine, started.id, approve.task_id, colleague_id, REASON, manager)
    assert result.done == (approve.task_id,)
    with any_database.factory() as s:
        assert _tasks(s, started.id)["approve"].assignee_id == colleague_id
        entry = _audit(s, started.id)[-1]
    assert entry.action == "task_reassigned" and entry.actor == "shenyang_bureau"
    assert entry.after == {"task": "approve", "assignee_id": colleague_id, "reason": REASON}


def test_a_suspended_case_refuses_work_but_its_deadline_still_fires(any_database, engine, clock, started):
    with any_database.factory() as s, s.begin():
        suspend_case(s, engine, started.id, REASON, _actor(s, "shenyang_bureau"), expected_version=started.version)
    with any_database.factory() as s, s.begin():
        task_id = _tasks(s, started.id)["approve"].id
        clerk = _actor(s, "shenyang_institute")
        with pytest.raises(InvalidTransition, match="暂停办理"):
            engine.claim_task(s, task_id, clerk)
        with pytest.raises(InvalidTransition, match="暂停办理"):
            engine.complete_task(s, task_id, {"decision": "yes"}, clerk)
        found = suspension(s, s.get(Case, started.id))
        assert (found.actor, found.reason) == ("shenyang_bureau", REASON)
    clock.set("2026-10-16T00:00:01+08:00")  # the 7 working days ran out while suspended
    with any_database.factory() as s, s.begin():
        assert fire_due_timers(s, engine, clock()) == 1
    with any_database.factory() as s, s.begin():
        tasks = _tasks(s, started.id)
        assert tasks["escalate"].status == "ready" and tasks["escalate"].role == "bureau"
        assert s.get(Case, started.id).status == "suspended"  # the timer did not resume it
        resume_case(s, engine, started.id, "已与机构核实，恢复办理", _actor(s, "shenyang_bureau"))
    with any_database.factory() as s, s.begin():
        ref = engine.complete_task(s, task_id, {"decision": "yes"}, _actor(s, "shenyang_institute"))
    assert ref.status == "running"  # the escalation is still open
    with any_database.factory() as s:
        actions = [e.action for e in _audit(s, started.id)]
    assert actions.index("case_suspended") < actions.index("timer_fired") < actions.index("case_resumed")


def test_a_stale_version_is_a_conflict(any_database, engine, started):
    with any_database.factory() as s, s.begin():
        suspend_case(s, engine, started.id, REASON, _actor(s, "shenyang_bureau"))
    with any_database.factory() as s, s.begin(), pytest.raises(Conflict):
        resume_case(s, engine, started.id, REASON, _actor(s, "shenyang_bureau"), expected_version=started.version)


def test_terminate_cancels_the_tasks_and_the_sweep_never_wakes_the_case(any_database, engine, clock, started):
    with any_database.factory() as s, s.begin():
        ref = terminate_case(s, engine, started.id, "申请人撤回申请", _actor(s, "shenyang_bureau"))
    assert ref.status == "terminated"
    with any_database.factory() as s, s.begin():
        case = s.get(Case, started.id)
        assert (case.status, case.next_timer_at) == ("terminated", None)
        assert {t.status for t in _tasks(s, started.id).values()} == {"cancelled"}
        assert inbox(s, _actor(s, "shenyang_institute")) == []
        entry = _audit(s, started.id)[-1]
        assert entry.action == "case_terminated" and entry.after["reason"] == "申请人撤回申请"
        assert entry.after["cancelled_tasks"] == [_tasks(s, started.id)["approve"].id]
        case.next_timer_at = case.created_at  # even a stray time does not wake it
    clock.set("2026-10-16T00:00:01+08:00")
    with any_database.factory() as s, s.begin():
        assert fire_due_timers(s, engine, clock()) == 0
        assert engine.fire_timers(s, started.id) == 0
    with any_database.factory() as s, s.begin():
        assert _tasks(s, started.id).keys() == {"approve"} and s.get(Case, started.id).status == "terminated"
        for act in (terminate_case, suspend_case, resume_case, retry_case):
            with pytest.raises(InvalidTransition):
                act(s, engine, started.id, REASON, _actor(s, "shenyang_bureau"))


def test_retry_rearms_the_timers_of_a_case_the_sweep_parked(any_database, engine, started):
    with any_database.factory() as s, s.begin():  # as timers._park_failed_case leaves it
        case = s.get(Case, started.id)
        deadline = case.next_timer_at
        case.status, case.next_timer_at = "error", None
    with any_database.factory() as s, s.begin():
        with pytest.raises(InvalidTransition):  # a case in error is retried, not resumed
            resume_case(s, engine, started.id, REASON, _actor(s, "shenyang_bureau"))
        ref = retry_case(s, engine, started.id, "定时器故障已排除", _actor(s, "shenyang_bureau"))
    assert ref.status == "running"
    with any_database.factory() as s:
        assert s.get(Case, started.id).next_timer_at == deadline
        assert _audit(s, started.id)[-1].after["reason"] == "定时器故障已排除"


def _budget_sources(script: str) -> dict[str, str]:
    bpmn = (BPMN / "budget_loop.bpmn").read_text(encoding="utf-8")
    bpmn = bpmn.replace("<bpmn:script>while True: pass</bpmn:script>", f"<bpmn:script>{script}</bpmn:script>")
    return {"budget_loop.bpmn": bpmn, "budget_decision.dmn": (BPMN / "budget_decision.dmn").read_text("utf-8"),
            "budget_note.schema.json": (BPMN / "budget_note.schema.json").read_text("utf-8")}


def test_retry_after_the_rule_is_fixed_completes_the_case(any_database, engine, clock):
    with any_database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, _budget_sources("x = 1 / 0"), clock())
        ref = engine.start_case(s, "budget_loop", {"institute_id": _org(s, "210100-institute"), "kind": "a"},
                                Actor.system())
        task_id = _tasks(s, ref.id)["approve"].id
    with any_database.factory() as s, s.begin():
        assert engine.complete_task(s, task_id, {}, _actor(s, "shenyang_institute")).status == "error"
    with any_database.factory() as s, s.begin():  # not fixed yet: retried, the same step fails again
        assert retry_case(s, engine, ref.id, "重试一次", _actor(s, "shenyang_bureau")).status == "running"
    with any_database.factory() as s, s.begin():
        assert engine.complete_task(s, task_id, {}, _actor(s, "shenyang_institute")).status == "error"
    with any_database.factory() as s, s.begin():  # policy staff publish the fix
        engine.registry.deploy_sources(s, _budget_sources("done = True"), clock())
        panel = case_controls(s, _actor(s, "shenyang_bureau"), ref.id)
        assert panel.may_retry and panel.newer_version_id is not None
        retried = retry_case(s, engine, ref.id, "规则已修正", _actor(s, "shenyang_bureau"), to_current=True)
    assert retried.status == "running"
    with any_database.factory() as s, s.begin():
        assert s.get(Case, ref.id).spec_version_id == panel.newer_version_id
        assert engine.complete_task(s, task_id, {}, _actor(s, "shenyang_institute")).status == "completed"
    with any_database.factory() as s:
        actions = [e.action for e in _audit(s, ref.id)]
    assert actions.count("script_failed") == 2 and actions.count("case_retried") == 2
    assert actions.index("case_migrated") < len(actions) - 1 - actions[::-1].index("case_retried")


def test_bulk_claim_skips_a_suspended_cases_task_as_suspended_then_claims_it_after_resume(any_database, engine,
                                                                                          started):
    with any_database.factory() as s, s.begin():
        suspend_case(s, engine, started.id, REASON, _actor(s, "shenyang_bureau"))
    with any_database.factory() as s, s.begin():
        task_id = _tasks(s, started.id)["approve"].id
        result = claim_tasks(s, engine, [task_id], _actor(s, "shenyang_institute"))
    assert result.done == () and [(k.task_id, k.reason) for k in result.skipped] == [(task_id, "suspended")]
    with any_database.factory() as s, s.begin():
        assert s.get(Task, task_id).assignee_id is None
        resume_case(s, engine, started.id, REASON, _actor(s, "shenyang_bureau"))
        assert claim_tasks(s, engine, [task_id], _actor(s, "shenyang_institute")).done == (task_id,)
