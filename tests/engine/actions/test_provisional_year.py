"""A deadline that crosses into a provisional year is flagged and recomputed when the year is confirmed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from engine.actions.calendar_admin import confirm_calendar_year
from engine.organisations.actors import Actor
from engine.rules.specs import read_sources
from engine.store.models import AuditEntry, Case, Organisation, Task

TINY = Path(__file__).resolve().parents[2] / "bpmn" / "tiny"


def test_provisional_deadline_is_recomputed_when_the_year_is_confirmed(any_database, engine, clock):
    clock.set("2026-12-28T09:00:00+08:00")
    with any_database.factory() as s, s.begin():
        engine.registry.deploy_sources(s, read_sources(TINY), clock())
        org = {o.code: o.id for o in s.scalars(select(Organisation))}
        ref = engine.start_case(s, "deadline_task", {
            "received_on": "2026-12-28", "institute_id": org["210100-institute"], "bureau_id": org["210100-bureau"],
        }, Actor.system())
    with any_database.factory() as s:
        case = s.get(Case, ref.id)
        # 12-29, 12-30, 12-31, [01-01 holiday], 01-04 .. 01-07 on 2027's provisional (statutory-only) calendar
        assert case.deadline_provisional and case.deadline_at.isoformat() == "2027-01-07T15:59:59+00:00"

    # A made-up official 2027 schedule: New Year holiday 01-01, make-up working Saturday 01-02.
    with any_database.factory() as s, s.begin():
        moved = confirm_calendar_year(s, engine, 2027, [date(2027, 1, 1)], [date(2027, 1, 2)],
                                      "test schedule", Actor.system("admin"))
    assert moved == [ref.number]
    with any_database.factory() as s:
        case = s.get(Case, ref.id)
        task = s.scalars(select(Task).where(Task.case_id == ref.id)).one()
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "deadline_changed")
                          .order_by(AuditEntry.id)).all()
    assert not case.deadline_provisional
    assert case.deadline_at.isoformat() == "2027-01-06T15:59:59+00:00"
    assert task.due_at == case.deadline_at and case.next_timer_at == case.deadline_at
    assert audit[-1].after["reason"] == "calendar_year_confirmed"
    assert audit[-1].before["deadline"].startswith("2027-01-07")
