"""The yearly report (Notice 一.（五）1, 三) on the production diagram: drafted from the institute's own cases,
reminded before 20 November, escalated to the same-level bureau after it, submitted on time or late."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.actions.yearly_reports import start_yearly_reports
from engine.organisations.actors import Actor
from engine.reads.task_view import task_form
from engine.reads.yearly_reports import report_list, report_notices, report_sheet
from engine.store.errors import NotAllowed, ValidationFailed
from engine.store.models import Case
from tests.engine.scenario import Scenario, instrument, passing_result

SHENYANG_INSTITUTE, XINMIN_INSTITUTE = "210100-institute", "210181-institute"
REPORT = {"narrative": "本年度严格落实属地检定，按期完成率较上年提高，延期均经送检单位同意。",
          "suggestions": "建议增配加油机检定装置。"}


@pytest.fixture
def sc(database, clock) -> Scenario:
    clock.set("2026-09-28T09:00:00+08:00")
    return Scenario(database, clock, restart=False)


@pytest.fixture
def sc_any(any_database, clock) -> Scenario:
    """The figures are JSON and date arithmetic in SQL, which each database spells its own way."""
    clock.set("2026-09-28T09:00:00+08:00")
    return Scenario(any_database, clock, restart=False)


def _received(sc: Scenario, serial: str, day: str = "2026-09-30") -> int:
    instrument_id = sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument(serial))
    sc.at(f"{day}T10:00:00+08:00")
    return sc.received("xinmin_gas", instrument_id, "shenyang_institute", day)


def _shenyang_year(sc: Scenario) -> None:
    """Four cases of 沈阳市计量测试研究院 in 2026: on time, late (escalated), extended, refused."""
    on_time, late, extended = (_received(sc, f"JYJ-00{n}") for n in (1, 2, 3))
    refused_instrument = sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument("JYJ-004"))
    refused = sc.apply("xinmin_gas", refused_instrument)
    sc.complete(refused, "accept_application", "shenyang_institute",
                {"acceptance": "refuse", "refusal_reason": "加油机检定装置停用检修"})
    sc.at("2026-10-12T10:00:00+08:00")
    sc.complete(extended, "verify", "shenyang_institute", {
        "action": "propose_extension", "proposed_deadline": "2026-10-23", "extension_reason": "标准装置送修"})
    sc.complete(extended, "answer_extension", "xinmin_gas", {"extension_answer": "agree"})
    sc.at("2026-10-14T15:00:00+08:00")
    sc.complete(on_time, "verify", "shenyang_institute",
                passing_result("2026-10-14", "2027-10-13", certificate_no="LNJD-2026-0001"))
    sc.at("2026-10-16T08:30:00+08:00")
    sc.sweep()  # the late case passes its deadline (10-15) and is escalated
    sc.at("2026-10-19T10:00:00+08:00")
    sc.complete(late, "verify", "shenyang_institute", {
        "action": "result", "outcome": "fail", "verified_on": "2026-10-19", "fail_reason": "示值误差超差", "fee": 0})
    sc.at("2026-10-21T10:00:00+08:00")
    sc.complete(extended, "verify", "shenyang_institute",
                passing_result("2026-10-21", "2027-10-20", certificate_no="LNJD-2026-0003"))


def _start(sc: Scenario, year: int = 2026) -> list[Any]:
    with sc.session() as s:
        return start_yearly_reports(s, sc.engine, year, Actor.system("scheduler"))


def _report_case(sc: Scenario, institute: str, year: int = 2026) -> Case:
    with sc.db.reader() as s:
        return s.scalars(select(Case).where(Case.subject == f"yearly_report:{sc.org(institute)}:{year}")).one()


def _task_data(sc: Scenario, case_id: int, username: str) -> dict[str, Any]:
    task = sc.open_task(case_id, "submit_report")
    with sc.db.reader() as s:
        return task_form(s, sc.engine, task.id, sc.actor(s, username)).facts


def _statuses(sc: Scenario, bureau: str) -> dict[str, tuple[str, bool]]:
    with sc.db.reader() as s:
        return {r.institute_name: (r.status, r.late) for r in report_list(s, sc.org(bureau), 2026, sc.clock())}


def test_the_draft_counts_the_institutes_own_cases_and_an_on_time_report_is_submitted(sc_any):
    sc = sc_any
    _shenyang_year(sc)
    sc.at("2026-11-02T09:00:00+08:00")
    sc.sweep()  # the bureau let the verification's escalation pass its own limit: that timer is not ours
    assert _statuses(sc, "210100-bureau") == {"沈阳市计量测试研究院": ("not_started", False),
                                              "新民市计量检定所": ("not_started", False)}
    started = _start(sc)
    assert len(started) == 10  # every demo institute: the province's, 4 cities', 5 counties'
    assert _start(sc) == []  # one case per institute and year
    case = _report_case(sc, SHENYANG_INSTITUTE)
    data = _task_data(sc, case.id, "shenyang_institute")
    # Counted from the cases above: 3 results (2 passed, 1 failed), on time 2 of 3 (the failed one was late),
    # 1 extension asked and agreed, 1 refusal, 1 escalation (the late one), no fee.
    assert {k: data[k] for k in ("results_total", "on_time_count", "on_time_rate", "extensions_asked",
                                 "extensions_agreed", "refusals", "escalations", "fees_total")} == {
        "results_total": 3, "on_time_count": 2, "on_time_rate": 66.7, "extensions_asked": 1,
        "extensions_agreed": 1, "refusals": 1, "escalations": 1, "fees_total": 0}
    assert data["results_by_category"] == [{"category": "working", "instrument_type": "fuel_dispenser",
                                            "passed": 2, "failed": 1, "calibrated": 0, "total": 3}]
    assert data["figures_as_of"] == "2026-11-02"
    assert "截至2026年11月2日共出具强制检定结果 3 份，其中按期完成 2 份，按期完成率 66.7%" in data["narrative"]
    assert _task_data(sc, _report_case(sc, XINMIN_INSTITUTE).id, "xinmin_institute")["results_total"] == 0
    task = sc.open_task(case.id, "submit_report")
    assert task.organisation_id == sc.org(SHENYANG_INSTITUTE) and task.role == "institute"
    assert task.due_at.isoformat() == "2026-11-20T15:59:59+00:00"  # end of Fri 20 November, Beijing time
    assert _statuses(sc, "210100-bureau")["沈阳市计量测试研究院"] == ("drafting", False)

    sc.at("2026-11-13T08:59:00+08:00")
    assert sc.sweep() == 0
    sc.at("2026-11-13T09:05:00+08:00")  # due 09:00, 5 working days before 11-20: 11-19, 18, 17, 16, 13
    assert sc.sweep() == 10  # one reminder per institute
    with sc.db.reader() as s:
        [notice] = report_notices(s, sc.org(SHENYANG_INSTITUTE), sc.clock())
    assert notice.task_id == task.id and "应于 2026-11-20 前报送同级市场监管部门" in notice.message

    sc.at("2026-11-18T10:00:00+08:00")
    sc.complete(case.id, "submit_report", "shenyang_institute", REPORT)
    assert sc.case(case.id).status == "completed"
    [bureau_notice] = [a.after for a in sc.audit(case.id, "notify") if a.after["org_id"] == sc.org("210100-bureau")]
    assert bureau_notice["message"] == "沈阳市计量测试研究院已报送2026年度强制检定工作报告。"
    assert _statuses(sc, "210100-bureau") == {"沈阳市计量测试研究院": ("submitted", False),
                                              "新民市计量检定所": ("drafting", False)}
    with sc.db.reader() as s:
        assert report_notices(s, sc.org(SHENYANG_INSTITUTE), sc.clock()) == []  # nothing left to remind of
        sheet = report_sheet(s, sc.org("210100-bureau"), case.id)
    assert sheet.narrative == REPORT["narrative"] and sheet.figures["refusals"] == 1 and not sheet.late


def test_a_report_not_submitted_by_20_november_is_escalated_to_the_same_level_bureau(sc):
    sc.at("2026-11-02T09:00:00+08:00")
    _start(sc)
    case = _report_case(sc, XINMIN_INSTITUTE)
    sc.at("2026-11-20T23:00:00+08:00")
    assert sc.sweep() == 10  # the reminders only: 20 November is usable to its end
    sc.at("2026-11-21T08:00:00+08:00")
    assert sc.sweep() == 10
    escalation = sc.open_task(case.id, "handle_escalation")
    assert escalation.organisation_id == sc.org("210181-bureau") and escalation.role == "bureau"
    [entry] = sc.audit(case.id, "escalated")
    assert entry.after["reason"] == "yearly_report_overdue"
    assert _statuses(sc, "210100-bureau")["新民市计量检定所"] == ("overdue", False)
    sc.complete(case.id, "submit_report", "xinmin_institute", REPORT)  # still possible, late
    assert _statuses(sc, "210100-bureau")["新民市计量检定所"] == ("submitted", True)
    assert sc.open_tasks(case.id) == ["handle_escalation"]  # the bureau still decides on the lateness


def test_a_narrative_of_spaces_is_refused_beside_the_field(sc):
    sc.at("2026-11-02T09:00:00+08:00")
    _start(sc)
    case = _report_case(sc, SHENYANG_INSTITUTE)
    with pytest.raises(ValidationFailed) as refused:
        sc.complete(case.id, "submit_report", "shenyang_institute", {"narrative": "    ", "suggestions": ""})
    assert refused.value.errors["narrative"] == ["请填写年度强制检定执行情况分析（不少于20个字）"]
    assert refused.value.errors["suggestions"] == ["请填写工作建议"]
    with pytest.raises(ValidationFailed) as refused:
        sc.complete(case.id, "submit_report", "shenyang_institute", {**REPORT, "results_total": 99})
    assert "results_total" in refused.value.errors  # the figures are the system's, not the institute's
    assert sc.open_tasks(case.id) == ["submit_report"]


def test_20_november_on_a_saturday_moves_the_due_date_to_monday(sc):
    sc.at("2027-11-01T09:00:00+08:00")
    _start(sc, 2027)
    task = sc.open_task(_report_case(sc, SHENYANG_INSTITUTE, 2027).id, "submit_report")
    assert task.due_at.isoformat() == "2027-11-22T15:59:59+00:00"  # Sat 11-20 → end of Mon 11-22 (民法典 203)


def test_only_managers_and_the_system_start_reports_and_never_for_a_year_to_come(sc):
    with sc.session() as s, pytest.raises(NotAllowed):
        start_yearly_reports(s, sc.engine, 2026, sc.actor(s, "shenyang_institute"))
    with sc.session() as s, pytest.raises(NotAllowed, match="2000–2026"):
        start_yearly_reports(s, sc.engine, 2027, Actor.system("scheduler"))
