"""A filing's cost against its size: time and stored state for 10 / 100 / 1,000 / 5,000 instruments.

Usage: python -m bench.bench_filing [--db URL] [--sizes 10,100,1000,5000] [--repeat 3] [--raw-max 1000]
                                   [--profile N]

For each size N, through the engine's public API, one committed transaction per step (wall time):
- start:  the owner ``xinmin_gas`` files N fuel dispensers (distinct serial numbers) in county 210181
          (``file_instruments``: start form, scope decision per instrument, split, period decision per
          instrument, routing; the case then waits in ``review_filing``);
- view:   a read transaction loading the case as a case page does (``load_case`` + its facts);
- accept: ``xinmin_institute`` completes ``review_filing`` with "accept"; ``register_filing`` then writes the
          N ledger rows in the same transaction.
Stored bytes: the case's state column after start and after accept (the spec is stored once per version).
Each size runs ``--repeat`` times (a new filing each time); times are medians. The phases of the largest
size (wall time summed over its runs, divided by the runs) are printed under the table.

Raw SpiffWorkflow in the same run, for N up to ``--raw-max``: the same diagram parsed with ``ClockedParser``
(SpiffWorkflow's own multi-instance tasks: one child task per instrument), SpiffWorkflow's default script
engine with stand-in functions, in memory: start + accept, then the state serialized once (state only, as
we store it). Its bytes are what a case would store without ``engine.decision_items``.

``--profile N`` prints the top of a cProfile of the start and the accept of an extra filing of N instruments.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import platform
import pstats
import statistics
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine.actions.owner_actions import FILING, file_instruments
from engine.bootstrap import System, rules_dir
from engine.calendar.holiday_table import load_calendar
from engine.calendar.workdays import SHANGHAI
from engine.organisations.actors import Actor, actor_for
from engine.rules.timer_events import ClockedParser
from engine.store.models import Case, Instrument, Task, User

from .bench_engine import COUNTY, FILING_HANDLER, OWNER, RoutingIds, instrument_item, stand_in_functions
from .common import UTC, Clock, fresh_system

NOW = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)


def instruments(tag: str, size: int) -> list[dict[str, Any]]:
    return [instrument_item(f"{tag}-{i:05d}") for i in range(size)]


class Ours:
    """The filing through the engine, one committed transaction per step."""

    def __init__(self, system: System) -> None:
        self.system = system
        with system.sessions() as s:
            self.actors: dict[str, Actor] = {u.username: actor_for(u) for u in s.scalars(
                select(User).where(User.username.in_([OWNER, FILING_HANDLER])))}

    def run(self, tag: str, size: int, profiler: Any = None) -> dict[str, float]:
        engine, owner = self.system.engine, self.actors[OWNER]
        items = instruments(tag, size)
        out: dict[str, float] = {}
        case_id = self._timed(out, "start", lambda s: file_instruments(s, engine, owner, COUNTY, items).id, profiler)
        with self.system.sessions() as s:
            out["bytes_start"] = len(s.get_one(Case, case_id).state)
            task_id = s.scalars(select(Task.id).where(Task.case_id == case_id, Task.spec_name == "review_filing",
                                                      Task.status == "ready")).one()
        started = time.perf_counter()
        with self.system.readers() as s:
            facts = engine.load_case(s, s.get_one(Case, case_id)).facts
        out["view"] = time.perf_counter() - started
        assert len(facts["instruments"]) == size
        handler = self.actors[FILING_HANDLER]
        self._timed(out, "accept", lambda s: engine.complete_task(s, task_id, {"filing_decision": "accept"},
                                                                  handler), profiler)
        with self.system.sessions() as s:
            row = s.get_one(Case, case_id)
            out["bytes_accept"] = len(row.state)
            registered = s.scalar(select(func.count()).select_from(Instrument).where(
                Instrument.filing_case_id == case_id))
            assert row.status == "completed" and registered == size, (row.status, registered)
        return out

    def _timed(self, out: dict[str, float], name: str, action: Any, profiler: Any) -> Any:
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        with self.system.sessions() as s, s.begin():
            result = action(s)
        out[name] = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
        return result


class Raw:
    """The filing diagram on SpiffWorkflow's own classes and default script engine, in memory."""

    def __init__(self, system: System) -> None:
        parser = ClockedParser()
        parser.add_bpmn_files([str(rules_dir() / "filing.bpmn")])
        parser.add_dmn_files(sorted(str(p) for p in rules_dir().glob("*.dmn")))
        self.spec, self.subprocess_specs = parser.get_spec(FILING), parser.get_subprocess_specs(FILING)
        with system.sessions() as s:
            from engine.organisations import orgs
            handler = orgs.filing_handler(s, COUNTY)
            owner = s.scalars(select(User).where(User.username == OWNER)).one().organisation_id
            calendar = load_calendar(s)
        ids = RoutingIds(handler, 0, 0, False, owner, 0)
        self.owner = owner
        self.script_engine = PythonScriptEngine(environment=TaskDataEnvironment(stand_in_functions(calendar, ids)))
        self.script_engine.now = lambda: NOW
        self.serializer = system.engine.serializer  # state only, as our cases are stored

    def run(self, tag: str, size: int) -> dict[str, float]:
        out: dict[str, float] = {}
        started = time.perf_counter()
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.script_engine)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(
            county_code=COUNTY, instruments=instruments(tag, size), case_number="RAW", owner_org_id=self.owner)
        workflow.do_engine_steps()
        out["start"] = time.perf_counter() - started
        out["bytes_start"] = len(self.serializer.dump_state(workflow))
        started = time.perf_counter()
        [task] = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                  if t.task_spec.bpmn_id == "review_filing"]
        task.set_data(filing_decision="accept")
        task.run()
        workflow.do_engine_steps()
        out["accept"] = time.perf_counter() - started
        assert workflow.completed
        out["bytes_accept"] = len(self.serializer.dump_state(workflow))
        return out


PHASES = (  # (label, module, attribute path)
    ("start form validation (jsonschema)", "engine.cases.runtime", "validate_submission"),
    ("multi-instance decisions (both tables)", "engine.rules.decision_items", "DecisionItemsTask._run_hook"),
    ("diagram scripts (sandbox, copy of the data)", "engine.sandbox", "SandboxEnvironment.execute"),
    ("state JSON load", "engine.rules.serializer", "StateSerializer.load_state"),
    ("state JSON dump", "engine.rules.serializer", "StateSerializer.dump_state"),
    ("ledger rows (apply_effects)", "engine.cases.sync", "apply_effects"),
    ("owner's ledger lookup (already filed?)", "engine.actions.owner_actions", "_refuse_already_filed"),
)


@contextmanager
def timing_phases(totals: dict[str, float]) -> Iterator[None]:
    """Wrap the engine functions of PHASES with wall-clock timers for the duration of the block."""
    restore = []
    for label, module_name, path in PHASES:
        owner: Any = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        original = owner.__dict__[name]
        restore.append((owner, name, original))
        setattr(owner, name, _timed(totals, label, original))
    try:
        yield
    finally:
        for owner, name, original in reversed(restore):
            setattr(owner, name, original)


def _timed(totals: dict[str, float], label: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - started
    return timed


def _kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def report(size: int, ours: dict[str, float], raw: dict[str, float] | None) -> None:
    total = ours["start"] + ours["accept"]
    line = (f"| {size:,} | {ours['start']:.3f} s | {ours['view']:.3f} s | {ours['accept']:.3f} s | {total:.3f} s | "
            f"{_kb(ours['bytes_start'])} | {_kb(ours['bytes_accept'])} | {ours['bytes_start'] / size:,.0f} B |")
    if raw is None:
        line += " not run | not run |"
    else:
        line += (f" {raw['start'] + raw['accept']:.3f} s ({(raw['start'] + raw['accept']) / total:.1f}× ours) | "
                 f"{_kb(raw['bytes_start'])} ({raw['bytes_start'] / ours['bytes_start']:.0f}× ours) |")
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL; a PostgreSQL URL gets a fresh database")
    parser.add_argument("--sizes", default="10,100,1000,5000", help="instrument counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="filings per size; times are medians")
    parser.add_argument("--raw-max", type=int, default=1000, help="run raw SpiffWorkflow up to this size")
    parser.add_argument("--profile", type=int, default=0, help="cProfile one more filing of N instruments")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    system, scratch = fresh_system(args.db, Clock(NOW))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        print(f"# bench_filing on {system.db.dialect.name}, commit {commit}, Python {platform.python_version()}")
        ours, raw = Ours(system), Raw(system)
        ours.run("WARM", 10)
        print("| instruments | start | view | accept + register | start + accept | state after start | "
              "after accept | per instrument | raw SpiffWorkflow start + accept | raw state after start |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        phases: dict[str, float] = defaultdict(float)
        for size in sizes:
            runs = []
            for n in range(args.repeat):
                if size == max(sizes):
                    with timing_phases(phases):
                        runs.append(ours.run(f"N{size}-{n}", size))
                else:
                    runs.append(ours.run(f"N{size}-{n}", size))
            mine = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            theirs = raw.run(f"R{size}", size) if size <= args.raw_max else None
            report(size, mine, theirs)
        print(f"\nPhases of a filing of {max(sizes):,} (mean of {args.repeat} runs, start + view + accept):")
        for label, total in sorted(phases.items(), key=lambda kv: -kv[1]):
            print(f"- {label}: {total / args.repeat:.3f} s")
        if args.profile:
            profiler = cProfile.Profile()
            ours.run("PROFILE", args.profile, profiler)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    finally:
        scratch.close()


if __name__ == "__main__":
    main()
