"""The managers' stuck-cases page (``/manage/stuck``) and its exports, for role ``manager`` only.

Scope is the manager's organisation and everything under it. Everyone else gets 403 and an audit entry,
as the rule pages do for policy staff.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, render_template, request, url_for

from engine import (
    STUCK_EXPORT_LIMIT,
    STUCK_TABS,
    Role,
    StuckFilter,
    stuck_choices,
    stuck_export,
    stuck_page,
    stuck_scope,
)

from ..shared import get_session, get_system, guard_role, list_link
from .stuck_export import COLUMNS, STATUS_NAMES, as_csv, as_xlsx, cells
from .stuck_params import read_filter, stuck_url, tabs

bp = Blueprint("managers", __name__, url_prefix="/manage")


guard_role(bp, Role.MANAGER, "监督管理页面仅限监督管理人员使用，此次访问已记录")


@bp.get("/stuck")
def stuck() -> Any:
    """Tabs with counts, the filter bar, one page of the chosen tab, export links."""
    session, engine = get_session(), get_system().engine
    flt, errors = read_filter(request.args, current_app.config["PAGE_SIZE"])
    scope = stuck_scope(session, g.user.organisation_id)
    page = stuck_page(session, engine, scope, flt)
    context = {
        "flt": flt, "page": page, "errors": errors,
        "tabs": tabs(flt, page.counts),
        "case_link": list_link("stuck", {**flt.params(), **({"page": str(flt.page)} if flt.page > 1 else {})}),
        "filtered": len(set(flt.params()) - {"tab"}) + len(errors),  # filters set (or refused): shown unfolded
        "choices": stuck_choices(session, engine, scope), "tab_label": STUCK_TABS[flt.tab],
        "columns": COLUMNS, "cells": cells, "status_names": STATUS_NAMES, "limit": STUCK_EXPORT_LIMIT,
        "xlsx_url": stuck_url(flt.but(page=1), "managers.stuck_xlsx"),
        "csv_url": stuck_url(flt.but(page=1), "managers.stuck_csv"),
        "clear_url": url_for("managers.stuck", tab=flt.tab),
        "first_url": stuck_url(flt.but(page=1)) if flt.page > 1 and not page.rows else None,
        "prev_url": stuck_url(flt.but(page=flt.page - 1)) if flt.page > 1 else None,
        "next_url": stuck_url(flt.but(page=flt.page + 1)) if page.has_next else None,
    }
    return render_template("managers/stuck.html", **context), (400 if errors else 200)


@bp.get("/stuck.xlsx")
def stuck_xlsx() -> Response:
    """The chosen tab with the page's filters as an Excel workbook (at most ``STUCK_EXPORT_LIMIT`` rows)."""
    flt, rows = _export_rows()
    body = as_xlsx(rows, STUCK_TABS[flt.tab])
    return _download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"stuck-{flt.tab}.xlsx")


@bp.get("/stuck.csv")
def stuck_csv() -> Response:
    """The same rows and columns as CSV (UTF-8 with BOM)."""
    flt, rows = _export_rows()
    return _download(as_csv(rows), "text/csv; charset=utf-8", f"stuck-{flt.tab}.csv")


def _export_rows() -> tuple[StuckFilter, list[Any]]:
    session, engine = get_session(), get_system().engine
    flt, _errors = read_filter(request.args, current_app.config["PAGE_SIZE"])
    scope = stuck_scope(session, g.user.organisation_id)
    return flt, stuck_export(session, engine, scope, flt)


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
