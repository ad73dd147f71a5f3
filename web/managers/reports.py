"""The bureaus' page of yearly reports (Notice 一.（五）1, 三): who has submitted, each report printed, the list
exported. Managers only (role ``manager``); others get 403 and an audit entry, as the other managers' pages.

Scope: every institute that reports to the manager's organisation or to a bureau below it (an institute reports
to its same-level bureau, ``Organisation.supervisor_id``): a city bureau sees its own institute and its
counties' institutes, never another city's. A report outside the scope is a 404, like a case page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from engine import (
    INSTRUMENT_TYPES,
    SHANGHAI,
    CaseStatus,
    NotAllowed,
    Role,
    report_list,
    report_sheet,
    report_sheets,
    start_yearly_reports,
)

from ..shared import INSTRUMENT_CATEGORIES, explain, get_session, get_system, guard_role, write_session
from .figure_export import XLSX, to_csv, to_xlsx
from .report_export import COLUMNS, STATUS_NAMES, as_figure, cn_date, status_name

bp = Blueprint("reports", __name__, url_prefix="/manage/reports")
FIRST_YEAR = 2000

guard_role(bp, Role.MANAGER, "年度报告页面仅限监督管理人员使用，此次访问已记录")


def _this_year() -> int:
    return get_system().engine.clock().astimezone(SHANGHAI).year


def _year(source: Any) -> int:
    """The ``year`` asked for; this year when none; 400 for anything that is not a year on offer."""
    value = str(source.get("year", "")).strip()
    if not value:
        return _this_year()
    if not value.isdigit() or len(value) != 4 or not FIRST_YEAR <= int(value) <= _this_year():
        abort(400, description=f"年度不正确：请选择 {FIRST_YEAR}–{_this_year()} 年")
    return int(value)


def _helpers() -> dict[str, Any]:
    return {"cn_date": cn_date, "status_name": status_name, "categories": INSTRUMENT_CATEGORIES,
            "types": INSTRUMENT_TYPES}


@bp.get("")
def index() -> str:
    """Every institute in scope with its report's status for the year, and the links to print and export."""
    year = _year(request.args)
    rows = report_list(get_session(), g.actor.organisation_id, year, get_system().engine.clock())
    counts = {key: sum(1 for r in rows if r.status == key) for key in STATUS_NAMES}
    years = list(range(_this_year(), _this_year() - 5, -1))
    if year not in years:
        years.append(year)
    return render_template("managers/reports.html", rows=rows, year=year, years=years, counts=counts,
                           status_names=STATUS_NAMES, columns=COLUMNS, organisation=g.organisation, **_helpers())


@bp.post("/start")
def start() -> Any:
    """Start the year's report of every institute in scope that has none (the same as the command line)."""
    year = _year(request.form)
    try:
        with write_session() as session:
            started = start_yearly_reports(session, get_system().engine, year, g.actor, g.actor.organisation_id)
    except NotAllowed as exc:
        abort(403, description=explain(exc).detail)
    failed = [ref.number for ref in started if ref.status == CaseStatus.ERROR]
    done = f"已为 {len(started)} 个检定机构启动 {year} 年度报告"
    flash(done if started else f"{year} 年度报告均已启动，无需重复启动")
    if failed:
        flash(f"以下案件启动后出错，请联系管理员：{'、'.join(failed)}", "error")
    return redirect(url_for("reports.index", year=year))


@bp.get("/<int:case_id>/print")
def print_one(case_id: int) -> str:
    """One institute's report on one A4 page."""
    sheet = report_sheet(get_session(), g.actor.organisation_id, case_id)
    return render_template("managers/report_print.html", sheets=[sheet], year=sheet.year, **_helpers())


@bp.get("/print")
def print_all() -> str:
    """Every report of the year in scope, one page each."""
    year = _year(request.args)
    sheets = report_sheets(get_session(), g.actor.organisation_id, year)
    return render_template("managers/report_print.html", sheets=sheets, year=year, **_helpers())


@bp.get("/export.<any(csv, xlsx):fmt>")
def export(fmt: str) -> Response:
    """The list of the year as Excel or CSV (UTF-8 with BOM), the page's columns."""
    year = _year(request.args)
    rows = report_list(get_session(), g.actor.organisation_id, year, get_system().engine.clock())
    figure = as_figure(rows, year)
    if fmt == "csv":
        body, mimetype = to_csv(figure), "text/csv; charset=utf-8"
    else:
        body, mimetype = to_xlsx([figure]), XLSX
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="yearly-reports-{year}.{fmt}"'})
