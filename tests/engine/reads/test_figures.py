"""The managers' figures against verifications driven through the engine on dates the test chose.

Every expected number below is counted by hand from those dates (the working days use the 2026 schedule:
10-01..10-07 National Day, 10-10 a make-up Saturday), never by calling the code's own arithmetic.

The world (all 2026, China time):
- 沈阳市计量测试研究院 (city institute, fuel dispensers of 新民市东城加油站, county 新民市, city 沈阳市):
  A1 received 09-30, result 10-14, deadline 10-15: on time, 6 working days (10-08 09 10 12 13 14);
  A2 received 09-30, swept 10-16 (escalated), result 10-19: late, 9 working days;
  A3 received 09-30, extension asked 10-12 to 10-23 and agreed, result 10-21: on time, 11 working days;
  A4 refused 09-30, the bureau orders acceptance, still waiting for receipt;
  A5 received 11-02, result 11-04: on time, 2 working days;
  A6 received 11-02 (deadline 11-11), still open on 11-20: overdue now.
- 新民市计量检定所 (county institute, an electronic scale of the same owner): B1 received 09-30, result 10-15
  (the deadline day itself): on time, 7 working days.
- 瓦房店市计量检定测试所 (county institute in 大连市): C1 received 09-30, escalated by the 10-16 sweep, result
  10-16: late, 8 working days.
"""

from __future__ import annotations

import pytest

from engine import manager_figures
from tests.engine.scenario import Scenario, instrument, passing_result

SHENYANG, XINMIN, WAFANGDIAN = "沈阳市计量测试研究院", "新民市计量检定所", "瓦房店市计量检定测试所"
NO_MONTH = (None,) * 9  # January to September
DEC = (None,)


@pytest.fixture
def sc(any_database, clock) -> Scenario:
    clock.set("2026-09-28T09:00:00+08:00")
    scenario = Scenario(any_database, clock, restart=False)
    _build(scenario)
    return scenario


def _result(sc: Scenario, case_id: int, institute: str, day: str, number: str) -> None:
    sc.at(f"{day}T10:00:00+08:00")
    sc.complete(case_id, "verify", institute, passing_result(day, "2027-" + day[5:], number))


def _build(sc: Scenario) -> None:
    dispensers = [sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument(f"JYJ-{n}"))
                  for n in range(1, 7)]
    scale = sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute",
                                instrument("DZC-1", "electronic_scale", name="电子计价秤"))
    meter = sc.filed_instrument("wafangdian_hospital", "210281", "wafangdian_institute",
                                instrument("XYJ-1", "sphygmomanometer", "medical_health", name="血压计"))
    sc.at("2026-09-30T10:00:00+08:00")
    a1, a2, a3 = (sc.received("xinmin_gas", i, "shenyang_institute", "2026-09-30") for i in dispensers[:3])
    b1 = sc.received("xinmin_gas", scale, "xinmin_institute", "2026-09-30")
    c1 = sc.received("wafangdian_hospital", meter, "wafangdian_institute", "2026-09-30")
    a4 = sc.apply("xinmin_gas", dispensers[3])
    sc.complete(a4, "accept_application", "shenyang_institute",
                {"acceptance": "refuse", "refusal_reason": "加油机检定装置停用检修"})
    sc.complete(a4, "review_refusal", "shenyang_bureau", {"refusal_review": "order_accept"})
    sc.at("2026-10-12T10:00:00+08:00")
    sc.complete(a3, "verify", "shenyang_institute", {
        "action": "propose_extension", "proposed_deadline": "2026-10-23", "extension_reason": "标准装置送修"})
    sc.at("2026-10-12T11:00:00+08:00")
    sc.complete(a3, "answer_extension", "xinmin_gas", {"extension_answer": "agree"})
    _result(sc, a1, "shenyang_institute", "2026-10-14", "R-A1")
    _result(sc, b1, "xinmin_institute", "2026-10-15", "R-B1")
    sc.at("2026-10-16T10:00:00+08:00")
    sc.sweep()  # A2 and C1 are past their deadline (end of 10-15): both escalate
    _result(sc, c1, "wafangdian_institute", "2026-10-16", "R-C1")
    _result(sc, a2, "shenyang_institute", "2026-10-19", "R-A2")
    _result(sc, a3, "shenyang_institute", "2026-10-21", "R-A3")
    sc.at("2026-11-02T10:00:00+08:00")
    a5, _a6 = (sc.received("xinmin_gas", i, "shenyang_institute", "2026-11-02") for i in dispensers[4:6])
    _result(sc, a5, "shenyang_institute", "2026-11-04", "R-A5")
    sc.at("2026-11-20T10:00:00+08:00")


def _figures(sc: Scenario, org_code: str, year: int = 2026):
    with sc.db.factory() as s:
        return manager_figures(s, sc.engine, sc.org(org_code), year)


def test_on_time_rate_per_institute_county_and_city_by_month(sc):
    province = _figures(sc, "210000-bureau")
    assert sorted(province.figure("on_time_institute").rows) == sorted([
        (WAFANGDIAN, *NO_MONTH, 0.0, None, *DEC, 0, 1, 0.0),
        (XINMIN, *NO_MONTH, 100.0, None, *DEC, 1, 1, 100.0),
        (SHENYANG, *NO_MONTH, 66.7, 100.0, *DEC, 3, 4, 75.0),
    ])
    assert sorted(province.figure("on_time_county").rows) == sorted([
        ("新民市", *NO_MONTH, 75.0, 100.0, *DEC, 4, 5, 80.0),
        ("瓦房店市", *NO_MONTH, 0.0, None, *DEC, 0, 1, 0.0),
    ])
    assert sorted(province.figure("on_time_city").rows) == sorted([
        ("沈阳市", *NO_MONTH, 75.0, 100.0, *DEC, 4, 5, 80.0),
        ("大连市", *NO_MONTH, 0.0, None, *DEC, 0, 1, 0.0),
    ])


def test_extensions_refusals_and_escalations_per_institute(sc):
    rows = {r[0]: r[1:] for r in _figures(sc, "210000-bureau").figure("activity").rows}
    assert rows == {SHENYANG: (1, 1, 1, 1), WAFANGDIAN: (0, 0, 0, 1)}


def test_working_days_from_receipt_to_result(sc):
    rows = {r[0]: r[1:] for r in _figures(sc, "210000-bureau").figure("turnaround").rows}
    # all: 2 6 7 8 9 11 → median (7+8)/2, p90 the ceil(0.9*6) = 6th value
    assert rows == {"全部": (6, 7.5, 11), SHENYANG: (4, 7.5, 11), XINMIN: (1, 7.0, 7), WAFANGDIAN: (1, 8.0, 8)}


def test_late_ranking_counts_late_results_and_open_overdue(sc):
    rows = _figures(sc, "210000-bureau").figure("late_ranking").rows
    assert rows == ((1, SHENYANG, 1, 4, 25.0, 1), (2, WAFANGDIAN, 1, 1, 100.0, 0), (3, XINMIN, 0, 1, 0.0, 0))


def test_open_cases_by_step_in_the_managers_area(sc):
    rows = {r[0]: r[2] for r in _figures(sc, "210100-bureau").figure("open_steps").rows}
    # A4 waits for receipt, A6 for its result, A2's escalation at the 沈阳 bureau; C1's escalation is 大连's
    assert rows == {"登记收到受检器具": 1, "检定并出具结果": 1, "监管部门处理": 1}


def test_a_city_manager_sees_its_counties_institutes_and_not_another_city(sc):
    city = _figures(sc, "210100-bureau")
    assert sorted(r[0] for r in city.figure("on_time_institute").rows) == sorted([XINMIN, SHENYANG])
    assert [r[0] for r in city.figure("on_time_city").rows] == ["沈阳市"]
    assert {r[0]: r[1:] for r in city.figure("turnaround").rows}["全部"] == (5, 7.0, 11)  # 2 6 7 9 11
    assert [r[1] for r in city.figure("late_ranking").rows] == [SHENYANG, XINMIN]
    head = _figures(sc, "210181-institute")
    assert [r[0] for r in head.figure("on_time_institute").rows] == [XINMIN]
    assert head.figure("activity").rows == ()


def test_another_year_is_empty(sc):
    figures = _figures(sc, "210000-bureau", 2025)
    assert all(f.rows == () for f in figures.figures if f.key not in ("open_steps", "turnaround", "late_ranking"))
    assert figures.figure("turnaround").rows == (("全部", 0, None, None),)
