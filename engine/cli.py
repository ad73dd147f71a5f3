"""Command line: ``qiangjian init-db | demo-case | demo-world | sweep | scheduler | set-day | confirm-year |
start-yearly-reports``.

The database URL comes from ``--db`` or the ``QIANGJIAN_DATABASE_URL`` environment variable
(default: SQLite file ``instance/qiangjian.sqlite``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date

from .actions.calendar_admin import confirm_calendar_year
from .actions.yearly_reports import start_yearly_reports
from .bootstrap import DEFAULT_DB_URL, System, open_system, prepare_database, utc_now
from .calendar.holiday_table import set_day
from .demo_case import run_demo_case
from .demo_world import DemoClock, build_demo_world
from .organisations.actors import Actor
from .organisations.demo import DEMO_PASSWORD, DemoSummary
from .scheduler import make_scheduler, sweep_once
from .store.errors import QiangjianError
from .store.status import DayKind


def _print_logins(summary: DemoSummary) -> None:
    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, (logins, others) in sorted(summary.shown(3).items()):
        first = ", ".join(f"{login.username} ({login.organisation})" for login in logins)
        more = f" … and {others} more" if others else ""
        print(f"  {role:15} {first}{more}")


def cmd_init_db(system: System, args: argparse.Namespace) -> int:
    summary = prepare_database(system, demo=args.demo)
    print(f"Database ready at {system.db.url.render_as_string(hide_password=True)}")
    if summary is not None:
        _print_logins(summary)
    return 0


def cmd_demo_case(system: System, args: argparse.Namespace) -> int:
    prepare_database(system, demo=True)
    for line in run_demo_case(system):
        print(line)
    return 0


def cmd_demo_world(system: System, args: argparse.Namespace) -> int:
    prepare_database(system, demo=True)
    real_now = utc_now()
    clock = DemoClock(real_now)
    # A second engine over the same database whose clock the demo moves through past working days.
    world = open_system(args.db, clock=clock)
    try:
        for line in build_demo_world(world, clock, real_now):
            print(line)
    finally:
        world.db.dispose()
    return 0


def cmd_sweep(system: System, args: argparse.Namespace) -> int:
    print(f"Fired {sweep_once(system)} timers")
    return 0


def cmd_scheduler(system: System, args: argparse.Namespace) -> int:
    print(f"Sweeping timers every {args.interval} s; Ctrl+C stops")
    scheduler = make_scheduler(system, args.interval, blocking=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


def _dates(text: str) -> list[date]:
    return [date.fromisoformat(d.strip()) for d in text.split(",") if d.strip()]


def cmd_set_day(system: System, args: argparse.Namespace) -> int:
    kind = None if args.kind == "none" else DayKind(args.kind)
    with system.sessions() as session, session.begin():
        set_day(session, date.fromisoformat(args.day), kind, args.name)
    print(f"{args.day}: {args.kind}")
    return 0


def cmd_confirm_year(system: System, args: argparse.Namespace) -> int:
    prepare_database(system)
    with system.sessions() as session, session.begin():
        moved = confirm_calendar_year(session, system.engine, args.year, _dates(args.holidays),
                                      _dates(args.workdays), args.source, Actor.system("admin"))
    print(f"{args.year} confirmed; deadlines recomputed for {len(moved)} cases: {', '.join(moved) or '-'}")
    return 0


def cmd_start_yearly_reports(system: System, args: argparse.Namespace) -> int:
    prepare_database(system)
    with system.sessions() as session, session.begin():
        started = start_yearly_reports(session, system.engine, args.year, Actor.system("scheduler"))
    for ref in started:
        print(f"{ref.number}: {ref.status}{'（' + ref.error_message + '）' if ref.error_message else ''}")
    print(f"{args.year}: started {len(started)} yearly report cases (institutes that had none)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qiangjian", description="Qiangjian compulsory verification engine")
    parser.add_argument("--db", default=os.environ.get("QIANGJIAN_DATABASE_URL", DEFAULT_DB_URL),
                        help="SQLAlchemy database URL")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init-db", help="create or migrate the database, seed the calendar, deploy bpmn/")
    init.add_argument("--demo", action="store_true", help="also load the Liaoning demo organisations and users")
    init.set_defaults(func=cmd_init_db)
    sub.add_parser("demo-case", help="run one scripted case from filing to certificate").set_defaults(
        func=cmd_demo_case)
    sub.add_parser("demo-world", help="build demo cases at every stage managers watch (once per database)"
                   ).set_defaults(func=cmd_demo_world)
    sub.add_parser("sweep", help="fire due timers once").set_defaults(func=cmd_sweep)
    day = sub.add_parser("set-day", help="administrator: mark a weekday holiday or a weekend make-up working day")
    day.add_argument("day", help="YYYY-MM-DD")
    day.add_argument("kind", choices=["holiday", "workday", "none"], help="none removes the exception")
    day.add_argument("--name", default="", help="e.g. 春节 or 春节调休")
    day.set_defaults(func=cmd_set_day)
    year = sub.add_parser("confirm-year", help="administrator: load a year's official schedule, recompute deadlines")
    year.add_argument("year", type=int)
    year.add_argument("--holidays", required=True, help="comma-separated weekday holidays, YYYY-MM-DD")
    year.add_argument("--workdays", default="", help="comma-separated weekend make-up working days (调休)")
    year.add_argument("--source", required=True, help="the notice the schedule comes from")
    year.set_defaults(func=cmd_confirm_year)
    report = sub.add_parser("start-yearly-reports",
                            help="start the year's report case of every institute that has none (idempotent)")
    report.add_argument("--year", type=int, required=True, help="the report year, e.g. 2026")
    report.set_defaults(func=cmd_start_yearly_reports)
    sched = sub.add_parser("scheduler", help="run the timer sweep forever")
    sched.add_argument("--interval", type=float, default=30.0, help="seconds between sweeps")
    sched.set_defaults(func=cmd_scheduler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qiangjian`` console script."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # one line per task state change is noise here
    args = build_parser().parse_args(argv)
    system = open_system(args.db)
    try:
        return int(args.func(system, args))
    except QiangjianError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        system.db.dispose()


if __name__ == "__main__":
    sys.exit(main())
