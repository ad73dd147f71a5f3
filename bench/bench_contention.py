"""Who waits while a step runs diagram code over its budget (issue 8): other writes, reads, lock errors.

Usage: python -m bench.bench_contention [--db sqlite|postgresql|URL] [--rounds 5] [--instruments 1000]

A real database with the demo data (a temp SQLite file, or a fresh PostgreSQL database on
127.0.0.1:5432 dropped at the end), the engine's default script budget (QIANGJIAN_SCRIPT_SECONDS, 1 s
unless set) and two small diagrams made from tests/bpmn/budget_loop.bpmn: ``contention_loop``, whose
``approve`` completion runs a lint-valid but endless script (``for i in range(10**12): pass``), and
``contention_ok``, the same with ``done = True``. Per round, in threads of one process (as waitress runs
the web app), each in its own committed transaction through the engine's write / read sessions:

- A completes ``approve`` of a fresh ``contention_loop`` case: the script runs until the budget stops it,
  the case is parked in ``error`` and audited (checked every round);
- B starts 0.1 s after A: it reads a case page's data (``load_case`` + facts of a 10-instrument filing,
  with a reader session), then writes: it completes ``approve`` of a fresh ``contention_ok`` case.

The same B runs with no A (baseline), and with A a normal in-budget step: an owner's filing start of
``--instruments`` instruments (``file_instruments``), to show how long an ordinary large write holds
SQLite's write lock. Every time is wall time; "locked" counts "database is locked" errors in A or B.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from engine.actions.owner_actions import file_instruments
from engine.bootstrap import System
from engine.calendar.workdays import SHANGHAI
from engine.organisations.actors import Actor, actor_for
from engine.rules.lint import lint_sources
from engine.store.models import AuditEntry, Case, Organisation, Task, User

from .bench_engine import COUNTY, INSTITUTE, OWNER, instrument_item
from .common import UTC, Clock, fresh_system

NOW = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)
TESTS_BPMN = Path(__file__).resolve().parents[1] / "tests" / "bpmn"
ENDLESS = "for i in range(10**12): pass"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/qiangjian"
B_DELAY = 0.1  # seconds between A's start and B's


def diagram_sources() -> dict[str, str]:
    """The two diagrams (endless and ordinary script), their decision table and form."""
    bpmn = (TESTS_BPMN / "budget_loop.bpmn").read_text(encoding="utf-8")
    loop, ok = (bpmn.replace('id="budget_loop"', f'id="{name}"')
                .replace("budget_loop_definitions", f"{name}_definitions")
                .replace("<bpmn:script>while True: pass</bpmn:script>", f"<bpmn:script>{script}</bpmn:script>")
                for name, script in (("contention_loop", ENDLESS), ("contention_ok", "done = True")))
    assert ENDLESS in loop
    return {"contention_loop.bpmn": loop, "contention_ok.bpmn": ok,
            "budget_decision.dmn": (TESTS_BPMN / "budget_decision.dmn").read_text(encoding="utf-8"),
            "budget_note.schema.json": (TESTS_BPMN / "budget_note.schema.json").read_text(encoding="utf-8")}


@dataclass
class Samples:
    """One scenario's timings over its rounds (seconds) and the lock errors seen."""

    a: list[float] = field(default_factory=list)
    read: list[float] = field(default_factory=list)
    write: list[float] = field(default_factory=list)
    locked: int = 0


class World:
    """The system plus a supply of fresh cases, so every round acts on cases nobody touched yet."""

    def __init__(self, system: System) -> None:
        self.system, self.engine = system, system.engine
        with system.sessions() as s, s.begin():
            self.engine.registry.deploy_sources(s, diagram_sources(), NOW)
            self.institute = s.scalars(select(Organisation.id).where(Organisation.code == "210100-institute")).one()
            users = {u.username: actor_for(u) for u in s.scalars(select(User).where(User.username.in_([OWNER,
                                                                                                     INSTITUTE])))}
        self.clerk: Actor = users[INSTITUTE]
        self.owner: Actor = users[OWNER]
        with system.sessions() as s, s.begin():
            self.page_case = file_instruments(s, self.engine, self.owner, COUNTY,
                                              [instrument_item(f"PAGE-{i:03d}") for i in range(10)]).id
        self.filings = 0

    def new_task(self, process_id: str) -> tuple[int, str]:
        with self.system.sessions() as s, s.begin():
            ref = self.engine.start_case(s, process_id, {"institute_id": self.institute, "kind": "a"},
                                         Actor.system())
            return ref.id, s.scalars(select(Task.id).where(Task.case_id == ref.id, Task.status == "ready")).one()

    def loop_step(self, task: tuple[int, str]) -> Callable[[], None]:
        def run() -> None:
            with self.system.sessions() as s, s.begin():
                result = self.engine.complete_task(s, task[1], {}, self.clerk)
            assert result.status == "error" and result.error_message.startswith("脚本超出时间限制"), result
            with self.system.readers() as s:  # parked and audited
                assert s.get_one(Case, task[0]).status == "error"
                assert s.scalar(select(AuditEntry.action).where(AuditEntry.case_id == task[0])
                                .order_by(AuditEntry.id.desc()).limit(1)) == "script_failed"
        return run

    def filing_step(self, size: int) -> Callable[[], None]:
        self.filings += 1
        items = [instrument_item(f"BIG{self.filings:02d}-{i:05d}") for i in range(size)]

        def run() -> None:
            with self.system.sessions() as s, s.begin():
                ref = file_instruments(s, self.engine, self.owner, COUNTY, items)
            assert ref.status == "running", ref
        return run

    def b(self, task: tuple[int, str], samples: Samples) -> None:
        """B: read a case page's data, then complete an ordinary task of another case."""
        started = time.perf_counter()
        with self.system.readers() as s:
            facts = self.engine.load_case(s, s.get_one(Case, self.page_case)).facts
        samples.read.append(time.perf_counter() - started)
        assert len(facts["instruments"]) == 10
        started = time.perf_counter()
        with self.system.sessions() as s, s.begin():
            result = self.engine.complete_task(s, task[1], {}, self.clerk)
        samples.write.append(time.perf_counter() - started)
        assert result.status == "completed", result


def locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def run_round(world: World, a: Callable[[], None] | None, samples: Samples) -> None:
    """One round: A in a thread (if any), B in another thread B_DELAY later; both joined."""
    errors: list[BaseException] = []

    def guarded(action: Callable[[], None], timed: list[float] | None) -> None:
        started = time.perf_counter()
        try:
            action()
        except BaseException as exc:  # counted and re-raised below, after both threads ended
            errors.append(exc)
        if timed is not None:
            timed.append(time.perf_counter() - started)

    task = world.new_task("contention_ok")
    threads = []
    if a is not None:
        threads.append(threading.Thread(target=guarded, args=(a, samples.a)))
        threads[-1].start()
        time.sleep(B_DELAY)
    threads.append(threading.Thread(target=guarded, args=(lambda: world.b(task, samples), None)))
    threads[-1].start()
    for thread in threads:
        thread.join()
    samples.locked += sum(locked(e) for e in errors)
    others = [e for e in errors if not locked(e)]
    if others:
        raise others[0]


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:,.0f} / {max(values) * 1000:,.0f}" if values else "–"


def _pair(samples: Samples) -> str:
    return f"{samples.read[-1] * 1000:.0f} / {samples.write[-1] * 1000:.0f} ms"


def measure(world: World, rounds: int, size: int) -> dict[str, Samples]:
    scenarios: dict[str, Samples] = {"none (baseline)": Samples(), "step over budget": Samples(),
                                     f"filing start, {size:,} instruments": Samples()}
    for n in range(rounds + 1):  # round 0 warms caches and is not kept
        kept = {name: (samples if n else Samples()) for name, samples in scenarios.items()}
        baseline, over, filing = kept.values()
        run_round(world, None, baseline)
        run_round(world, world.loop_step(world.new_task("contention_loop")), over)
        run_round(world, world.filing_step(size if n else 10), filing)
        print(f"round {n}{' (warm-up)' if not n else ''}: B read / write {_pair(baseline)} alone, "
              f"{_pair(over)} beside A over budget ({over.a[-1]:.2f} s), "
              f"{_pair(filing)} beside the filing ({filing.a[-1]:.2f} s)", flush=True)
    return scenarios


def report(name: str, scenarios: dict[str, Samples]) -> None:
    base = statistics.median(scenarios["none (baseline)"].write)
    print(f"\n| {name}: A running | A's duration, median / max (ms) | B's read, median / max (ms) | "
          "B's write, median / max (ms) | B's write median / baseline | \"database is locked\" |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, s in scenarios.items():
        print(f"| {label} | {ms(s.a)} | {ms(s.read)} | {ms(s.write)} | "
              f"{statistics.median(s.write) / base:.1f}× | {s.locked} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite", help=f"sqlite (temp file), postgresql ({PG_URL}) or a URL")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (one warm-up round more)")
    parser.add_argument("--instruments", type=int, default=1000, help="size of the filing used as an ordinary A")
    args = parser.parse_args()
    url = {"sqlite": None, "postgresql": PG_URL}.get(args.db, args.db)
    # The test diagram lacks documentation and a drawing; what matters is that the script itself passes.
    problems = [p for p in lint_sources(diagram_sources()) if p.element_id == "run"]
    system, scratch = fresh_system(url, Clock(NOW))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        print(f"# bench_contention on {system.db.dialect.name}, commit {commit}, Python {platform.python_version()}, "
              f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, load average {os.getloadavg()[0]:.2f}")
        print(f"script budget {system.engine.script_engine.budget.seconds:g} s; endless script {ENDLESS!r}: "
              f"{len(problems)} lint problems on its task {[p.message for p in problems]}")
        scenarios = measure(World(system), args.rounds, args.instruments)
        report(system.db.dialect.name, scenarios)
        print(f"\n{args.rounds} rounds; load average at the end {os.getloadavg()[0]:.2f}")
    finally:
        scratch.close()


if __name__ == "__main__":
    main()
