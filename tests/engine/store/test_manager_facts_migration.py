"""Migration 0007 backfills the managers' facts of existing cases exactly as the engine's steps write them.

The world is the figures test's (running and finished verifications with a refusal, an agreed extension,
two escalations and results on time and late), plus a claim made later (activity that does not change the
case). The facts the engine wrote are read, the schema is taken down to 0006 (the columns and the event
table are dropped) and up again, and the backfilled facts must be the same.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import select

from engine.store.models import Case, CaseEvent
from engine.store.schema import alembic_config
from tests.engine.reads.test_figures import _build
from tests.engine.scenario import Scenario

FACTS = (Case.id, Case.received_at, Case.result_day, Case.result_month, Case.result_institute_id, Case.result_on_time,
         Case.result_working_days, Case.open_tasks, Case.last_activity_at)


def _facts(sc: Scenario) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with sc.db.factory() as s:
        cases = [tuple(r) for r in s.execute(select(*FACTS).order_by(Case.id))]
        events = sorted(tuple(r) for r in s.execute(select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.institute_id,
                                                           CaseEvent.at)))
    return cases, events


def _migrate(sc: Scenario, target: str, down: bool) -> None:
    cfg = alembic_config()
    bind = sc.db.factory.kw["bind"]
    with bind.begin() as connection:
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_backfill_matches_what_the_engine_wrote(any_database, clock):
    clock.set("2026-09-28T09:00:00+08:00")
    sc = Scenario(any_database, clock, restart=False)
    _build(sc)
    sc.at("2026-11-21T09:30:00+08:00")
    open_verify = sc.open_task(sorted(_open_cases(sc))[-1], "verify")
    with sc.session() as s:
        sc.engine.claim_task(s, open_verify.id, sc.actor(s, "shenyang_institute"))
    written = _facts(sc)
    cases, events = written
    assert sum(1 for c in cases if c[2] is not None) == 6  # A1 A2 A3 A5 B1 C1 have results
    assert sorted(k for _c, k, _i, _at in events) == ["escalated", "escalated", "extension_agreed",
                                                      "extension_asked", "refused"]
    claimed = [c for c in cases if c[0] == open_verify.case_id][0]
    assert claimed[-1] == clock()  # the claim moved the case's latest activity
    _migrate(sc, "0006", down=True)
    _migrate(sc, "head", down=False)
    assert _facts(sc) == written


def _open_cases(sc: Scenario) -> set[int]:
    with sc.db.factory() as s:
        return set(s.scalars(select(Case.id).where(Case.status == "running", Case.received_at.is_not(None))))
