"""How long a filing takes while another clerk's step runs a script over its time budget (issue 8).

Usage: python -m bench.bench_budget_wait [--db URL] [--rounds 5] [--looper step|sweep]

A clerk completes the step of a test diagram (``tests/bpmn/budget_loop.bpmn``) whose script loops until the
default budget (1 s) stops it; a moment after that step began, the owner ``xinmin_gas`` files one instrument
(``file_instruments``, its own write transaction, as the API runs it). Printed: the filing's wall time alone
and while the looping step runs (medians over the rounds), and the looping step's own wall time.
``--looper sweep``: instead of a clerk's step, the timer sweep fires a due deadline whose path runs the
looping script (the diagram's deadline flow re-routed to the script task).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from engine.actions.owner_actions import file_instruments
from engine.organisations.actors import Actor, actor_for
from engine.scheduler import sweep_once
from engine.store.models import Organisation, Task, User

from .bench_engine import COUNTY, NOW, OWNER, instrument_item
from .common import Clock, fresh_system

SOURCES = Path(__file__).resolve().parent.parent / "tests" / "bpmn"
HEAD_START = 0.1  # seconds between the step's start and the filing
DUE = '"2026-10-01T09:00:00+08:00"'  # the sweep variant's deadline: after NOW, passed by moving the clock


def _sources(looper: str) -> dict[str, str]:
    sources = {p.name: p.read_text(encoding="utf-8") for p in SOURCES.glob("budget_*")}
    if looper == "sweep":
        sources["budget_loop.bpmn"] = sources["budget_loop.bpmn"].replace(
            'sourceRef="deadline" targetRef="end_late"', 'sourceRef="deadline" targetRef="run"').replace(
            '<bpmn:timeDate>"2099-01-01T17:00:00+08:00"<', f"<bpmn:timeDate>{DUE}<")
    return sources


def _looping_task(system, clerk: Actor) -> str:
    with system.sessions() as s, s.begin():
        institute = s.scalars(select(Organisation.id).where(Organisation.code == "210100-institute")).one()
        ref = system.engine.start_case(s, "budget_loop", {"institute_id": institute, "kind": "a"}, Actor.system())
        return s.scalars(select(Task.id).where(Task.case_id == ref.id)).one()


def _file(system, owner: Actor, serial: str) -> float:
    began = time.perf_counter()
    with system.sessions() as s, s.begin():
        file_instruments(s, system.engine, owner, COUNTY, [instrument_item(serial)])
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="database URL (default: a temp SQLite file)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--looper", choices=("step", "sweep"), default="step")
    args = parser.parse_args()
    clock = Clock(NOW)
    system, scratch = fresh_system(args.db, clock)
    try:
        with system.sessions() as s, s.begin():
            system.engine.registry.deploy_sources(s, _sources(args.looper), NOW)
            clerk = actor_for(s.scalars(select(User).where(User.username == "shenyang_institute")).one())
            owner = actor_for(s.scalars(select(User).where(User.username == OWNER)).one())
        alone, during, steps = [], [], []
        for n in range(args.rounds):
            clock.now = NOW
            alone.append(_file(system, owner, f"BW-A-{n}"))
            task_id = _looping_task(system, clerk)
            step_time: list[float] = []

            def step(task_id: str = task_id, step_time: list[float] = step_time) -> None:
                began = time.perf_counter()
                if args.looper == "sweep":
                    assert sweep_once(system) == 0  # the due case is parked, nothing fired
                else:
                    with system.sessions() as s, s.begin():
                        ref = system.engine.complete_task(s, task_id, {}, clerk)
                    assert ref.status == "error", ref
                step_time.append(time.perf_counter() - began)

            if args.looper == "sweep":
                clock.now = NOW + timedelta(days=2)  # the deadline is due

            worker = threading.Thread(target=step)
            worker.start()
            time.sleep(HEAD_START)
            during.append(_file(system, owner, f"BW-D-{n}"))
            worker.join()
            steps.extend(step_time)
        print(f"database {system.db.dialect.name}, {args.rounds} rounds, default script budget, looper {args.looper}")
        print(f"filing alone:                  median {statistics.median(alone):.3f} s")
        print(f"filing during the looping step: median {statistics.median(during):.3f} s (max {max(during):.3f} s)")
        print(f"the looping step itself:        median {statistics.median(steps):.3f} s")
    finally:
        scratch.close()


if __name__ == "__main__":
    main()
