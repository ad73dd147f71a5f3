"""The managers' figures page (issue 10): charts and tables for a year, each exportable.

Managers only (role ``manager``, at bureaus and institutes); anyone else gets 403 and an audit entry,
as the rule editor does for policy staff. The figures cover the manager's organisation and everything
below it; ``engine.manager_figures`` says what each number means. The page draws the charts with
ECharts from the numbers in its own tables (web/static/managers/figures.js), so the CSP needs no
inline script and the table is the single source the chart, the reader and the export share.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, render_template, request

from engine import SHANGHAI, ManagerFigures, Role, manager_figures

from ..shared import get_session, get_system, guard_role
from .figure_export import XLSX, to_csv, to_xlsx

bp = Blueprint("figures", __name__, url_prefix="/manage/figures")
YEARS_BACK = 5  # the year picker offers this year and the years before it
FIRST_YEAR = 2000  # the earliest year one may ask for by address


guard_role(bp, Role.MANAGER, "统计图表仅限管理人员使用，此次访问已记录")


def _this_year() -> int:
    return get_system().engine.clock().astimezone(SHANGHAI).year


def _asked_year() -> tuple[int, str | None]:
    """The ``year`` asked for (this year when none), or this year and why the one asked for is not on offer."""
    value, this_year = request.args.get("year", "").strip(), _this_year()
    if not value:
        return this_year, None
    if not (value.isascii() and value.isdigit()) or not FIRST_YEAR <= int(value) <= this_year:
        return this_year, f"年度不正确：只能查看 {FIRST_YEAR} 年至 {this_year} 年"
    return int(value), None


def _year() -> int:
    """The year of an export; 400 for anything that is not a year on offer (a file has no place for a note)."""
    year, problem = _asked_year()
    if problem:
        abort(400, description=problem)
    return year


def _figures(year: int) -> ManagerFigures:
    return manager_figures(get_session(), get_system().engine, g.actor.organisation_id, year)


@bp.route("/")
def index() -> tuple[str, int]:
    """Every figure of the chosen year as a chart with its table; a bad year shows this year, saying so (400)."""
    year, problem = _asked_year()
    this_year = _this_year()
    years = list(range(this_year, this_year - YEARS_BACK, -1))
    if year not in years:
        years.append(year)
    return render_template("managers/figures.html", figures=_figures(year), years=years, year=year,
                           organisation=g.organisation, problem=problem,
                           generated=get_system().engine.clock().astimezone(SHANGHAI)), 400 if problem else 200


@bp.route("/export.<any(csv, xlsx):fmt>")
def export(fmt: str) -> Response:
    """One figure (``figure=<key>``) as CSV or .xlsx, or every figure (``figure=all``) as one workbook."""
    year, key = _year(), request.args.get("figure", "all")
    figures = _figures(year)
    if key == "all":
        if fmt == "csv":
            abort(400, description="CSV 每次只能导出一张图表，请选择图表或导出 Excel")
        return _file(to_xlsx(figures.figures), XLSX, f"figures-{year}.xlsx")
    try:
        figure = figures.figure(key)
    except KeyError:
        abort(404)
    if fmt == "csv":
        return _file(to_csv(figure), "text/csv; charset=utf-8", f"{key}-{year}.csv")
    return _file(to_xlsx([figure]), XLSX, f"{key}-{year}.xlsx")


def _file(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})
