"""The verification lifecycle on the production diagrams, each path with and without restarts."""

from __future__ import annotations

import pytest

from engine.store.errors import ValidationFailed
from tests.engine.scenario import Scenario, instrument, passing_result


@pytest.fixture(params=[False, True], ids=["continuous", "restart-between-steps"])
def sc(request, any_database, clock) -> Scenario:
    clock.set("2026-09-28T09:00:00+08:00")
    return Scenario(any_database, clock, restart=request.param)


def _gas_station_dispenser(sc: Scenario, serial: str = "JYJ-001") -> int:
    # 新民市 has its own institute (filing delegated to it), but only the city institute verifies dispensers.
    return sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument(serial))


def test_on_time_verification_issues_a_certificate_and_moves_the_due_date(sc):
    instrument_id = _gas_station_dispenser(sc)
    [row] = sc.ledger("210181-xinmin_gas")
    assert row.status == "in_use" and row.period_months == 12
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")
    verify = sc.open_task(case_id, "verify")
    assert verify.organisation_id == sc.org("210100-institute")
    assert verify.due_at.isoformat() == "2026-10-15T15:59:59+00:00"  # Notice example: end of 10-15
    sc.at("2026-10-14T15:00:00+08:00")
    sc.complete(case_id, "verify", "shenyang_institute", passing_result("2026-10-14", "2027-10-13"))
    case = sc.case(case_id)
    assert case.status == "completed"
    [document] = sc.documents(case_id)
    assert document.kind == "verification_certificate" and document.number == "LNJD-2026-0001"
    assert document.content["fee"] == 0
    [row] = sc.ledger("210181-xinmin_gas")
    assert row.next_due.isoformat() == "2027-10-13" and row.status == "in_use"
    assert not sc.audit(case_id, "escalated")
    assert [a.after["timer"] for a in sc.audit(case_id, "timer_fired")] == ["期限将至"]


def test_overdue_verification_escalates_to_the_same_level_bureau(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")
    sc.at("2026-10-16T08:30:00+08:00")
    assert sc.sweep() == 2  # the reminder (due 10-13 09:00) and the deadline, both passed unswept
    escalation = sc.open_task(case_id, "handle_escalation")
    assert escalation.organisation_id == sc.org("210100-bureau") and escalation.role == "bureau"
    assert escalation.due_at.isoformat() == "2026-10-23T15:59:59+00:00"  # 5 working days after Fri 10-16
    [entry] = sc.audit(case_id, "escalated")
    assert entry.after["reason"] == "overdue"
    assert sc.sweep() == 0  # fired once only
    sc.complete(case_id, "handle_escalation", "shenyang_bureau",
                {"escalation_decision": "order_action", "escalation_note": "责令三日内完成",
                 "order_deadline": "2026-10-21"})
    sc.at("2026-10-19T10:00:00+08:00")
    sc.complete(case_id, "verify", "shenyang_institute", passing_result("2026-10-19", "2027-10-18"))
    assert sc.case(case_id).status == "completed"


def test_agreed_extension_moves_the_deadline_with_an_audit_entry(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")
    sc.at("2026-10-12T10:00:00+08:00")
    _propose_extension(sc, case_id)
    answer = sc.open_task(case_id, "answer_extension")
    assert answer.organisation_id == sc.org("210181-xinmin_gas") and answer.role == "owner"
    sc.complete(case_id, "answer_extension", "xinmin_gas", {"extension_answer": "agree"})
    verify = sc.open_task(case_id, "verify")
    assert verify.due_at.isoformat() == "2026-10-23T15:59:59+00:00"
    moved = sc.audit(case_id, "deadline_changed")[-1]
    assert moved.before["deadline"].startswith("2026-10-15") and moved.after["deadline"].startswith("2026-10-23")
    assert moved.after["reason"] == "标准装置送修"
    sc.at("2026-10-21T10:00:00+08:00")  # past the original deadline, inside the agreed one
    assert sc.sweep() == 1  # only the reminder for the new date (2 working days before 10-23)
    assert not sc.audit(case_id, "escalated")
    sc.complete(case_id, "verify", "shenyang_institute", passing_result("2026-10-21", "2027-10-20"))
    assert sc.case(case_id).status == "completed"


def test_declined_extension_keeps_the_original_deadline(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")
    sc.at("2026-10-12T10:00:00+08:00")
    _propose_extension(sc, case_id)
    sc.complete(case_id, "answer_extension", "xinmin_gas", {"extension_answer": "decline"})
    assert sc.open_task(case_id, "verify").due_at.isoformat() == "2026-10-15T15:59:59+00:00"
    sc.at("2026-10-16T09:00:00+08:00")
    sc.sweep()
    assert [e.after["reason"] for e in sc.audit(case_id, "escalated")] == ["overdue"]


def test_unanswered_extension_escalates_and_the_original_deadline_stands(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")
    sc.at("2026-10-09T10:00:00+08:00")
    _propose_extension(sc, case_id)
    answer = sc.open_task(case_id, "answer_extension")
    assert answer.due_at.isoformat() == "2026-10-13T15:59:59+00:00"  # 3 working days: 10-10 (调休), 10-12, 10-13
    sc.at("2026-10-14T08:00:00+08:00")
    assert sc.sweep() >= 1
    assert sc.open_tasks(case_id) == ["handle_escalation", "verify"]
    assert [e.after["reason"] for e in sc.audit(case_id, "escalated")] == ["extension_unanswered"]
    assert sc.open_task(case_id, "verify").due_at.isoformat() == "2026-10-15T15:59:59+00:00"


def test_refusal_upheld_reroutes_to_the_next_level(sc):
    instrument_id = _gas_station_dispenser(sc)
    case_id = sc.apply("xinmin_gas", instrument_id)
    sc.complete(case_id, "accept_application", "shenyang_institute",
                {"acceptance": "refuse", "refusal_reason": "加油机检定装置停用检修"})
    review = sc.open_task(case_id, "review_refusal")
    assert review.organisation_id == sc.org("210100-bureau")
    sc.complete(case_id, "review_refusal", "shenyang_bureau",
                {"refusal_review": "uphold", "refusal_review_note": "装置检修属实，改由省计量院承担"})
    assert sc.open_task(case_id, "accept_application").organisation_id == sc.org("210000-institute")


def test_refusal_overruled_orders_the_institute_to_accept(sc):
    instrument_id = _gas_station_dispenser(sc)
    case_id = sc.apply("xinmin_gas", instrument_id)
    with pytest.raises(ValidationFailed) as err:
        sc.complete(case_id, "accept_application", "shenyang_institute", {"acceptance": "refuse"})
    assert "refusal_reason" in err.value.errors  # no refusal without a reason (不得无故拒绝)
    sc.complete(case_id, "accept_application", "shenyang_institute",
                {"acceptance": "refuse", "refusal_reason": "本月检定任务已饱和"})
    sc.complete(case_id, "review_refusal", "shenyang_bureau", {"refusal_review": "order_accept"})
    assert sc.open_task(case_id, "record_receipt").organisation_id == sc.org("210100-institute")


def test_non_compulsory_instruments_are_not_filed(sc):
    case_id = sc.file("xinmin_gas", "210181", [instrument("JYJ-9", purpose="other")])
    assert sc.case(case_id).status == "completed"
    assert sc.ledger("210181-xinmin_gas") == []
    notices = [a.after["message"] for a in sc.audit(case_id, "notify")]
    assert any("不属于强制检定范围" in m for m in notices)


def test_mixed_filing_registers_only_compulsory_items(sc):
    case_id = sc.file("xinmin_gas", "210181", [instrument("JYJ-1"), instrument("JYJ-2", purpose="other")])
    sc.complete(case_id, "review_filing", "xinmin_institute", {"filing_decision": "accept"})
    assert [i.serial_no for i in sc.ledger("210181-xinmin_gas")] == ["JYJ-1"]


def test_returned_filing_is_corrected_and_resubmitted(sc):
    case_id = sc.file("xinmin_gas", "210181", [instrument("JYJ-1", location="站内")])
    sc.complete(case_id, "review_filing", "xinmin_institute",
                {"filing_decision": "return", "filing_reason": "请写明加油岛编号"})
    assert sc.open_task(case_id, "correct_filing").role == "owner"
    sc.complete(case_id, "correct_filing", "xinmin_gas", {"instruments": [instrument("JYJ-1", location="二号岛")]})
    sc.complete(case_id, "review_filing", "xinmin_institute", {"filing_decision": "accept"})
    assert [i.location for i in sc.ledger("210181-xinmin_gas")] == ["二号岛"]


def test_county_without_an_institute_is_served_by_the_city_institute(sc):
    case_id = sc.file("heping_market", "210102", [instrument("DZC-1", "electronic_scale", name="电子计价秤")])
    assert sc.open_task(case_id, "review_filing").organisation_id == sc.org("210100-institute")
    sc.complete(case_id, "review_filing", "shenyang_institute", {"filing_decision": "accept"})
    [row] = sc.ledger("210102-heping_market")
    application = sc.apply("heping_market", row.id)
    assert sc.open_task(application, "accept_application").organisation_id == sc.org("210100-institute")


def test_type_not_authorised_at_county_or_city_goes_to_the_provincial_institute(sc):
    # 鞍山: gas detectors are authorised neither at 海城市 nor at the 鞍山 city institute.
    item = instrument("QT-1", "gas_detector", purpose="safety_protection", name="可燃气体检测报警器")
    instrument_id = sc.filed_instrument("haicheng_water", "210381", "haicheng_institute", item)
    case_id = sc.apply("haicheng_water", instrument_id)
    assert sc.open_task(case_id, "accept_application").organisation_id == sc.org("210000-institute")


def test_calibration_certificate_refused_where_a_regulation_exists_and_fee_must_be_zero(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")
    result = passing_result("2026-09-30", "2027-09-29") | {"outcome": "calibration", "fee": 120}
    with pytest.raises(ValidationFailed) as err:
        sc.complete(case_id, "verify", "shenyang_institute", result)
    assert "outcome" in err.value.errors and err.value.errors["fee"] == ["强制检定停征收费，费用必须为0"]
    assert sc.open_tasks(case_id) == ["verify"] and sc.documents(case_id) == []


def test_receipt_on_a_make_up_saturday_counts_from_the_next_day(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-10-10T10:00:00+08:00")  # 调休 Saturday: a working day
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-10-10")
    # 10-12, 13, 14, 15, 16, 19, 20
    assert sc.open_task(case_id, "verify").due_at.isoformat() == "2026-10-20T15:59:59+00:00"


def test_deadline_crossing_into_a_provisional_year_is_flagged(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-12-28T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-12-28")
    case = sc.case(case_id)
    assert case.deadline_provisional and case.deadline_at.isoformat() == "2027-01-07T15:59:59+00:00"


def test_bad_filing_input_is_refused_per_field(sc):
    with pytest.raises(ValidationFailed) as err:
        sc.file("xinmin_gas", "210181", [instrument("A-1"), instrument("A-1"), instrument("", purpose="nope")])
    assert err.value.errors["instruments.2.serial_no"] == ["请填写出厂编号"]
    assert any("重复" in m for m in err.value.errors["instruments"])
    assert "instruments.2.purpose" in err.value.errors


# -- the original deadline keeps running while the owner answers an extension request -----------
# 《条例》第九条; 《通知》一.（四）2: without the owner's agreement the original deadline stands, so it is
# escalated when it passes (《通知》一.（五）) even while the request waits for an answer, and only once.

def _propose_extension(sc: Scenario, case_id: int, proposed_deadline: str = "2026-10-23") -> None:
    sc.complete(case_id, "verify", "shenyang_institute", {
        "action": "propose_extension", "proposed_deadline": proposed_deadline, "extension_reason": "标准装置送修"})


def _escalation_reasons(sc: Scenario, case_id: int) -> list[str]:
    return [e.after["reason"] for e in sc.audit(case_id, "escalated")]


def _reminders(sc: Scenario, case_id: int) -> list[str]:
    return [a.after["message"] for a in sc.audit(case_id, "notify") if "检定期限将至" in a.after["message"]]


def test_deadline_passing_while_the_owner_answers_escalates_once(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")  # due end of 10-15
    sc.at("2026-10-14T10:00:00+08:00")
    _propose_extension(sc, case_id)
    answer = sc.open_task(case_id, "answer_extension")
    assert answer.due_at.isoformat() == "2026-10-19T15:59:59+00:00"  # 3 working days: 10-15, 10-16, 10-19
    sc.at("2026-10-16T09:00:00+08:00")
    assert sc.sweep() == 1  # the original deadline, while the owner has not answered yet
    [entry] = sc.audit(case_id, "escalated")
    assert entry.after["reason"] == "overdue"
    assert sc.open_tasks(case_id) == ["answer_extension", "handle_escalation"]
    escalation = sc.open_task(case_id, "handle_escalation")
    assert escalation.organisation_id == sc.org("210100-bureau") and escalation.role == "bureau"
    sc.complete(case_id, "answer_extension", "xinmin_gas", {"extension_answer": "decline"})
    assert sc.open_tasks(case_id) == ["handle_escalation", "verify"]
    assert sc.open_task(case_id, "verify").due_at.isoformat() == "2026-10-15T15:59:59+00:00"
    sc.sweep()
    sc.at("2026-10-19T10:00:00+08:00")
    sc.sweep()
    assert _escalation_reasons(sc, case_id) == ["overdue"]
    assert len(_reminders(sc, case_id)) == 1  # the 10-13 reminder, fired before the proposal was recorded
    sc.complete(case_id, "verify", "shenyang_institute", passing_result("2026-10-19", "2027-10-18"))
    assert sc.open_tasks(case_id) == ["handle_escalation"]


def test_extension_agreed_after_the_old_deadline_passed_escalates_the_old_one_once(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")  # due end of 10-15
    sc.at("2026-10-14T10:00:00+08:00")
    _propose_extension(sc, case_id, "2026-10-23")
    sc.at("2026-10-16T10:00:00+08:00")  # the old deadline passed, nobody swept: completing fires it first
    sc.complete(case_id, "answer_extension", "xinmin_gas", {"extension_answer": "agree"})
    assert _escalation_reasons(sc, case_id) == ["overdue"]
    assert sc.open_tasks(case_id) == ["handle_escalation", "verify"]
    assert sc.open_task(case_id, "verify").due_at.isoformat() == "2026-10-23T15:59:59+00:00"
    assert sc.sweep() == 0  # the old deadline's timer on verify does not escalate it again
    sc.complete(case_id, "handle_escalation", "shenyang_bureau",
                {"escalation_decision": "record_decision", "escalation_note": "已协商延期至10月23日，记录备查"})
    # The finished escalation branch carried the old deadline; the case keeps the agreed one.
    assert sc.case(case_id).deadline_at.isoformat() == "2026-10-23T15:59:59+00:00"
    sc.at("2026-10-21T10:00:00+08:00")
    assert sc.sweep() == 1  # the reminder for the agreed date (2 working days before 10-23)
    assert [m for m in _reminders(sc, case_id) if "2026-10-23" in m]
    sc.at("2026-10-23T23:00:00+08:00")  # the agreed day is usable to its end
    assert sc.sweep() == 0
    assert _escalation_reasons(sc, case_id) == ["overdue"]
    sc.at("2026-10-24T09:00:00+08:00")
    assert sc.sweep() == 1  # the agreed date passed: escalated once, as a deadline of its own
    assert _escalation_reasons(sc, case_id) == ["overdue", "overdue"]
    assert sc.open_tasks(case_id) == ["handle_escalation", "verify"]
    summaries = [a.after["message"] for a in sc.audit(case_id, "notify") if "收到强制检定上报" in a.after["message"]]
    assert ["2026-10-15" in m for m in summaries] == [True, False] and "2026-10-23" in summaries[1]
    assert sc.sweep() == 0


def test_owner_answering_on_the_weekend_after_a_friday_deadline_escalates_once(sc):
    # Friday's deadline has passed on Saturday although no working day lies between them.
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-10-08T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-10-08")
    assert sc.open_task(case_id, "verify").due_at.isoformat() == "2026-10-16T15:59:59+00:00"  # Friday
    sc.at("2026-10-15T10:00:00+08:00")
    _propose_extension(sc, case_id)
    sc.at("2026-10-17T10:00:00+08:00")  # Saturday
    sc.complete(case_id, "answer_extension", "xinmin_gas", {"extension_answer": "decline"})
    sc.sweep()
    assert _escalation_reasons(sc, case_id) == ["overdue"]
    assert sc.open_tasks(case_id) == ["handle_escalation", "verify"]


def test_unanswered_request_due_with_the_deadline_escalates_each_once(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")  # due end of 10-15
    sc.at("2026-10-12T10:00:00+08:00")
    _propose_extension(sc, case_id)
    assert sc.open_task(case_id, "answer_extension").due_at.isoformat() == "2026-10-15T15:59:59+00:00"
    sc.at("2026-10-16T09:00:00+08:00")  # both the answer period and the deadline ended at 10-15 23:59:59
    sc.sweep()
    sc.sweep()  # verify's timers, re-armed on a deadline that has already passed
    assert sorted(_escalation_reasons(sc, case_id)) == ["extension_unanswered", "overdue"]
    assert sc.open_tasks(case_id) == ["handle_escalation", "handle_escalation", "verify"]
    assert len(_reminders(sc, case_id)) == 1  # 10-13 09:00, while the owner was answering


def test_reminder_due_while_the_owner_answers_goes_out_on_time_and_once(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")  # due end of 10-15
    sc.at("2026-10-12T10:00:00+08:00")
    _propose_extension(sc, case_id)
    sc.at("2026-10-13T10:00:00+08:00")  # reminder time: 2 working days before 10-15, 09:00
    assert sc.sweep() == 1
    assert len(_reminders(sc, case_id)) == 1 and sc.open_tasks(case_id) == ["answer_extension"]
    sc.at("2026-10-14T10:00:00+08:00")
    sc.complete(case_id, "answer_extension", "xinmin_gas", {"extension_answer": "decline"})
    sc.sweep()
    assert len(_reminders(sc, case_id)) == 1
    sc.complete(case_id, "verify", "shenyang_institute", passing_result("2026-10-14", "2027-10-13"))
    assert sc.case(case_id).status == "completed" and not sc.audit(case_id, "escalated")


def test_owner_declining_on_the_reminder_day_does_not_repeat_the_reminder(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")  # due end of 10-15
    sc.at("2026-10-12T10:00:00+08:00")
    _propose_extension(sc, case_id)
    sc.at("2026-10-13T09:30:00+08:00")  # the reminder (09:00) went out half an hour ago
    assert sc.sweep() == 1
    sc.at("2026-10-13T16:00:00+08:00")  # same day, later: the owner declines
    sc.complete(case_id, "answer_extension", "xinmin_gas", {"extension_answer": "decline"})
    sc.sweep()
    assert len(_reminders(sc, case_id)) == 1


def test_a_certificate_number_already_used_is_a_field_error(sc):
    first = _gas_station_dispenser(sc, "JYJ-1")
    second = _gas_station_dispenser(sc, "JYJ-2")
    sc.at("2026-09-30T10:00:00+08:00")
    case_a = sc.received("xinmin_gas", first, "shenyang_institute", "2026-09-30")
    case_b = sc.received("xinmin_gas", second, "shenyang_institute", "2026-09-30")
    sc.complete(case_a, "verify", "shenyang_institute", passing_result("2026-09-30", "2027-09-29", "LNJD-7"))
    with pytest.raises(ValidationFailed) as err:
        sc.complete(case_b, "verify", "shenyang_institute", passing_result("2026-09-30", "2027-09-29", "LNJD-7"))
    assert "已被使用" in err.value.errors["certificate_no"][0]
    assert sc.open_tasks(case_b) == ["verify"]


def test_an_instrument_already_in_the_ledger_is_not_filed_again(sc):
    _gas_station_dispenser(sc, "JYJ-1")
    with pytest.raises(ValidationFailed) as err:
        sc.file("xinmin_gas", "210181", [instrument("JYJ-2"), instrument("JYJ-1")])
    assert list(err.value.errors) == ["instruments.1.serial_no"]
    assert "已备案" in err.value.errors["instruments.1.serial_no"][0]


def test_the_same_instrument_filed_twice_in_parallel_enters_the_ledger_once(sc):
    first = sc.file("xinmin_gas", "210181", [instrument("JYJ-1")])
    second = sc.file("xinmin_gas", "210181", [instrument("JYJ-1")])
    sc.complete(first, "review_filing", "xinmin_institute", {"filing_decision": "accept"})
    sc.complete(second, "review_filing", "xinmin_institute", {"filing_decision": "accept"})
    assert [i.serial_no for i in sc.ledger("210181-xinmin_gas")] == ["JYJ-1"]
    assert sc.audit(second, "register_instruments")[0].after["already_in_ledger"] == ["JYJ-1"]


def test_calibration_only_type_gets_a_calibration_certificate(sc):
    item = instrument("JH-1", "multiparameter_monitor", purpose="medical_health", name="多参数监护仪")
    instrument_id = sc.filed_instrument("kangping_hospital", "210123", "kangping_bureau", item)  # bureau files itself
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("kangping_hospital", instrument_id, "liaoning_institute", "2026-09-30")
    assert sc.open_task(case_id, "verify").organisation_id == sc.org("210000-institute")
    with pytest.raises(ValidationFailed) as err:  # no verification regulation: no verification certificate
        sc.complete(case_id, "verify", "liaoning_institute", passing_result("2026-09-30", "2027-09-29"))
    assert "outcome" in err.value.errors
    sc.complete(case_id, "verify", "liaoning_institute",
                {"action": "result", "outcome": "calibration", "verified_on": "2026-09-30", "fee": 0,
                 "certificate_no": "LNJZ-2026-0009"})
    assert [(d.kind, d.number) for d in sc.documents(case_id)] == [("calibration_certificate", "LNJZ-2026-0009")]


def test_receipt_dated_in_the_future_is_refused(sc):
    instrument_id = _gas_station_dispenser(sc)
    case_id = sc.apply("xinmin_gas", instrument_id)
    sc.complete(case_id, "accept_application", "shenyang_institute", {"acceptance": "accept"})
    with pytest.raises(ValidationFailed) as err:
        sc.complete(case_id, "record_receipt", "shenyang_institute", {"received_on": "2026-10-05"})
    assert "不得晚于今天" in err.value.errors["received_on"][0]


def test_second_agreed_extension_moves_the_deadline_again(sc):
    instrument_id = _gas_station_dispenser(sc)
    sc.at("2026-09-30T10:00:00+08:00")
    case_id = sc.received("xinmin_gas", instrument_id, "shenyang_institute", "2026-09-30")
    sc.at("2026-10-12T10:00:00+08:00")
    _propose_extension(sc, case_id, "2026-10-23")
    sc.complete(case_id, "answer_extension", "xinmin_gas", {"extension_answer": "agree"})
    sc.at("2026-10-21T10:00:00+08:00")
    _propose_extension(sc, case_id, "2026-10-30")
    sc.complete(case_id, "answer_extension", "xinmin_gas", {"extension_answer": "agree"})
    assert sc.open_task(case_id, "verify").due_at.isoformat() == "2026-10-30T15:59:59+00:00"
    moves = [(a.before["deadline"] or "")[:10] + " → " + a.after["deadline"][:10]
             for a in sc.audit(case_id, "deadline_changed")]
    assert moves == [" → 2026-10-15", "2026-10-15 → 2026-10-23", "2026-10-23 → 2026-10-30"]


def test_standard_goes_to_the_department_that_assessed_it(sc):
    item = instrument("BZ-1", "pressure_gauge", name="压力标准器", category="highest_standard", in_catalogue=False)
    instrument_id = sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", item)
    with pytest.raises(ValidationFailed) as err:
        sc.apply("xinmin_gas", instrument_id)
    assert "assessing_org_id" in err.value.errors
    # 新民市市场监督管理局 presided over the assessment and delegated verification to its institute.
    case_id = sc.apply("xinmin_gas", instrument_id, assessing_org_id=sc.org("210181-bureau"))
    assert sc.open_task(case_id, "accept_application").organisation_id == sc.org("210181-institute")
