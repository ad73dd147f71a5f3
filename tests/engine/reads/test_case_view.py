"""The case page's read side: who may see a case, where it stands on its diagram, days left, documents."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine.reads.case_view import case_document, case_view, working_days_left
from engine.reads.diagram_marks import activity_ids, process_diagram, process_name
from engine.store.errors import NotFound
from tests.engine.scenario import Scenario, instrument, passing_result


@pytest.fixture
def sc(database, clock) -> Scenario:
    clock.set("2026-09-28T09:00:00+08:00")
    return Scenario(database, clock, restart=False)


def _received(sc: Scenario) -> int:
    instrument_id = sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument("J-1"))
    sc.at("2026-09-30T10:00:00+08:00")
    return sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")


def _view(sc: Scenario, case_id: int, username: str):
    with sc.db.reader() as s:
        return case_view(s, sc.engine, case_id, sc.actor(s, username))


@pytest.mark.parametrize("username", ["xinmin_gas", "shenyang_institute", "shenyang_bureau", "xinmin_bureau",
                                      "liaoning_bureau"])
def test_involved_and_supervising_organisations_see_the_case(sc, username):
    case_id = _received(sc)
    assert _view(sc, case_id, username).case.id == case_id


@pytest.mark.parametrize("username", ["dalian_institute", "dalian_bureau", "heping_market", "xinmin_institute",
                                      "policy"])
def test_everyone_else_is_told_the_case_does_not_exist(sc, username):
    case_id = _received(sc)  # xinmin_institute handled the filing, a different case
    with pytest.raises(NotFound):
        _view(sc, case_id, username)


def test_missing_case_is_not_found(sc):
    with pytest.raises(NotFound):
        _view(sc, 999_999, "liaoning_bureau")


def test_marks_follow_the_case_through_an_extension_and_an_escalation(sc):
    case_id = _received(sc)
    view = _view(sc, case_id, "xinmin_gas")
    assert view.marks["accept_application"] == "completed" and view.marks["verify"] == "current"
    assert "answer_extension" not in view.marks and view.working_days_left == 7  # the legal 7 working days
    sc.at("2026-10-12T10:00:00+08:00")
    sc.complete(case_id, "verify", "shenyang_institute", {
        "action": "propose_extension", "proposed_deadline": "2026-10-23", "extension_reason": "标准装置送修"})
    sc.complete(case_id, "answer_extension", "xinmin_gas", {"extension_answer": "agree"})
    assert _view(sc, case_id, "xinmin_gas").working_days_left == 9  # 10-13 .. 10-23
    sc.at("2026-10-26T10:00:00+08:00")
    view = _view(sc, case_id, "shenyang_bureau")
    assert view.marks["verify"] == "overdue"  # run once, open again, past the agreed deadline
    assert view.marks["answer_extension"] == "completed" and view.marks["apply_extension"] == "completed"
    assert view.working_days_left == -1
    sc.sweep()  # the deadline timer escalates: the bureau's task runs under the call activity
    view = _view(sc, case_id, "shenyang_bureau")
    assert view.marks["escalate_overdue"] == "current" and "escalate_unanswered" not in view.marks
    assert "handle_escalation" not in view.marks  # not an element of this diagram
    sc.at("2026-11-03T10:00:00+08:00")
    assert _view(sc, case_id, "shenyang_bureau").marks["escalate_overdue"] == "overdue"


def test_view_names_people_organisations_and_forms(sc):
    case_id = _received(sc)
    view = _view(sc, case_id, "xinmin_gas")
    assert view.owner is not None and view.owner.name == "新民市东城加油站"
    assert "沈阳市计量测试研究院" in view.organisations.values()
    assert {u.username for u in view.people.values()} == {"xinmin_gas", "shenyang_institute"}
    assert view.forms["accept_application"]["title"]
    assert view.process_name == "强制检定申请与检定"
    assert view.diagram.lstrip().startswith("<?xml") and 'id="verification_request"' in view.diagram
    assert [e.action for e in view.history][:2] == ["case_started", "task_completed"]


def test_a_finished_case_has_no_days_left_and_prints_its_certificate(sc):
    case_id = _received(sc)
    sc.at("2026-10-14T15:00:00+08:00")
    sc.complete(case_id, "verify", "shenyang_institute", passing_result("2026-10-14", "2027-10-13"))
    view = _view(sc, case_id, "xinmin_gas")
    assert view.working_days_left is None and view.marks["issue_certificate"] == "completed"
    assert "current" not in view.marks.values()
    with sc.db.reader() as s:
        sheet = case_document(s, case_id, "LNJD-2026-0001", sc.actor(s, "xinmin_gas"))
        assert sheet.instrument is not None and sheet.instrument.serial_no == "J-1"
        assert sheet.institute is not None and sheet.institute.name == "沈阳市计量测试研究院"
        assert sheet.owner is not None and sheet.owner.name == "新民市东城加油站"
        with pytest.raises(NotFound):
            case_document(s, case_id, "LNJD-2026-0002", sc.actor(s, "xinmin_gas"))
        with pytest.raises(NotFound):
            case_document(s, case_id, "LNJD-2026-0001", sc.actor(s, "dalian_institute"))


def test_working_days_left_counts_on_the_calendar(sc):
    sc.at("2026-10-12T10:00:00+08:00")  # Monday
    with sc.db.reader() as s:
        assert working_days_left(s, sc.engine, _at("2026-10-16T23:59:59+08:00")) == 4
        assert working_days_left(s, sc.engine, _at("2026-10-12T23:59:59+08:00")) == 0
        assert working_days_left(s, sc.engine, None) is None
        assert working_days_left(s, sc.engine, _at("2031-01-05T23:59:59+08:00")) is None  # no calendar yet


def test_process_diagram_is_the_file_that_defines_the_process():
    good = ('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p" name="P">'
            '<userTask id="a"/><callActivity id="b"/><startEvent id="s"/></process></definitions>')
    other = good.replace('id="p"', 'id="q"')
    assert process_diagram({"x.bpmn": other, "y.bpmn": good, "p.json": "{}"}, "p") == good
    assert activity_ids(good) == {"a", "b"}
    assert process_name(good, "p") == "P" and process_name(good, "z") == "z"
    with pytest.raises(NotFound):
        process_diagram({"x.bpmn": other, "broken.bpmn": "<"}, "p")


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)
