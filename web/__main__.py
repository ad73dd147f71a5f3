"""``python -m web [--demo]``: serve the app with waitress and run the timer scheduler beside it.

Prints the URL. ``--demo`` (which ./run.sh passes) also loads the Liaoning demo organisations and users
and prints their logins; without it no account is created, so a real database never gets logins with
the published demo password. Settings: QIANGJIAN_DATABASE_URL, QIANGJIAN_HOST, QIANGJIAN_PORT,
QIANGJIAN_SWEEP_SECONDS (how often the timer sweep runs; the fault test sets 1 so timers fire while it kills).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os

from flask import Flask
from waitress import serve

from engine import DEMO_PASSWORD, DemoSummary, make_scheduler, prepare_database

from . import create_app
from .shared.system import get_system


def main(argv: list[str] | None = None) -> None:
    """Prepare the database, start the timer scheduler and serve the app until Ctrl+C."""
    options = parse_options(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # one line per task state change is noise here
    host = os.environ.get("QIANGJIAN_HOST", "127.0.0.1")
    port = int(os.environ.get("QIANGJIAN_PORT", "5000"))
    sweep_seconds = sweep_interval(os.environ.get("QIANGJIAN_SWEEP_SECONDS", "30"))
    app = create_app()
    summary = prepare(app, demo=options.demo)
    with app.app_context():
        scheduler = make_scheduler(get_system(), interval_seconds=sweep_seconds)
    scheduler.start()
    settle_heap()
    print(f"\n强检 Qiangjian is running at http://{host}:{port}/  (Ctrl+C stops)")
    if summary is not None:
        print(demo_logins(summary))
    try:
        serve(app, host=host, port=port, threads=8)
    finally:
        scheduler.shutdown(wait=False)


def settle_heap() -> None:
    """Collect start-up garbage, then freeze what is left (app, specs, caches) out of the garbage collector's
    scans: a full collection over it paused a request for ~160 ms now and then (measured on the managers'
    province figures: p95 240 ms against a 68 ms median, every slow run holding a full collection)."""
    gc.collect()
    gc.freeze()


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: ``--demo`` is the only option."""
    parser = argparse.ArgumentParser(prog="python -m web", description="Serve Qiangjian with the timer scheduler.")
    parser.add_argument("--demo", action="store_true",
                        help=f"also load the demo organisations and users (password {DEMO_PASSWORD}) and print them")
    return parser.parse_args(argv)


def sweep_interval(value: str) -> float:
    """Seconds between timer sweeps from QIANGJIAN_SWEEP_SECONDS; a clear exit for a value that is not one."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 86400:
        raise SystemExit(f"QIANGJIAN_SWEEP_SECONDS must be a number of seconds between 0 and 86400, not {value!r}")
    return seconds


def prepare(app: Flask, demo: bool) -> DemoSummary | None:
    """Migrate, seed the calendar and deploy the diagrams; the demo accounts only when asked for."""
    with app.app_context():
        return prepare_database(get_system(), demo=demo)


def demo_logins(summary: DemoSummary) -> str:
    """The demo logins by role, a few per role, for the console."""
    lines = [f"Demo logins (password for all: {summary.password}):"]
    for role, (logins, _others) in sorted(summary.shown(4).items()):
        lines.append(f"  {role:15} " + ", ".join(f"{x.username} ({x.organisation})" for x in logins))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
