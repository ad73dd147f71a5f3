"""Owners (使用单位): the instrument ledger, filing by CSV upload, applying for verification, own cases."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from engine import (
    INSTRUMENT_TYPES,
    SHANGHAI,
    InvalidTransition,
    ValidationFailed,
    apply_for_verification,
    counties,
    file_instruments,
    ledger,
    owner_cases,
)

from .auth import login_required
from .instrument_upload import TEMPLATE_HEADER, UploadError, parse_instrument_csv, row_errors
from .system import get_session, get_system, write_session

bp = Blueprint("owner", __name__, url_prefix="/owner")


def owner_required(view: Any) -> Any:
    """Only owner units use these pages; others get 403."""

    @wraps(view)
    @login_required
    def wrapped(**kwargs: Any) -> Any:
        if "owner" not in g.actor.roles:
            abort(403)
        return view(**kwargs)

    return wrapped


@bp.route("/")
@owner_required
def index() -> Any:
    """The ledger with due dates (overdue ones marked) and the owner's cases."""
    today = get_system().engine.clock().astimezone(SHANGHAI).date()
    instruments = ledger(get_session(), g.actor.organisation_id)
    cases = owner_cases(get_session(), g.actor.organisation_id)
    return render_template("owner/index.html", instruments=instruments, cases=cases, today=today,
                           types=INSTRUMENT_TYPES, overdue=lambda d: d is not None and d < today)


@bp.route("/filings/upload", methods=("GET", "POST"))
@owner_required
def upload() -> Any:
    """File instruments from a CSV list; errors are listed per spreadsheet row."""
    places = counties(get_session())
    errors: list[tuple[int, str, str]] = []
    if request.method == "POST":
        county = request.form.get("county_code", "")
        file = request.files.get("file")
        try:
            if file is None or not file.filename:
                raise UploadError("请选择要上传的 CSV 文件")
            rows = parse_instrument_csv(file.read())
            with write_session() as session:
                ref = file_instruments(session, get_system().engine, g.actor, county, rows)
            flash(f"已提交备案 {ref.number}，共 {len(rows)} 台（件）")
            return redirect(url_for("owner.index"))
        except UploadError as exc:
            errors = [(0, "文件", str(exc))]
        except ValidationFailed as exc:
            errors = row_errors(exc.errors)
    status = 422 if errors else 200
    return render_template("owner/upload.html", places=places, errors=errors), status


@bp.route("/filings/template.csv")
@owner_required
def template() -> Response:
    """An empty list with the expected header, UTF-8 with BOM so Excel opens it correctly."""
    example = "燃油加油机,DJY-222,JYJ-0001,燃油加油机,工作计量器具,是,贸易结算,一号加油岛"
    body = "\ufeff" + TEMPLATE_HEADER + "\n" + example + "\n"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=instruments-template.csv"})


@bp.route("/instruments/<int:instrument_id>/apply", methods=("POST",))
@owner_required
def apply(instrument_id: int) -> Any:
    """Apply for periodic verification of one ledger instrument."""
    try:
        with write_session() as session:
            ref = apply_for_verification(session, get_system().engine, g.actor, instrument_id)
        flash(f"已申请检定，案件编号 {ref.number}")
    except InvalidTransition:
        flash("该器具已有正在办理的检定申请")
    return redirect(url_for("owner.index"))


