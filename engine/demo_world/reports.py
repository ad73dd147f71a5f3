"""The demo's yearly reports (Notice 一.（五）1, 三): every institute's report of the year started early in
November, 沈阳's submitted before the due date, 大连's after it, the rest left open, so the sweep reminds them
and, once the date has passed, escalates them to their same-level bureau, and ``/manage/reports`` shows
each state."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sqlalchemy import select

from engine.actions.yearly_reports import start_yearly_reports
from engine.organisations.actors import Actor
from engine.reads.yearly_reports import report_subject
from engine.store.models import Case, Organisation

from .driver import World

START_DAY = 22  # working days before today
_NARRATIVE = "本年度严格落实属地检定要求，检定工作按期完成；延期均经送检单位书面同意。"
_SUGGESTIONS = "建议增配加油机检定装置，并开展县级检定机构能力比对。"
# Who submits, on which working day before today.
_SUBMITTERS = (("shenyang_institute", "210100-institute", 14), ("dalian_institute", "210200-institute", 3))

Step = tuple[int, Callable[[], object]]


def yearly_report_steps(w: World, lines: list[str]) -> list[Step]:
    """Start the year's reports, then two institutes submit; summary lines for each."""
    year = w.day(START_DAY).year

    def start() -> None:
        with w.system.sessions() as session, session.begin():
            started = start_yearly_reports(session, w.system.engine, year, Actor.system("demo"))
        lines.append(f"Yearly reports {year}: {len(started)} institutes' reports started {w.day(START_DAY)}")

    def submit(username: str, org_code: str, k: int) -> None:
        with w.system.sessions() as session:
            institute_id = session.scalars(select(Organisation.id).where(Organisation.code == org_code)).one()
            case_id = session.scalars(select(Case.id).where(Case.subject == report_subject(institute_id, year))).one()
        w.complete(case_id, "submit_report", username, {"narrative": _NARRATIVE, "suggestions": _SUGGESTIONS})
        lines.append(f"Yearly report {year} submitted {w.day(k)} by {username}")

    return [(START_DAY, start), *((k, partial(submit, username, code, k)) for username, code, k in _SUBMITTERS)]
