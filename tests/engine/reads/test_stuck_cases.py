"""The managers' stuck cases over cases built through the engine on the production diagrams.

The world (clock in Beijing time; 2026-10-01..07 are holidays, 10-10 a make-up Saturday):
- A: 新民 dispenser received 09-30, verify due end of 10-15; the sweep on 10-16 08:30 escalates it to 沈阳.
- D: 新民 application made 10-16 09:00 and never accepted.
- E: 新民 application refused on 10-19 (the refusal waits for 沈阳's decision).
- F: 新民 case received 10-19; the institute asked for an extension the same day (the owner has not answered).
- C: 康平 filing (reviewed by the county bureau itself) and G: 新民 filing (reviewed by 新民's institute), 10-19.
- B: 瓦房店 (大连) filing, 10-19: another city.
"Now" is Tuesday 10-20 10:00. Counts and lateness below are counted by hand from these dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import update

from engine.organisations.orgs import get_user_by_username
from engine.reads.stuck_cases import stuck_export, stuck_page, stuck_scope
from engine.reads.stuck_filter import StuckFilter
from engine.store.models import Case
from tests.engine.inbox_world import add_user
from tests.engine.scenario import Scenario, instrument


@dataclass
class World:
    sc: Scenario
    a: int
    c: int
    d: int
    e: int
    f: int
    g: int
    b: int


@pytest.fixture
def world(any_database, clock) -> World:
    clock.set("2026-09-28T09:00:00+08:00")
    sc = Scenario(any_database, clock, restart=False)
    ids = [sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument(f"JYJ-00{n}")) for n in range(4)]
    sc.at("2026-09-30T10:00:00+08:00")
    a = sc.received("xinmin_gas", ids[0], "shenyang_institute", "2026-09-30")
    sc.at("2026-10-16T08:30:00+08:00")
    sc.sweep()
    sc.at("2026-10-16T09:00:00+08:00")
    d = sc.apply("xinmin_gas", ids[1])
    sc.at("2026-10-19T10:00:00+08:00")
    e = sc.apply("xinmin_gas", ids[2])
    refusal = {"acceptance": "refuse", "refusal_reason": "装置停用检修中"}
    sc.complete(e, "accept_application", "shenyang_institute", refusal)
    f = sc.received("xinmin_gas", ids[3], "shenyang_institute", "2026-10-19")
    sc.complete(f, "verify", "shenyang_institute", {
        "action": "propose_extension", "proposed_deadline": "2026-11-06", "extension_reason": "标准装置送修"})
    c = sc.file("kangping_hospital", "210123", [instrument("XYJ-1", "sphygmomanometer", "medical_health")])
    g = sc.file("xinmin_gas", "210181", [instrument("JYJ-009")])
    b = sc.file("wafangdian_hospital", "210281", [instrument("XYJ-2", "sphygmomanometer", "medical_health")])
    with sc.session() as s:
        add_user(s, "xinmin_head", "210181-institute", "institute,manager", "新民所长")
    sc.at("2026-10-20T10:00:00+08:00")
    return World(sc, a, c, d, e, f, g, b)


def _page(world: World, username: str, **filters):
    with world.sc.db.factory() as s:
        scope = stuck_scope(s, get_user_by_username(s, username).organisation_id)
        return stuck_page(s, world.sc.engine, scope, StuckFilter(**filters))


def _cases(page) -> list[int]:
    return sorted(row.case_id for row in page.rows)


def test_city_manager_sees_its_counties_in_every_tab(world):
    page = _page(world, "shenyang_bureau", idle_days=2)
    assert page.counts == {"overdue": 1, "escalations": 1, "extensions": 1, "refusals": 1, "applications": 1,
                           "filings": 2, "idle": 3, "error": 0}
    [late] = page.rows
    assert late.case_id == world.a and late.step == "检定并出具结果"
    assert late.days_late == 3  # (10-15, 10-20]: Fri 10-16, Mon 10-19, Tue 10-20
    assert late.acting_org == "沈阳市计量测试研究院" and late.owner == "新民市东城加油站"
    assert "燃油加油机" in late.instrument
    expected = {"escalations": [world.a], "extensions": [world.f], "refusals": [world.e], "applications": [world.d],
                "filings": sorted([world.c, world.g])}
    for tab, cases in expected.items():
        assert _cases(_page(world, "shenyang_bureau", tab=tab)) == cases, tab
    [escalation] = _page(world, "shenyang_bureau", tab="escalations").rows
    assert escalation.acting_org == "沈阳市市场监督管理局" and escalation.days_late == 0


def test_idle_counts_working_days_since_the_last_audit_entry(world):
    # A's last entry is the sweep of Fri 10-16, D's its start that morning: (10-16, 10-20] holds 2 working days.
    idle = _page(world, "shenyang_bureau", tab="idle", idle_days=2)
    assert _cases(idle) == sorted([world.a, world.a, world.d])  # A has two open tasks: verify and the escalation
    assert _page(world, "shenyang_bureau", tab="idle", idle_days=3).counts["idle"] == 0
    # (10-19, 10-20] holds 1 working day: the cases of 10-19 are idle for 1 working day too.
    idle_one = _page(world, "shenyang_bureau", tab="idle", idle_days=1, size=50)
    assert set(_cases(idle_one)) == {world.a, world.c, world.d, world.e, world.f, world.g}
    # The province's count is taken from each case's number of open tasks (no join): A counts twice.
    province = _page(world, "liaoning_bureau", tab="idle", idle_days=2)
    assert province.counts["idle"] == 3 and _cases(province) == sorted([world.a, world.a, world.d])
    everyone = _page(world, "liaoning_bureau", tab="idle", idle_days=1, size=50)
    assert set(_cases(everyone)) == {world.a, world.b, world.c, world.d, world.e, world.f, world.g}
    assert everyone.counts["idle"] == len(everyone.rows)


def test_other_city_and_institute_head_see_only_their_own(world):
    dalian = _page(world, "dalian_bureau", tab="filings")
    assert _cases(dalian) == [world.b] and sum(dalian.counts.values()) == 1
    head = _page(world, "xinmin_head", tab="filings")
    assert _cases(head) == [world.g]
    assert sum(head.counts.values()) == 1  # 新民's institute acts on nothing else
    province = _page(world, "liaoning_bureau", tab="filings")
    assert _cases(province) == sorted([world.b, world.c, world.g])


def test_filters_narrow_every_tab(world):
    assert _page(world, "liaoning_bureau", tab="filings", city="210100").counts["filings"] == 2
    assert _cases(_page(world, "shenyang_bureau", tab="filings", county="210123")) == [world.c]
    with world.sc.db.factory() as s:
        institute = get_user_by_username(s, "xinmin_head").organisation_id
    assert _cases(_page(world, "shenyang_bureau", tab="filings", institute=institute)) == [world.g]
    by_process = _page(world, "shenyang_bureau", process_id="filing").counts
    assert by_process["filings"] == 2 and by_process["overdue"] == by_process["applications"] == 0
    assert _page(world, "shenyang_bureau", spec_name="verify").counts["overdue"] == 1
    assert _page(world, "shenyang_bureau", age=3).counts["overdue"] == 1
    assert _page(world, "shenyang_bureau", age=4).counts["overdue"] == 0


def test_cases_in_error_and_the_export_match_the_page(world):
    with world.sc.session() as s:  # parked in error as the runtime does when a rule fails
        s.execute(update(Case).where(Case.id == world.e).values(status="error"))
    page = _page(world, "shenyang_bureau", tab="error")
    assert page.counts["error"] == 1 and page.counts["refusals"] == 0
    [row] = page.rows
    assert row.case_id == world.e and row.step == "审核拒绝受理" and row.case_status == "error"
    with world.sc.db.factory() as s:
        scope = stuck_scope(s, get_user_by_username(s, "shenyang_bureau").organisation_id)
        exported = stuck_export(s, world.sc.engine, scope, StuckFilter(tab="filings", size=1))
    assert sorted(r.case_id for r in exported) == sorted([world.c, world.g])  # paging ignored
