"""The managers' figures over 100,000 verification cases of one year (issue 10: must stay fast).

Rows are written in bulk, shaped as the engine writes them (task rows per step, task-completion audit
entries for extension answers), with a realistic mix: every case received and most verified, 10 % with an
extension request (60 % of them agreed), 3 % refused once, 8 % escalated, 5 % still open. The figures' facts
(result columns on the case rows, ``case_event`` rows, latest activity) are then derived from those rows by
migration 0007's backfill, as an existing database would get them (its time is printed; the migration test
checks that it gives exactly what the engine's steps write). Then ``manager_figures`` is timed for the
province (every institute), a city and an institute.

    .venv/bin/python -m bench.bench_figures [--cases 100000] [--db postgresql+psycopg://postgres@127.0.0.1:5432/qiangjian]
"""

from __future__ import annotations

import argparse
import importlib
import random
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text

from engine import SHANGHAI, AuditEntry, Case, Organisation, SpecVersion, Task, manager_figures

from .common import Clock, fresh_system, settle_heap, summary_ms

YEAR = 2026
BACKFILL = importlib.import_module("engine.store.migrations.versions.0007_manager_facts")


def _task(case_id: int, spec: str, title: str, role: str, org: int, created: datetime,
          completed: datetime | None, county: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "case_id": case_id, "spec_name": spec, "title": title, "role": role,
            "organisation_id": org, "form": None, "due_at": None, "status": "completed" if completed else "ready",
            "created_at": created, "completed_at": completed, "completed_by_id": None,
            "case_number": f"B{case_id}", "case_process_id": "verification_request", "owner_org_id": None,
            "county_code": county, "instrument_type": "fuel_dispenser"}


def _case_rows(n: int, version: int, institutes: list[tuple[int, str, int]], rng: random.Random
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    cases, tasks, audit = [], [], []
    start = datetime(YEAR, 1, 5, 9, tzinfo=SHANGHAI)
    for case_id in range(1, n + 1):
        institute, county, bureau = rng.choice(institutes)
        received = start + timedelta(days=rng.randrange(340), minutes=rng.randrange(480))
        deadline = (received + timedelta(days=10)).replace(hour=23, minute=59, second=59)
        result = received + timedelta(days=rng.choice((2, 4, 6, 7, 8, 9, 10, 11, 14)), hours=1)
        open_case = rng.random() < .05
        cases.append({"id": case_id, "number": f"B{case_id}", "process_id": "verification_request",
                      "spec_version_id": version, "status": "running" if open_case else "completed", "title": "",
                      "subject": None, "owner_org_id": None, "state": "{}", "deadline_at": deadline,
                      "deadline_provisional": False, "next_timer_at": None, "created_at": received,
                      "updated_at": received, "version": 1, "county_code": county,
                      "instrument_type": "fuel_dispenser"})
        accepted = received - timedelta(hours=2)
        tasks.append(_task(case_id, "accept_application", "受理检定申请", "institute", institute,
                           accepted - timedelta(days=1), accepted, county))
        if rng.random() < .03:
            tasks.append(_task(case_id, "review_refusal", "审核拒绝受理", "bureau", bureau, accepted, accepted, county))
        tasks.append(_task(case_id, "record_receipt", "登记收到受检器具", "institute", institute, accepted, received,
                           county))
        verify_from = received
        if rng.random() < .10:
            asked = received + timedelta(days=1)
            tasks.append(_task(case_id, "verify", "检定并出具结果", "institute", institute, received, asked, county))
            answer = _task(case_id, "answer_extension", "答复延期申请", "owner", institute, asked,
                           asked + timedelta(hours=3), county)
            tasks.append(answer)
            agreed = rng.random() < .6
            audit.append({"case_id": case_id, "task_id": answer["id"], "actor": "owner", "action": "task_completed",
                          "at": answer["completed_at"], "before": None,
                          "after": {"task": "answer_extension", "extension_answer": "agree" if agreed else "decline"}})
            verify_from = answer["completed_at"]
        if rng.random() < .08:
            tasks.append(_task(case_id, "handle_escalation", "监管部门处理", "bureau", bureau, deadline, None, county))
        tasks.append(_task(case_id, "verify", "检定并出具结果", "institute", institute, verify_from,
                           None if open_case else result, county))
    return cases, tasks, audit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    clock = Clock(datetime(YEAR, 12, 28, 10, tzinfo=SHANGHAI))
    system, scratch = fresh_system(args.db, clock)
    try:
        with system.sessions() as s, s.begin():
            version = s.scalars(select(SpecVersion.id).where(SpecVersion.process_id == "verification_request")).first()
            orgs = {o.id: o for o in s.scalars(select(Organisation))}
            counties = [o for o in orgs.values() if o.kind == "county_bureau"]
            institutes = [(o.id, rng_county.region_code, o.supervisor_id or o.id)
                          for o in orgs.values() if o.kind == "institute"
                          for rng_county in counties if rng_county.region_code[:4] == o.region_code[:4]
                          or o.level == "province"]
            cases, tasks, audit = _case_rows(args.cases, int(version or 0), institutes, random.Random(7))
            t0 = time.perf_counter()
            for table, rows in ((Case, cases), (Task, tasks), (AuditEntry, audit)):
                for i in range(0, len(rows), 5000):
                    s.execute(insert(table), rows[i:i + 5000])
        print(f"inserted {len(cases)} cases, {len(tasks)} tasks, {len(audit)} audit entries "
              f"in {time.perf_counter() - t0:.1f} s ({scratch.url.split(':')[0]})")
        t0 = time.perf_counter()
        with system.db.begin() as conn:
            BACKFILL.backfill(conn)
        print(f"facts backfilled (migration 0007) in {time.perf_counter() - t0:.1f} s")
        if system.db.dialect.name == "postgresql":  # what autovacuum would have done by the time anyone looks
            with system.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        codes = {o.code: o.id for o in orgs.values()}
        settle_heap()  # as the server does once started
        for name, code in (("province", "210000-bureau"), ("city 沈阳", "210100-bureau"),
                           ("institute 新民", "210181-institute")):
            timings = []
            for _ in range(args.runs):
                with system.readers() as s:
                    t0 = time.perf_counter()
                    figures = manager_figures(s, system.engine, codes[code], YEAR)
                    timings.append(time.perf_counter() - t0)
            total = sum(r[-2] for r in figures.figure("on_time_city").rows if isinstance(r[-2], int))
            print(f"{name:16} results counted {total:6}: {summary_ms(timings)}")
    finally:
        scratch.close()


if __name__ == "__main__":
    main()
