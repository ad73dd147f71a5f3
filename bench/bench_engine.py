"""Our persisted engine against raw SpiffWorkflow on the same production diagrams, in one run.

Usage: python -m bench.bench_engine [--db URL] [--cases 200] [--warmup 20] [--phases 50] [--profile 0]

One lifecycle = two cases on the diagrams in bpmn/:
  filing:               the owner ``xinmin_gas`` files one fuel dispenser in county 210181 (start),
                        ``xinmin_institute`` accepts it (review_filing);
  verification_request: the owner applies for it (start), ``shenyang_institute`` accepts the application
                        (accept_application), records receipt (record_receipt) and passes it (verify).
That is 2 case starts and 4 user-task completions.

Measured, interleaved in rounds in the same process:
- ours: the engine's public API (file_instruments, apply_for_verification, Engine.complete_task), one
  transaction per step, committed; a step is timed from session begin to commit (wall time). Before each
  completion a short read transaction looks up the task id (as an inbox click would): it counts in the
  lifecycle time but not in the completion time.
- raw in memory: the same diagrams parsed with ClockedParser (our clocked timers, SpiffWorkflow's own
  multi-instance tasks), run by SpiffWorkflow's default
  PythonScriptEngine(environment=TaskDataEnvironment(functions)) with plain stand-ins (real calendar
  functions over the calendar loaded once; routing functions returning the ids the real ones return,
  looked up once; effects are no-ops); user tasks done with set_data + run + do_engine_steps.
- raw with serialization: the same, with a full BpmnWorkflowSerializer (SPIFF_CONFIG + our timer
  converters; the spec serialized into every document, the library's default) deserialize + serialize
  around every step.

SQL statements are counted per step between session begin and commit (bench.common.counting_statements).
On SQLite that includes the engine's ``BEGIN IMMEDIATE``; psycopg sends PostgreSQL's BEGIN itself, so it
is not seen there. COMMIT is never counted. The target is checked without transaction control (BEGIN,
SAVEPOINT ...) so that both databases are counted alike; the totals with it are printed too.

``--phases N`` times the engine's phases inside the completions of N extra lifecycles (wall clock, thin
wrappers instead of a profiler); ``--profile N`` profiles the completions of N extra lifecycles with
cProfile. Neither affects the figures above, which are measured first.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import importlib
import inspect
import itertools
import json
import os
import platform
import pstats
import statistics
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actions.owner_actions import FILING, VERIFICATION_REQUEST, apply_for_verification, file_instruments
from engine.bootstrap import System, rules_dir
from engine.calendar.holiday_table import load_calendar
from engine.calendar.workdays import SHANGHAI, WorkdayCalendar, calendar_functions
from engine.organisations import orgs
from engine.organisations.actors import Actor, actor_for
from engine.rules.timer_events import TIMER_CONVERTERS, ClockedParser
from engine.store.models import Case, Instrument, SpecVersion, Task, User

from .common import UTC, Clock, StatementCounter, counting_statements, fresh_system, percentile

# -- the lifecycle -----------------------------------------------------------------------------------
COUNTY = "210181"  # 新民市: filing delegated to its own institute; dispensers verified by the city institute
INSTRUMENT_TYPE = "fuel_dispenser"
OWNER, FILING_HANDLER, INSTITUTE = "xinmin_gas", "xinmin_institute", "shenyang_institute"
NOW = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)
TODAY = NOW.astimezone(SHANGHAI).date()
RECEIVED_ON, VERIFIED_ON, NEXT_DUE = "2026-09-30", "2026-09-30", "2027-09-29"

TASK_STEPS = ("review_filing", "accept_application", "record_receipt", "verify")
STEPS = ("file", "review_filing", "apply", "accept_application", "record_receipt", "verify")

RATIO_TARGET = 1.5
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
STATEMENT_TARGET = 6


def instrument_item(serial: str) -> dict[str, Any]:
    """One fuel dispenser, as the owner's filing form submits it."""
    return {"name": "燃油加油机", "model": "DJY-222", "serial_no": serial, "instrument_type": INSTRUMENT_TYPE,
            "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号岛"}


def task_data(step: str, i: int) -> dict[str, Any]:
    """What the clerk submits for each user task of the lifecycle."""
    forms: dict[str, dict[str, Any]] = {
        "review_filing": {"filing_decision": "accept"},
        "accept_application": {"acceptance": "accept"},
        "record_receipt": {"received_on": RECEIVED_ON},
        "verify": {"action": "result", "outcome": "pass", "verified_on": VERIFIED_ON,
                   "certificate_no": f"LNJD-B-{i:07d}", "next_due": NEXT_DUE, "fee": 0},
    }
    return forms[step]


@dataclass
class Timings:
    """Wall times per step and per lifecycle, SQL statements per step."""

    steps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lifecycles: list[float] = field(default_factory=list)
    statements: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    # the same without transaction control (BEGIN ...): psycopg's BEGIN is invisible, the engine's SQLite one is not
    data_statements: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    verbs: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    lookups: list[float] = field(default_factory=list)
    commits: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def completions(self) -> list[float]:
        return [t for step in TASK_STEPS for t in self.steps[step]]


# -- ours --------------------------------------------------------------------------------------------
class OurDriver:
    """Drives the lifecycle through the engine's public API, one committed transaction per step."""

    def __init__(self, system: System, counter: StatementCounter, tag: str) -> None:
        self.system, self.counter, self.tag = system, counter, tag
        with system.sessions() as s:
            users = {u.username: actor_for(u) for u in s.scalars(select(User).where(
                User.username.in_([OWNER, FILING_HANDLER, INSTITUTE])))}
        self.actors: dict[str, Actor] = users
        self.profiler: Any = None  # cProfile.Profile or PhaseTimer: enable()/disable() around completions
        self.sizes: dict[str, int] | None = None  # state length after each step, when collecting sizes

    def lifecycle(self, i: int, out: Timings | None) -> tuple[int, int]:
        """Run one lifecycle; returns (filing case id, verification case id)."""
        engine = self.system.engine
        started = time.perf_counter()
        serial = f"{self.tag}-{i:07d}"
        owner = self.actors[OWNER]
        filing = self._step("file", out, lambda s: file_instruments(s, engine, owner, COUNTY,
                                                                     [instrument_item(serial)]).id)
        self._complete(filing, "review_filing", FILING_HANDLER, task_data("review_filing", i), out)
        instrument_id = self._lookup(out, lambda s: s.scalars(select(Instrument.id).where(
            Instrument.filing_case_id == filing)).one())
        request = self._step("apply", out, lambda s: apply_for_verification(s, engine, owner, instrument_id).id)
        for step, who in (("accept_application", INSTITUTE), ("record_receipt", INSTITUTE), ("verify", INSTITUTE)):
            self._complete(request, step, who, task_data(step, i), out)
        if out is not None:
            out.lifecycles.append(time.perf_counter() - started)
        return filing, request

    def _complete(self, case_id: int, step: str, who: str, data: dict[str, Any], out: Timings | None) -> None:
        task_id = self._lookup(out, lambda s: s.scalars(select(Task.id).where(
            Task.case_id == case_id, Task.spec_name == step, Task.status == "ready")).one())
        actor = self.actors[who]
        self._step(step, out, lambda s: self.system.engine.complete_task(s, task_id, data, actor), case_id)

    def _lookup(self, out: Timings | None, query: Callable[[Session], Any]) -> Any:
        started = time.perf_counter()
        with self.system.sessions() as s, s.begin():
            result = query(s)
        if out is not None:
            out.lookups.append(time.perf_counter() - started)
        return result

    def _step(self, name: str, out: Timings | None, action: Callable[[Session], Any], case_id: int = 0) -> Any:
        counter = self.counter
        count, verbs = counter.count, Counter(counter.verbs)
        profiler = self.profiler if name in TASK_STEPS else None
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        with self.system.sessions() as s:
            with s.begin():
                result = action(s)
                acted = time.perf_counter()
        elapsed = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
        if out is not None:
            out.steps[name].append(elapsed)
            out.commits[name].append(started + elapsed - acted)
            out.statements[name].append(counter.count - count)
            out.data_statements[name].append(
                counter.count - count - sum((counter.verbs - verbs)[v] for v in TRANSACTION_CONTROL))
            out.verbs[name] += counter.verbs - verbs
        if self.sizes is not None:
            with self.system.sessions() as s:
                self.sizes[name] = len(s.get_one(Case, case_id or result).state)
        return result


# -- raw SpiffWorkflow -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RoutingIds:
    """What the real routing functions answer for this lifecycle, looked up once."""

    filing_handler: int
    institute: int
    bureau: int
    has_regulation: bool
    owner_org: int
    instrument_id: int


def routing_ids(system: System, instrument_id: int) -> RoutingIds:
    with system.sessions() as s:
        institute = orgs.designate_institute(s, COUNTY, INSTRUMENT_TYPE)
        assert institute is not None
        owner = s.scalars(select(User).where(User.username == OWNER)).one()
        return RoutingIds(orgs.filing_handler(s, COUNTY), institute, orgs.supervising_bureau(s, institute),
                          orgs.has_regulation(s, INSTRUMENT_TYPE), owner.organisation_id, instrument_id)


def stand_in_functions(cal: WorkdayCalendar, ids: RoutingIds) -> dict[str, Callable[..., Any]]:
    """Plain Python versions of the diagram functions with the same answers for this lifecycle."""
    functions: dict[str, Callable[..., Any]] = dict(calendar_functions(cal, lambda: TODAY))

    def issue_document(kind: str, number: str | None, content: dict[str, Any]) -> str:
        return number or f"JD-{kind}"

    functions.update(
        filing_handler=lambda county_code: ids.filing_handler,
        designate_institute=lambda county_code, instrument_type: ids.institute,
        next_institute=lambda institute_id, instrument_type: None,
        department_verifier=lambda department_id: None,
        supervising_bureau=lambda org_id: ids.bureau,
        has_regulation=lambda instrument_type: ids.has_regulation,
        notify=lambda org_id, message: None,
        register_instruments=lambda owner_org_id, county_code, instruments: None,
        issue_document=issue_document,
        set_instrument_status=lambda instrument_id, status, next_due: None,
    )
    return functions


class RawDriver:
    """The same lifecycle on raw SpiffWorkflow, in memory or with full (de)serialization around each step."""

    def __init__(self, cal: WorkdayCalendar, ids: RoutingIds) -> None:
        parser = ClockedParser()
        parser.add_bpmn_files(sorted(str(p) for p in rules_dir().glob("*.bpmn")))
        parser.add_dmn_files(sorted(str(p) for p in rules_dir().glob("*.dmn")))
        self.specs = {pid: (parser.get_spec(pid), parser.get_subprocess_specs(pid))
                      for pid in (FILING, VERIFICATION_REQUEST)}
        self.ids = ids
        self.script_engine = PythonScriptEngine(environment=TaskDataEnvironment(stand_in_functions(cal, ids)))
        # Our timer events ask the script engine for "now" (else they use the wall clock): same fixed clock.
        self.script_engine.now = lambda: NOW
        config = dict(SPIFF_CONFIG)
        config.update(TIMER_CONVERTERS)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
        self.sizes: dict[str, int] | None = None

    def _start_data(self, i: int) -> dict[str, dict[str, Any]]:
        return {
            FILING: {"county_code": COUNTY, "instruments": [instrument_item(f"RAW-{i:07d}")],
                     "case_number": f"QJRF{i:07d}", "owner_org_id": self.ids.owner_org},
            VERIFICATION_REQUEST: {
                "instrument_id": self.ids.instrument_id, "county_code": COUNTY, "instrument_type": INSTRUMENT_TYPE,
                "category": "working", "assessing_org_id": None, "instrument_name": "燃油加油机",
                "serial_no": f"RAW-{i:07d}", "case_number": f"QJRV{i:07d}", "owner_org_id": self.ids.owner_org},
        }

    def _start(self, process_id: str, data: dict[str, Any]) -> BpmnWorkflow:
        spec, subprocess_specs = self.specs[process_id]
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self.script_engine)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
        workflow.do_engine_steps()
        return workflow

    @staticmethod
    def _complete(workflow: BpmnWorkflow, step: str, data: dict[str, Any]) -> None:
        [task] = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == step]
        task.set_data(**data)
        task.run()
        workflow.do_engine_steps()

    def lifecycle_in_memory(self, i: int, out: Timings | None) -> tuple[BpmnWorkflow, BpmnWorkflow]:
        started = time.perf_counter()
        start = self._start_data(i)
        filing = self._start(FILING, start[FILING])
        self._complete(filing, "review_filing", task_data("review_filing", i))
        request = self._start(VERIFICATION_REQUEST, start[VERIFICATION_REQUEST])
        for step in ("accept_application", "record_receipt", "verify"):
            self._complete(request, step, task_data(step, i))
        assert filing.completed and request.completed
        if out is not None:
            out.lifecycles.append(time.perf_counter() - started)
        return filing, request

    def lifecycle_serialized(self, i: int, out: Timings | None) -> tuple[str, str]:
        started = time.perf_counter()
        start = self._start_data(i)
        filing = self._timed_start("file", FILING, start[FILING], out)
        filing = self._timed_complete("review_filing", filing, i, out)
        request = self._timed_start("apply", VERIFICATION_REQUEST, start[VERIFICATION_REQUEST], out)
        for step in ("accept_application", "record_receipt", "verify"):
            request = self._timed_complete(step, request, i, out)
        if out is not None:
            out.lifecycles.append(time.perf_counter() - started)
        return filing, request

    def _timed_start(self, step: str, process_id: str, data: dict[str, Any], out: Timings | None) -> str:
        started = time.perf_counter()
        state: str = self.serializer.serialize_json(self._start(process_id, data))
        if out is not None:
            out.steps[step].append(time.perf_counter() - started)
        if self.sizes is not None:
            self.sizes[step] = len(state)
        return state

    def _timed_complete(self, step: str, state: str, i: int, out: Timings | None) -> str:
        started = time.perf_counter()
        workflow = self.serializer.deserialize_json(state)
        workflow.script_engine = self.script_engine  # never serialized
        self._complete(workflow, step, task_data(step, i))
        state = self.serializer.serialize_json(workflow)
        if out is not None:
            out.steps[step].append(time.perf_counter() - started)
        if self.sizes is not None:
            self.sizes[step] = len(state)
        return state


# -- checks and sizes (untimed) ----------------------------------------------------------------------
def completed_path(workflow: BpmnWorkflow) -> list[str]:
    """BPMN ids of the completed tasks, in order of completion: the path a case took.

    A multi-instance activity counts once: SpiffWorkflow's own loop completes a child task per item under the
    activity's id as well, ours (``engine.decision_items``) completes one task.
    """
    tasks = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id]
    ids = [t.task_spec.bpmn_id for t in sorted(tasks, key=lambda t: t.last_state_change)]
    return [bpmn_id for bpmn_id, _ in itertools.groupby(ids)]


def check_same_path_and_sizes(system: System, ours: OurDriver, raw: RawDriver) -> dict[str, Any]:
    """One untimed lifecycle each way: same completed path, and the stored sizes after every step."""
    ours.sizes, raw.sizes = {}, {}
    filing_id, request_id = ours.lifecycle(10**6, None)
    raw_filing, raw_request = raw.lifecycle_in_memory(10**6, None)
    raw.lifecycle_serialized(10**6 + 1, None)
    engine = system.engine
    with system.sessions() as s:
        for case_id, raw_wf in ((filing_id, raw_filing), (request_id, raw_request)):
            row = s.get_one(Case, case_id)
            assert row.status == "completed", (row.number, row.status)
            workflow = engine.serializer.load_state(row.state, engine.registry.get(s, row.spec_version_id).specs)
            assert completed_path(workflow) == completed_path(raw_wf), (completed_path(workflow),
                                                                         completed_path(raw_wf))
        specs = {v.process_id: len(v.spec_json) for v in s.scalars(select(SpecVersion).where(SpecVersion.is_current))}
    full = json.loads(raw.serializer.serialize_json(raw_request))
    spec_part = len(json.dumps(full["spec"])) + len(json.dumps(full["subprocess_specs"]))
    result = {"ours": dict(ours.sizes), "raw": dict(raw.sizes), "specs": specs, "raw_spec_part": spec_part,
              "raw_completed_total": len(raw.serializer.serialize_json(raw_request))}
    ours.sizes = raw.sizes = None
    return result


# -- phases: wall time inside a completion, without a profiler ---------------------------------------
PHASES = (  # (label, module, attribute path); nested rows are part of the row above them
    ("Engine.complete_task (all but commit)", "engine.cases.runtime", "Engine.complete_task"),
    ("  load_task: SELECT task JOIN case", "engine.cases.core", "EngineCore.load_task"),
    ("  serializer.load_state", "engine.rules.serializer", "StateSerializer.load_state"),
    ("  StepRecorder(): ready tasks + facts before", "engine.cases.step", "StepRecorder.__init__"),
    ("  refresh_timers", "engine.cases.step", "StepRecorder.refresh_timers"),
    ("  validate_submission (jsonschema)", "engine.cases.optimistic_step", "validate_submission"),
    ("  run_task: Spiff run + do_engine_steps", "engine.cases.step", "StepRecorder.run_task"),
    ("  serializer.dump_state", "engine.rules.serializer", "StateSerializer.dump_state"),
    ("  sync_case", "engine.cases.core", "sync_case"),
    ("    _flush_case: UPDATE case (ORM flush)", "engine.cases.core", "EngineCore._flush_case"),
    ("    apply_effects", "engine.cases.sync", "apply_effects"),
    ("    _sync_tasks: UPDATE/INSERT task", "engine.cases.sync", "_sync_tasks"),
    ("  audit: INSERT audit_entry", "engine.cases.core", "EngineCore.audit"),
    ("CaseInstance.facts (every call)", "engine.cases.instance", "CaseInstance.facts"),
    ("CaseInstance.ready_human_tasks (every call)", "engine.cases.instance", "CaseInstance.ready_human_tasks"),
)


class PhaseTimer:
    """Wraps engine functions with wall-clock timers while ``active`` (about 1 µs per call); names that no
    longer exist are reported as missing instead of failing the benchmark."""

    def __init__(self) -> None:
        self.active = False
        self.totals: dict[str, float] = defaultdict(float)
        self.missing: list[str] = []
        self._restore: list[tuple[Any, str, Any]] = []

    def install(self) -> None:
        for label, module_name, path in PHASES:
            owner: Any = importlib.import_module(module_name)
            *parents, name = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent, None)
            raw = inspect.getattr_static(owner, name, None) if owner is not None else None
            if raw is None:
                self.missing.append(path)
                continue
            self._restore.append((owner, name, raw))
            if isinstance(raw, property):
                setattr(owner, name, property(self._timed(label, raw.fget)))  # type: ignore[arg-type]
            elif isinstance(raw, staticmethod):
                setattr(owner, name, staticmethod(self._timed(label, raw.__func__)))
            else:
                setattr(owner, name, self._timed(label, raw))

    def remove(self) -> None:
        for owner, name, raw in reversed(self._restore):
            setattr(owner, name, raw)
        self._restore.clear()

    def _timed(self, label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if not self.active:
                return func(*args, **kwargs)
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.totals[label] += time.perf_counter() - started

        return timed

    def enable(self) -> None:  # the profiler protocol OurDriver uses
        self.active = True

    def disable(self) -> None:
        self.active = False


def measure_phases(ours: OurDriver, lifecycles: int, first: int) -> None:
    timer = PhaseTimer()
    timer.install()
    out = Timings()
    try:
        ours.profiler = timer
        for i in range(lifecycles):
            ours.lifecycle(first + i, out)
    finally:
        ours.profiler = None
        timer.remove()
    completions = out.completions()
    n, total = len(completions), sum(completions)
    commit = sum(t for step in TASK_STEPS for t in out.commits[step])
    print(f"\nPhases of {n} completions (wall time, no profiler; mean {total / n * 1000:.3f} ms per completion)")
    for label, _, _ in PHASES:
        if label in timer.totals:
            print(f"  {label:<48} {timer.totals[label] / n * 1000:7.3f} ms {timer.totals[label] / total:6.1%}")
    print(f"  {'commit (+ session close)':<48} {commit / n * 1000:7.3f} ms {commit / total:6.1%}")
    if timer.missing:
        print("  not found (engine changed?):", ", ".join(timer.missing))


# -- profile -----------------------------------------------------------------------------------------
PROFILE_ROWS = (  # (label, file suffix, function name)
    ("complete_task (engine, excl. commit)", "engine/cases/runtime.py", "complete_task"),
    ("  load_task (SELECT task+case)", "engine/cases/core.py", "load_task"),
    ("  serializer.load_state", "engine/rules/serializer.py", "load_state"),
    ("    json.loads", "json/__init__.py", "loads"),
    ("  StepRecorder() snapshot (ready tasks+facts)", "engine/cases/step.py", "__init__"),
    ("  refresh_timers", "engine/cases/step.py", "refresh_timers"),
    ("  validate_submission (jsonschema)", "engine/rules/forms.py", "validate_submission"),
    ("  run_task (Spiff run + engine steps)", "engine/cases/step.py", "run_task"),
    ("    sandbox evaluate (conditions, timers)", "engine/sandbox/environment.py", "evaluate"),
    ("    sandbox execute (scripts)", "engine/sandbox/environment.py", "execute"),
    ("  save", "engine/cases/core.py", "save"),
    ("    serializer.dump_state", "engine/rules/serializer.py", "dump_state"),
    ("      json.dumps", "json/__init__.py", "dumps"),
    ("    sync_case", "engine/cases/sync.py", "sync_case"),
    ("      _flush_case (UPDATE case)", "engine/cases/core.py", "_flush_case"),
    ("      apply_effects", "engine/cases/effects.py", "apply_effects"),
    ("      _sync_tasks (UPDATE/INSERT task)", "engine/cases/sync.py", "_sync_tasks"),
    ("    audit (INSERT audit_entry)", "engine/cases/core.py", "audit"),
    ("CaseInstance.facts (all calls)", "engine/cases/instance.py", "facts"),
    ("CaseInstance.ready_human_tasks (all calls)", "engine/cases/instance.py", "ready_human_tasks"),
    ("CaseInstance.armed_timers (all calls)", "engine/cases/instance.py", "armed_timers"),
    ("BpmnWorkflow.get_tasks (all calls)", "SpiffWorkflow/workflow.py", "get_tasks"),
    ("Session.commit", "sqlalchemy/orm/session.py", "commit"),
    ("DB-API cursor execute (all SQL)", "sqlalchemy/engine/default.py", "do_execute"),
    ("DB-API executemany", "sqlalchemy/engine/default.py", "do_executemany"),
)


def print_profile(profiler: cProfile.Profile, completions: int) -> None:
    stats = pstats.Stats(profiler)
    raw_stats: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in raw_stats.values())
    print(f"\nProfile (cProfile) of {completions} completions: {total / completions * 1000:.2f} ms per completion "
          f"under the profiler (profiling inflates small calls)")
    print(f"  {'where (cumulative, per completion)':<48} {'ms':>7} {'share':>6}")
    for label, suffix, name in PROFILE_ROWS:
        cumulative = sum(ct for (file, _, func), (_, _, _, ct, _) in raw_stats.items()
                         if func == name and file.replace("\\", "/").endswith(suffix))
        print(f"  {label:<48} {cumulative / completions * 1000:7.3f} {cumulative / total:6.1%}")
    print("  top 20 functions by own time:")
    rows = sorted(raw_stats.items(), key=lambda kv: kv[1][2], reverse=True)[:20]
    for (file, line, func), (_, calls, tt, ct, _) in rows:
        where = "/".join(Path(file).parts[-2:]) if file != "~" else "builtin"
        print(f"    {tt / completions * 1000:7.3f} ms own {ct / completions * 1000:7.3f} ms cum "
              f"{calls / completions:7.1f} calls  {func} ({where}:{line})")


# -- report ------------------------------------------------------------------------------------------
def ms(values: list[float], pct: float | None = None) -> float:
    return (statistics.median(values) if pct is None else percentile(values, pct)) * 1000


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(dialect: str, n: int, ours: Timings, mem: Timings, ser: Timings, sizes: dict[str, Any]) -> None:
    print(f"\n== {dialect}: {n} lifecycles each (2 case starts + 4 user tasks per lifecycle) ==")
    print("1. Full lifecycle")
    print(f"  {'':<34} {'cases/s':>8} {'lifecycle median':>17} {'p95':>9}")
    for label, t in (("ours (persisted, 1 commit/step)", ours), ("raw in memory", mem),
                     ("raw with serialization", ser)):
        rate = n / sum(t.lifecycles)
        print(f"  {label:<34} {rate:8.1f} {ms(t.lifecycles):14.3f} ms {ms(t.lifecycles, 95):6.3f} ms")
    print(f"  (ours includes {len(ours.lookups) // n} task/ledger lookups per lifecycle, median "
          f"{ms(ours.lookups):.3f} ms each; without them {n / (sum(ours.lifecycles) - sum(ours.lookups)):.1f} "
          f"cases/s)")

    print("2. One step: ours (begin..commit) vs raw with serialization (deserialize..serialize)")
    print(f"  {'step':<20} {'ours med':>9} {'ours p95':>9} {'raw+ser med':>12} {'raw+ser p95':>12} "
          f"{'ratio med':>10} {'ratio p95':>10}")
    for step in STEPS:
        o, r = ours.steps[step], ser.steps[step]
        print(f"  {step:<20} {ms(o):9.3f} {ms(o, 95):9.3f} {ms(r):12.3f} {ms(r, 95):12.3f} "
              f"{ms(o) / ms(r):9.2f}x {ms(o, 95) / ms(r, 95):9.2f}x")
    o, r = ours.completions(), ser.completions()
    ratio = ms(o) / ms(r)
    print(f"  {'all user tasks':<20} {ms(o):9.3f} {ms(o, 95):9.3f} {ms(r):12.3f} {ms(r, 95):12.3f} "
          f"{ratio:9.2f}x {ms(o, 95) / ms(r, 95):9.2f}x")
    commits = [t for step in TASK_STEPS for t in ours.commits[step]]
    print(f"  ours per user task = engine work + commit (+ session close): median commit {ms(commits):.3f} ms, "
          f"p95 {ms(commits, 95):.3f} ms")
    print(f"  raw in memory, whole lifecycle / 4 user tasks: {ms(mem.lifecycles) / 4:.3f} ms per task "
          f"(the in-memory floor, starts included)")
    print(f"  target: ours <= {RATIO_TARGET}x raw with serialization (median per user task): "
          f"{ratio:.2f}x {verdict(ratio <= RATIO_TARGET)}")

    print("3. SQL statements per step (begin..commit)")
    completion_counts = [c for step in TASK_STEPS for c in ours.statements[step]]
    for step in STEPS:
        counts = ours.statements[step]
        verbs = ", ".join(f"{v} {k / len(counts):g}" for v, k in sorted(ours.verbs[step].items()))
        print(f"  {step:<20} min {min(counts)} median {statistics.median(counts):g} max {max(counts)}   ({verbs})")
    data_counts = [c for step in TASK_STEPS for c in ours.data_statements[step]]
    worst, worst_data = max(completion_counts), max(data_counts)
    print(f"  all user tasks: min {min(completion_counts)} median {statistics.median(completion_counts):g} "
          f"max {worst} (without transaction control: max {worst_data}); "
          f"target <= {STATEMENT_TARGET} per completion, counted without BEGIN on both databases: "
          f"{verdict(worst_data <= STATEMENT_TARGET)} (max {worst_data})")

    print("4. Stored bytes after each step: ours case.state (spec stored once per version) vs raw full JSON")
    print(f"  {'after step':<20} {'ours state':>11} {'raw full':>10}")
    for step in STEPS:
        print(f"  {step:<20} {sizes['ours'][step]:11,d} {sizes['raw'][step]:10,d}")
    per_case_ours = sizes["ours"]["review_filing"] + sizes["ours"]["verify"]
    per_case_raw = sizes["raw"]["review_filing"] + sizes["raw"]["verify"]
    print(f"  per lifecycle at completion (filing + verification_request): ours {per_case_ours:,d} B, "
          f"raw {per_case_raw:,d} B ({per_case_raw / per_case_ours:.1f}x)")
    print(f"  raw completed verification_request: {sizes['raw_completed_total']:,d} B, of which spec "
          f"{sizes['raw_spec_part']:,d} B")
    print("  stored spec per version (spec_version.spec_json): "
          + ", ".join(f"{pid} {size:,d} B" for pid, size in sorted(sizes["specs"].items())))


# -- main --------------------------------------------------------------------------------------------
def run(system: System, args: argparse.Namespace) -> None:
    with counting_statements(system) as counter:
        ours = OurDriver(system, counter, tag=f"B{int(time.time()) % 100000}")
        # One untimed lifecycle gives a real ledger instrument and warms the caches.
        _, request_id = ours.lifecycle(0, None)
        with system.sessions() as s:
            instrument_id = str(s.get_one(Case, request_id).subject).split(":")[1]
            cal = load_calendar(s)
        raw = RawDriver(cal, routing_ids(system, int(instrument_id)))
        sizes = check_same_path_and_sizes(system, ours, raw)

        for i in range(args.warmup):
            ours.lifecycle(1 + i, None)
            raw.lifecycle_in_memory(i, None)
            raw.lifecycle_serialized(i, None)
        t_ours, t_mem, t_ser = Timings(), Timings(), Timings()
        rounds = max(1, min(args.rounds, args.cases))
        done = 0
        base = 1 + args.warmup
        for r in range(rounds):
            batch = args.cases * (r + 1) // rounds - done
            gc.collect()
            for i in range(done, done + batch):
                ours.lifecycle(base + i, t_ours)
            for i in range(done, done + batch):
                raw.lifecycle_in_memory(i, t_mem)
            for i in range(done, done + batch):
                raw.lifecycle_serialized(i, t_ser)
            done += batch
        report(system.db.dialect.name, args.cases, t_ours, t_mem, t_ser, sizes)

        start = base + args.cases
        if args.phases:
            measure_phases(ours, args.phases, start)
            start += args.phases
        if args.profile:
            ours.profiler = cProfile.Profile()
            for i in range(args.profile):
                ours.lifecycle(start + i, None)
            print_profile(ours.profiler, args.profile * len(TASK_STEPS))


def code_version() -> str:
    """The commit measured, and which of engine/ and bpmn/ differ from it."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "engine", "bpmn"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    changed = sorted(line[3:] for line in dirty if line.strip())
    return head + (f" + uncommitted {', '.join(changed)}" if changed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL; a PostgreSQL URL gets a fresh database")
    parser.add_argument("--cases", type=int, default=200, help="measured lifecycles of each kind")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured lifecycles of each kind first")
    parser.add_argument("--rounds", type=int, default=4, help="interleave ours/raw in this many rounds")
    parser.add_argument("--phases", type=int, default=50, help="time engine phases over N more lifecycles")
    parser.add_argument("--profile", type=int, default=0, help="cProfile the completions of N more lifecycles")
    args = parser.parse_args()
    clock = Clock(NOW)
    system, scratch = fresh_system(args.db, clock)
    try:
        where = scratch.pg_name or system.db.url.render_as_string()
        print(f"bench_engine {date.today().isoformat()} on {platform.python_implementation()} "
              f"{platform.python_version()}, {os.cpu_count()} CPUs, database {system.db.dialect.name} ({where}), "
              f"code {code_version()}, load average {os.getloadavg()[0]:.2f}")
        run(system, args)
    finally:
        scratch.close()


if __name__ == "__main__":
    main()
