"""SIGKILL fault test: kill the real server at random moments while clerks complete tasks and timers fire.

    python -m bench.fault_kill --db sqlite --kills 50 [--seed 1]
    python -m bench.fault_kill --db postgresql --kills 50 [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/qiangjian]

A fresh database (a temp SQLite file, or a new PostgreSQL database dropped at the end) gets the demo data
and a world whose timers are due (``bench/fault_world.py``); a few more due cases are added before each
restart, so every start of the server has timers to fire. Then ``python -m web`` runs as a subprocess
(timer sweep every second) and client threads work their inboxes over the API (``bench/fault_clients.py``).
After a random time (seeded) the server is killed with SIGKILL and started again, ``--kills`` times;
after the last kill it is started once more to show it comes back, then stopped. Then: the integrity check
(``bench/integrity.py``), every acknowledged completion and case start is in the database, and no
request was answered 5xx. Exit status 1 on any problem.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from engine import SHANGHAI, utc_now
from engine.bootstrap import open_system
from engine.store.models import AuditEntry, Case, Task, User

from .common import scratch_database
from .fault_clients import Api, Clerk, Owner, Tally
from .fault_world import COUNTY, FILING_HANDLER, INSTITUTE, OWNER, add_due_cases, build_world
from .integrity import IntegrityReport, check_integrity

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/qiangjian"
BUREAU = "shenyang_bureau"  # supervises shenyang_institute: escalations of overdue verifications go there
READY_TIMEOUT = 90.0
DRAIN_SECONDS = 60.0
DUE_PER_RESTART = 3  # verification requests with due timers added before every start


@dataclass
class FaultResult:
    """What one run did and found."""

    database: str
    kills: int
    seed: int
    seconds: float
    tally: Tally
    report: IntegrityReport
    timers_by_sweep: int = 0
    timers_in_completions: int = 0
    restart_seconds: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        t = self.tally
        starts = max(self.restart_seconds) if self.restart_seconds else 0.0
        lines = [
            f"fault_kill {self.database}: {self.kills} SIGKILLs, seed {self.seed}, {self.seconds:.0f} s "
            f"(server start: up to {starts:.1f} s)",
            f"  acknowledged: {len(t.completions)} completions, {len(t.starts)} case starts; "
            f"timers fired: {self.timers_by_sweep} by the sweep, {self.timers_in_completions} inside completions",
            f"  requests: {t.total()}, refused while down: {t.total(outcome='refused')}, cut by a kill: "
            f"{t.total(outcome='cut')} ({t.total('POST', 'cut')} writes), 409: {t.total(outcome='409')}, "
            f"other 4xx: {t.total(outcome='4') - t.total(outcome='409')}, 5xx: {t.server_errors}",
            "  " + self.report.summary(),
            f"  result: {'OK' if self.ok else f'{len(self.problems)} PROBLEMS'}",
        ]
        lines += [f"  PROBLEM {p}" for p in self.problems[:50]]
        return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``python -m web`` as a subprocess on one database; its output is appended to one log file."""

    def __init__(self, url: str, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.env = {**os.environ, "QIANGJIAN_DATABASE_URL": url, "QIANGJIAN_PORT": str(port),
                    "QIANGJIAN_SWEEP_SECONDS": "1", "QIANGJIAN_SECRET_KEY": secrets.token_hex(16)}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start and wait until the API answers; returns the seconds that took."""
        began = time.monotonic()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=self.env,
                                            stdout=out, stderr=subprocess.STDOUT)
        while time.monotonic() - began < READY_TIMEOUT:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return time.monotonic() - began
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the server did not answer within {READY_TIMEOUT:.0f} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no handler runs, no transaction is finished."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def run_fault_test(url: str, database: str, kills: int, seed: int, uptime: tuple[float, float],
                   log_path: Path, log: Callable[[str], None] = print) -> FaultResult:
    """Build the world in ``url``, run the clients through ``kills`` SIGKILLs, then check everything.

    The server's output goes to ``log_path``. After the last kill the server runs until the sweep has
    fired every due timer (at most ``DRAIN_SECONDS``), so a timer lost to a kill would show as still due.
    """
    began = time.monotonic()
    rng = random.Random(seed)
    world = build_world(url, waiting=DUE_PER_RESTART, spare=10 + 4 * kills)
    log(f"world: {world.waiting_cases} verification requests with due timers, "
        f"{len(world.spare_instruments)} spare ledger instruments")
    server = Server(url, free_port(), log_path)
    tally, stop = Tally(), threading.Event()
    clients = _clients(server.port, tally, stop, world.spare_instruments, seed)
    result = FaultResult(database, kills, seed, 0.0, tally, IntegrityReport())
    try:
        result.restart_seconds.append(server.start())
        for client in clients:
            client.start()
        for n in range(1, kills + 1):
            time.sleep(rng.uniform(*uptime))
            server.kill()
            log(f"kill {n}/{kills}: {len(tally.completions)} completions acknowledged so far")
            add_due_cases(url, DUE_PER_RESTART, f"K{n}")
            result.restart_seconds.append(server.start())
        _drain_timers(url)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=90)
        server.stop()
    result.seconds = time.monotonic() - began
    result.report = check_integrity(url)
    result.problems = [*result.report.problems, *_acknowledged_problems(url, tally), *tally.errors]
    if any(c.is_alive() for c in clients):
        result.problems.append("a client thread did not finish")
    result.timers_by_sweep, result.timers_in_completions = _timers_fired(url)
    if kills and not result.timers_by_sweep:
        result.problems.append("no timer was fired by the sweep: the run did not exercise timers")
    still_due = _due_cases(url)
    if still_due:
        result.problems.append(f"{still_due} cases still have a due timer {DRAIN_SECONDS:.0f} s after the last restart")
    return result


def _drain_timers(url: str) -> None:
    """Wait (clients still working) until no case has a due timer, or ``DRAIN_SECONDS`` passed."""
    began = time.monotonic()
    while _due_cases(url) and time.monotonic() - began < DRAIN_SECONDS:
        time.sleep(0.5)


def _due_cases(url: str) -> int:
    system = open_system(url)
    try:
        with system.readers() as session:
            return session.scalar(select(func.count()).select_from(Case).where(Case.next_timer_at <= utc_now())) or 0
    finally:
        system.db.dispose()


def _clients(port: int, tally: Tally, stop: threading.Event, spare: list[int], seed: int) -> list[threading.Thread]:
    def today() -> date:
        return utc_now().astimezone(SHANGHAI).date()

    def api(username: str) -> Api:
        return Api(port, username, tally)

    return [
        Owner(api(OWNER), COUNTY, spare, seed, stop),
        Clerk(api(FILING_HANDLER), ("review_filing",), seed + 1, stop, today),
        Clerk(api(INSTITUTE), ("accept_application", "record_receipt", "verify"), seed + 2, stop, today),
        Clerk(api(INSTITUTE), ("verify", "record_receipt", "accept_application"), seed + 3, stop, today),
        Clerk(api(BUREAU), ("handle_escalation",), seed + 4, stop, today),
    ]


def _acknowledged_problems(url: str, tally: Tally) -> list[str]:
    """Every completion answered 200 is a completed task row by that user; every case answered 201 exists."""
    problems = []
    system = open_system(url)
    try:
        with system.readers() as session:
            users = {name: id_ for name, id_ in session.execute(select(User.username, User.id))}
            done = {task_id: by for task_id, by in session.execute(
                select(Task.id, Task.completed_by_id).where(Task.status == "completed"))}
            numbers = set(session.scalars(select(Case.number)))
    finally:
        system.db.dispose()
    for task_id, username in tally.completions.items():
        if task_id not in done:
            problems.append(f"acknowledged completion of task {task_id} by {username} is not in the database")
        elif done[task_id] != users.get(username):
            problems.append(f"task {task_id} was acknowledged to {username} but completed by user {done[task_id]}")
    problems += [f"acknowledged case {n} ({p}) is not in the database" for n, p in tally.starts.items()
                 if n not in numbers]
    return problems


def _timers_fired(url: str) -> tuple[int, int]:
    """Timer events fired by the sweep (audited as the scheduler) and inside clerks' completions."""
    system = open_system(url)
    try:
        with system.readers() as session:
            counts = {actor: n for actor, n in session.execute(
                select(AuditEntry.actor, func.count()).where(AuditEntry.action == "timer_fired")
                .group_by(AuditEntry.actor))}
    finally:
        system.db.dispose()
    by_sweep = counts.pop("scheduler", 0)
    return by_sweep, sum(counts.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fault_kill", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="server for --db postgresql (a new database is made)")
    parser.add_argument("--min-up", type=float, default=1.0, help="least seconds between a restart and the next kill")
    parser.add_argument("--max-up", type=float, default=6.0, help="most seconds between a restart and the next kill")
    parser.add_argument("--log", type=Path, default=None, help="the server's output (default: a file in /tmp)")
    args = parser.parse_args(argv)
    log_path = args.log or Path(tempfile.gettempdir()) / f"qj-fault-{args.db}-{args.seed}-{os.getpid()}.log"
    scratch = scratch_database(args.pg_url if args.db == "postgresql" else None)
    try:
        result = run_fault_test(scratch.url, args.db, args.kills, args.seed, (args.min_up, args.max_up), log_path)
    finally:
        scratch.close()
    print(result.summary())
    print(f"  server output: {log_path}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
