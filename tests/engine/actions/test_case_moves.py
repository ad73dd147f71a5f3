"""Moving running cases to a new version: dry run with reasons, the move with timers re-armed, undo."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, update

from engine.actions.case_moves import dry_run, migrate_cases, undo_migration
from engine.rules.specs import read_sources
from engine.store.errors import InvalidTransition, NotAllowed
from engine.store.models import AuditEntry, Case, CaseMigration, SpecVersion, Task
from tests.engine.scenario import BPMN_DIR, Scenario, instrument

# The policy change: remind the institute 3 working days before the deadline instead of 2.
OLD_TIMER = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">reminder_at</bpmn:timeDate>\n      </bpmn:timerEventDefinition>\n    </bpmn:boundaryEvent>\n    <bpmn:boundaryEvent id="deadline_passed"'  # noqa: E501
NEW_TIMER = OLD_TIMER.replace(">reminder_at<", ">reminder_time(deadline, 3)<")


@pytest.fixture
def sc(any_database, clock) -> Scenario:
    clock.set("2026-09-28T09:00:00+08:00")
    return Scenario(any_database, clock, restart=False)


def _publish_three_day_reminder(sc: Scenario, timer: str = NEW_TIMER) -> int:
    sources = read_sources(BPMN_DIR)
    assert sources["verification_request.bpmn"].count(OLD_TIMER) == 1
    sources["verification_request.bpmn"] = sources["verification_request.bpmn"].replace(OLD_TIMER, timer)
    return _publish(sc, sources)


def _publish(sc: Scenario, sources: dict[str, str]) -> int:
    with sc.session() as s:
        sc.engine.registry.deploy_sources(s, sources, sc.clock(), created_by="policy")
        return s.scalars(select(SpecVersion.id).where(SpecVersion.process_id == "verification_request",
                                                      SpecVersion.is_current)).one()


def _policy(sc: Scenario, s):
    return sc.actor(s, "policy")


def _cases(sc: Scenario) -> dict[str, int]:
    ids = [sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument(f"JYJ-{n}")) for n in (1, 2, 3)]
    sc.at("2026-09-30T10:00:00+08:00")
    at_verify = sc.received("xinmin_gas", ids[0], "shenyang_institute", "2026-09-30")  # due end of 10-15
    reminded = sc.received("xinmin_gas", ids[1], "shenyang_institute", "2026-09-30")
    not_accepted = sc.apply("xinmin_gas", ids[2])
    # The 2-day reminder of both received cases is due, and the acceptance of the applied case (due end of
    # 10-10, 3 working days) is overdue: it is escalated to the bureau and the acceptance task stays open.
    sc.at("2026-10-13T09:30:00+08:00")
    assert sc.sweep() == 3
    sc.at("2026-10-13T10:00:00+08:00")
    # A third received case whose reminder is still armed (due end of 10-22, reminder 10-20 09:00).
    late = sc.received("xinmin_gas", sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute",
                                                          instrument("JYJ-4")), "shenyang_institute", "2026-10-13")
    return {"late": late, "reminded": reminded, "not_accepted": not_accepted, "at_verify": at_verify}


def test_dry_run_lists_who_can_move_and_why_not(sc):
    cases = _cases(sc)
    target = _publish_three_day_reminder(sc)
    with sc.db.factory() as s:
        checks = {c.case_number: c for c in dry_run(s, sc.engine, target)}
    numbers = {name: sc.case(case_id).number for name, case_id in cases.items()}
    assert checks[numbers["late"]].can_move and checks[numbers["not_accepted"]].can_move
    for name in ("reminded", "at_verify"):
        assert not checks[numbers[name]].can_move
        assert checks[numbers[name]].reasons == ("「期限将至」（已完成）在新版本中有改动",)
    assert sc.case(cases["late"]).spec_version_id != target  # a dry run moves nothing


def test_a_moved_case_re_arms_its_reminder_and_can_be_moved_back(sc):
    cases = _cases(sc)
    late = cases["late"]
    before = sc.case(late)
    assert before.next_timer_at.isoformat() == "2026-10-20T01:00:00+00:00"  # 2 working days before 10-22, 09:00
    target = _publish_three_day_reminder(sc)
    with sc.session() as s:
        [result] = migrate_cases(s, sc.engine, _policy(sc, s), target, [late])
    assert result.moved and result.migration_id
    moved = sc.case(late)
    assert moved.spec_version_id == target
    assert moved.next_timer_at.isoformat() == "2026-10-19T01:00:00+00:00"  # now 3 working days before
    assert moved.deadline_at == before.deadline_at  # the legal deadline does not move
    assert [a.after["spec_version_id"] for a in sc.audit(late, "case_migrated")] == [target]
    with sc.session() as s:
        undo_migration(s, sc.engine, _policy(sc, s), result.migration_id)
    back = sc.case(late)
    assert (back.spec_version_id, back.next_timer_at) == (before.spec_version_id, before.next_timer_at)
    assert sc.audit(late, "case_migration_reverted")
    with sc.session() as s, pytest.raises(InvalidTransition, match="已撤销"):
        undo_migration(s, sc.engine, _policy(sc, s), result.migration_id)


def test_a_case_worked_on_after_the_move_cannot_be_undone(sc):
    cases = _cases(sc)
    target = _publish_three_day_reminder(sc)
    with sc.session() as s:
        [result] = migrate_cases(s, sc.engine, _policy(sc, s), target, [cases["not_accepted"]])
    sc.complete(cases["not_accepted"], "accept_application", "shenyang_institute", {"acceptance": "accept"})
    with sc.session() as s, pytest.raises(InvalidTransition, match="已有办理"):
        undo_migration(s, sc.engine, _policy(sc, s), result.migration_id)
    # The moved case then runs on the new version: its reminder comes 3 working days before.
    sc.complete(cases["not_accepted"], "record_receipt", "shenyang_institute", {"received_on": "2026-10-13"})
    assert sc.case(cases["not_accepted"]).next_timer_at.isoformat() == "2026-10-19T01:00:00+00:00"


def test_migrating_all_moves_the_safe_ones_and_reports_the_rest(sc):
    cases = _cases(sc)
    target = _publish_three_day_reminder(sc)
    with sc.session() as s:
        results = {r.case_id: r for r in migrate_cases(s, sc.engine, _policy(sc, s), target)}
    assert {cid for cid, r in results.items() if r.moved} == {cases["late"], cases["not_accepted"]}
    assert results[cases["reminded"]].reasons == ("「期限将至」（已完成）在新版本中有改动",)
    assert sc.case(cases["reminded"]).spec_version_id != target


def test_only_policy_staff_migrate(sc):
    cases = _cases(sc)
    target = _publish_three_day_reminder(sc)
    with sc.session() as s, pytest.raises(NotAllowed):
        migrate_cases(s, sc.engine, sc.actor(s, "shenyang_institute"), target, [cases["late"]])
    with sc.db.factory() as s:
        assert s.get(Case, cases["late"]).spec_version_id != target
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action == "case_migrated")).all()


def _snapshot(sc: Scenario) -> tuple:
    """Everything a dry run must leave untouched: case rows, open task rows, audit and migration records."""
    with sc.db.factory() as s:
        cases = s.execute(select(Case.id, Case.version, Case.spec_version_id, Case.state, Case.next_timer_at,
                                 Case.updated_at).order_by(Case.id)).all()
        tasks = s.execute(select(Task.id, Task.status, Task.due_at).order_by(Task.id)).all()
        audit = s.scalar(select(func.count()).select_from(AuditEntry))
        migrations = s.scalar(select(func.count()).select_from(CaseMigration))
    return cases, tasks, audit, migrations


def test_a_dry_run_really_moves_each_case_and_leaves_no_trace(sc):
    cases = _cases(sc)
    target = _publish_three_day_reminder(sc)
    before = _snapshot(sc)
    with sc.db.factory() as s:
        checks = {c.case_id: c for c in dry_run(s, sc.engine, target)}
        s.rollback()
    assert checks[cases["late"]].can_move and checks[cases["not_accepted"]].can_move
    assert _snapshot(sc) == before


# A typo in the new timer expression: it parses, and fails only when a case arms the timer.
BROKEN_TIMER = OLD_TIMER.replace(">reminder_at<", ">reminder_time(dedline, 3)<")


def test_a_timer_expression_failing_on_a_case_is_its_reason_and_the_others_still_move(sc):
    cases = _cases(sc)
    target = _publish_three_day_reminder(sc, BROKEN_TIMER)
    before = _snapshot(sc)
    with sc.db.factory() as s:
        checks = {c.case_id: c for c in dry_run(s, sc.engine, target)}
        s.rollback()
    assert _snapshot(sc) == before
    late = checks[cases["late"]]  # its armed reminder is evaluated again on the move
    assert not late.can_move and late.reasons[0].startswith("迁移时出错：") and "dedline" in late.reasons[0]
    assert checks[cases["not_accepted"]].can_move  # has not reached the reminder yet
    with sc.session() as s:
        results = {r.case_id: r for r in migrate_cases(s, sc.engine, _policy(sc, s), target)}
    assert {cid for cid, r in results.items() if r.moved} == {cases["not_accepted"]}
    assert results[cases["late"]].reasons == late.reasons
    assert sc.case(cases["late"]).spec_version_id != target
    assert not sc.audit(cases["late"], "case_migrated")
    assert sc.audit(cases["not_accepted"], "case_migrated")


def test_an_open_task_whose_form_changed_cannot_move(sc):
    cases = _cases(sc)
    sources = read_sources(BPMN_DIR)
    form = json.loads(sources["verify.schema.json"])
    form["properties"]["seal_no"] = {"type": "string", "title": "封印编号"}
    form["required"] = [*form.get("required", []), "seal_no"]
    sources["verify.schema.json"] = json.dumps(form, ensure_ascii=False)
    target = _publish(sc, sources)
    with sc.db.factory() as s:
        checks = {c.case_id: c for c in dry_run(s, sc.engine, target)}
        s.rollback()
    assert checks[cases["at_verify"]].reasons == ("「检定并出具结果」（办理中）的表单在新版本中有改动",)
    assert checks[cases["not_accepted"]].can_move  # the changed form lies ahead of it
    with sc.session() as s:
        [result] = migrate_cases(s, sc.engine, _policy(sc, s), target, [cases["at_verify"]])
    assert not result.moved and sc.case(cases["at_verify"]).spec_version_id != target


def test_a_case_changed_meanwhile_is_reported_and_the_others_still_move(sc):
    cases = _cases(sc)
    target = _publish_three_day_reminder(sc)
    with sc.db.factory() as s:
        stale = s.get(Case, cases["late"])
        assert stale is not None
        s.commit()  # the session keeps the row as read (no expiry on commit)
        with sc.session() as other:  # a clerk or the timer sweep changes the case meanwhile
            other.execute(update(Case.__table__).where(Case.id == stale.id).values(version=stale.version + 1))
        with s.begin():
            results = {r.case_id: r for r in migrate_cases(
                s, sc.engine, _policy(sc, s), target, [cases["late"], cases["not_accepted"]])}
    assert results[cases["late"]].reasons == ("迁移时出错：案件刚被他人办理或被定时任务改动，请重新预演后再迁移",)
    assert results[cases["not_accepted"]].moved
    assert sc.case(cases["late"]).spec_version_id != target
    assert sc.case(cases["not_accepted"]).spec_version_id == target
