"""How long a filing takes while another clerk's step runs a script over its time budget (issue 8).

Usage: python -m bench.bench_budget_wait [--db URL] [--rounds 5]

A clerk completes the step of a test diagram (``tests/bpmn/budget_loop.bpmn``) whose script loops until the
default budget (1 s) stops it; a moment after that step began, the owner ``xinmin_gas`` files one instrument
(``file_instruments``, its own write transaction, as the API runs it). Printed: the filing's wall time alone
and while the looping step runs (medians over the rounds), and the looping step's own wall time.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from pathlib import Path

from sqlalchemy import select

from engine.actors import Actor, actor_for
from engine.models import Organisation, Task, User
from engine.owner_actions import file_instruments

from .bench_engine import COUNTY, NOW, OWNER, instrument_item
from .common import Clock, fresh_system

SOURCES = Path(__file__).resolve().parent.parent / "tests" / "bpmn"
HEAD_START = 0.1  # seconds between the step's start and the filing


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
    args = parser.parse_args()
    system, scratch = fresh_system(args.db, Clock(NOW))
    try:
        with system.sessions() as s, s.begin():
            sources = {p.name: p.read_text(encoding="utf-8") for p in SOURCES.glob("budget_*")}
            system.engine.registry.deploy_sources(s, sources, NOW)
            clerk = actor_for(s.scalars(select(User).where(User.username == "shenyang_institute")).one())
            owner = actor_for(s.scalars(select(User).where(User.username == OWNER)).one())
        alone, during, steps = [], [], []
        for n in range(args.rounds):
            alone.append(_file(system, owner, f"BW-A-{n}"))
            task_id = _looping_task(system, clerk)
            step_time: list[float] = []

            def step(task_id: str = task_id, step_time: list[float] = step_time) -> None:
                began = time.perf_counter()
                with system.sessions() as s, s.begin():
                    ref = system.engine.complete_task(s, task_id, {}, clerk)
                assert ref.status == "error", ref
                step_time.append(time.perf_counter() - began)

            worker = threading.Thread(target=step)
            worker.start()
            time.sleep(HEAD_START)
            during.append(_file(system, owner, f"BW-D-{n}"))
            worker.join()
            steps.extend(step_time)
        print(f"database {system.db.dialect.name}, {args.rounds} rounds, default script budget")
        print(f"filing alone:                  median {statistics.median(alone):.3f} s")
        print(f"filing during the looping step: median {statistics.median(during):.3f} s (max {max(during):.3f} s)")
        print(f"the looping step itself:        median {statistics.median(steps):.3f} s")
    finally:
        scratch.close()


if __name__ == "__main__":
    main()
