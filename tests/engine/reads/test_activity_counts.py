"""The process heatmap's numbers over cases built through the engine on the production diagrams.

The world (clock in Beijing time; 2026-10-01..07 are holidays):
- A: 新民 dispenser received 09-30, verify due end of 10-15; the sweep on 10-16 08:30 escalates it to 沈阳
  (verify stays open, the escalation's handle_escalation is due 5 working days later: end of 10-23).
- D: 新民 application made 10-16 09:00, never accepted (3 working days: due end of 10-21).
- F: 新民 dispenser received 10-19 (verify due end of 10-28).
- C: 康平 filing (the county bureau reviews), G: 新民 filing (新民's institute reviews), B: 瓦房店 (大连) filing,
  all on 10-19 (review due in 5 working days: end of 10-26).
"Now" is Thursday 10-22 10:00, no sweep since 10-16: A's verify and D's acceptance are overdue.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import update

from engine.organisations.orgs import get_user_by_username
from engine.reads.activity_counts import activity_cases, activity_counts, heatmap_processes
from engine.reads.stuck_cases import stuck_scope
from engine.store.errors import NotFound
from engine.store.models import Task
from tests.engine.inbox_world import add_user
from tests.engine.scenario import Scenario, instrument

ESCALATIONS = ("escalate_not_accepted", "escalate_overdue", "escalate_unanswered")


@dataclass
class World:
    sc: Scenario
    a: int
    d: int
    f: int
    c: int
    g: int
    b: int


@pytest.fixture
def world(any_database, clock) -> World:
    clock.set("2026-09-28T09:00:00+08:00")
    sc = Scenario(any_database, clock, restart=False)
    ids = [sc.filed_instrument("xinmin_gas", "210181", "xinmin_institute", instrument(f"JYJ-H0{n}")) for n in range(3)]
    sc.at("2026-09-30T10:00:00+08:00")
    a = sc.received("xinmin_gas", ids[0], "shenyang_institute", "2026-09-30")
    sc.at("2026-10-16T08:30:00+08:00")
    sc.sweep()
    sc.at("2026-10-16T09:00:00+08:00")
    d = sc.apply("xinmin_gas", ids[1])
    sc.at("2026-10-19T10:00:00+08:00")
    f = sc.received("xinmin_gas", ids[2], "shenyang_institute", "2026-10-19")
    c = sc.file("kangping_hospital", "210123", [instrument("XYJ-H1", "sphygmomanometer", "medical_health")])
    g = sc.file("xinmin_gas", "210181", [instrument("JYJ-H09")])
    b = sc.file("wafangdian_hospital", "210281", [instrument("XYJ-H2", "sphygmomanometer", "medical_health")])
    with sc.session() as s:
        add_user(s, "xinmin_head", "210181-institute", "institute,manager", "新民所长")
    sc.at("2026-10-22T10:00:00+08:00")
    return World(sc, a, d, f, c, g, b)


def _numbers(world: World, username: str, process_id: str) -> dict[str, tuple[int, int]]:
    """Slot key -> (waiting, overdue), slots with nobody waiting left out."""
    with world.sc.db.factory() as s:
        scope = stuck_scope(s, get_user_by_username(s, username).organisation_id)
        heat = activity_counts(s, world.sc.clock(), scope, process_id)
    return {c.slot.key: (c.waiting, c.overdue) for c in heat.counts if c.waiting}


def _listed(world: World, username: str, process_id: str, key: str, **kwargs) -> list[tuple[int, bool]]:
    with world.sc.db.factory() as s:
        scope = stuck_scope(s, get_user_by_username(s, username).organisation_id)
        page = activity_cases(s, world.sc.clock(), scope, process_id, key, **kwargs)
    return [(row.case_id, row.overdue) for row in page.rows]


def test_counts_per_activity_with_called_process_and_scope(world):
    with world.sc.db.factory() as s:
        assert [p for p, _name in heatmap_processes(s)] == [
            "filing", "verification_request", "yearly_report", "escalation"]
        scope = stuck_scope(s, get_user_by_username(s, "shenyang_bureau").organisation_id)
        heat = activity_counts(s, world.sc.clock(), scope, "verification_request")
    # The three call activities of the escalation are told apart by the reason each one's script sets.
    reasons = {key: heat.count(key).slot.reason for key in ESCALATIONS}
    assert reasons == {"escalate_not_accepted": "not_accepted", "escalate_overdue": "overdue",
                       "escalate_unanswered": "extension_unanswered"}
    assert all(heat.count(key).slot.spec_names == ("handle_escalation",) for key in ESCALATIONS)
    assert heat.count("verify").slot.name == "检定并出具结果" and not heat.called
    assert _numbers(world, "shenyang_bureau", "verification_request") == {
        "verify": (2, 1), "accept_application": (1, 1), "escalate_overdue": (1, 0)}
    # The escalation's own diagram shows A at its task.
    assert _numbers(world, "shenyang_bureau", "escalation") == {"handle_escalation": (1, 0)}
    assert _numbers(world, "shenyang_bureau", "filing") == {"review_filing": (2, 0)}
    # Another city sees only its own county's filing; the institute head only what its institute acts on.
    assert _numbers(world, "dalian_bureau", "filing") == {"review_filing": (1, 0)}
    assert _numbers(world, "dalian_bureau", "verification_request") == {}
    assert _numbers(world, "xinmin_head", "filing") == {"review_filing": (1, 0)}
    assert _numbers(world, "xinmin_head", "verification_request") == {}
    assert _numbers(world, "liaoning_bureau", "filing") == {"review_filing": (3, 0)}


def test_lists_and_steps_of_older_versions(world):
    assert _listed(world, "shenyang_bureau", "verification_request", "verify") == [(world.a, True), (world.f, False)]
    assert _listed(world, "shenyang_bureau", "verification_request", "verify", overdue_only=True) == [(world.a, True)]
    assert _listed(world, "shenyang_bureau", "verification_request", "verify", size=1, page=2) == [(world.f, False)]
    assert _listed(world, "shenyang_bureau", "verification_request", "escalate_overdue") == [(world.a, False)]
    assert _listed(world, "shenyang_bureau", "escalation", "handle_escalation") == [(world.a, False)]
    assert _listed(world, "dalian_bureau", "filing", "review_filing") == [(world.b, False)]
    assert sorted(_listed(world, "shenyang_bureau", "filing", "review_filing")) == sorted(
        [(world.c, False), (world.g, False)])
    # A step the current diagram no longer has (a case on an older version) is still counted and listed.
    with world.sc.session() as s:
        s.execute(update(Task).where(Task.case_id == world.d, Task.status == "ready").values(spec_name="old_step"))
    numbers = _numbers(world, "shenyang_bureau", "verification_request")
    assert numbers["old_step"] == (1, 1) and "accept_application" not in numbers
    assert _listed(world, "shenyang_bureau", "verification_request", "old_step") == [(world.d, True)]
    with world.sc.db.factory() as s, pytest.raises(NotFound):
        activity_counts(s, world.sc.clock(), stuck_scope(s, 1), "no_such_process")
