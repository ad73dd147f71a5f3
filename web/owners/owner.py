"""Owners (使用单位): the instrument ledger with their open tasks and case results, filing (by form or by an
uploaded Excel/CSV list), and applying for verification."""

from __future__ import annotations

from collections.abc import Sequence
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from engine import (
    INSTRUMENT_TYPES,
    MAX_FILING_INSTRUMENTS,
    SHANGHAI,
    Case,
    CaseStatus,
    Document,
    InvalidTransition,
    ValidationFailed,
    apply_for_verification,
    case_documents,
    counties,
    file_instruments,
    inbox,
    ledger,
    owner_cases,
)

from ..shared import (
    DOCUMENT_KINDS,
    Schema,
    Values,
    add_row,
    compact,
    get_session,
    get_system,
    login_required,
    read_form,
    remove_row,
    to_data,
    write_session,
)
from .filing_form import blank_values, filing_fields, start_schema
from .instrument_upload import COLUMNS, EXAMPLE_ROW, TEMPLATE_HEADER, UploadError, parse_instrument_file, row_errors
from .spreadsheet import write_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OUTCOMES = {"verification_certificate": "合格", "result_notice": "不合格", "calibration_certificate": "校准"}

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
    """The owner's open tasks (an extension to answer, a filing to correct), the ledger with due dates
    (overdue ones marked) and the owner's cases with their results and documents."""
    session, now = get_session(), get_system().engine.clock()
    today = now.astimezone(SHANGHAI).date()
    instruments = ledger(session, g.actor.organisation_id)
    cases = owner_cases(session, g.actor.organisation_id)
    return render_template("owners/index.html", tasks=inbox(session, g.actor), instruments=instruments,
                           cases=cases, documents=_issued(cases), outcomes=OUTCOMES, kinds=DOCUMENT_KINDS,
                           now=now, types=INSTRUMENT_TYPES, overdue=lambda d: d is not None and d < today)


def _issued(cases: Sequence[Case]) -> dict[int, Sequence[Document]]:
    """Certificates and notices of the completed cases (only those can have issued one)."""
    done = [c for c in cases if c.status == CaseStatus.COMPLETED.value]
    return {c.id: case_documents(get_session(), c.id) for c in done}


@bp.route("/filings/new", methods=("GET", "POST"))
@owner_required
def new_filing() -> Any:
    """File a few instruments by filling in the form; 添加一行/删除 redraw it with the input kept (no JavaScript)."""
    schema = start_schema(get_session(), get_system().engine)
    if request.method == "GET":
        return _filing_page(schema, blank_values(schema, g.organisation.region_code))
    values = read_form(request.form, schema)
    action, _, target = request.form.get("_action", "submit").partition(":")
    if action == "add_row":
        return _filing_page(schema, add_row(values, schema, target))
    if action == "remove_row":
        table, _, index = target.partition(":")
        return _filing_page(schema, remove_row(values, schema, table, int(index) if index.isdigit() else -1))
    if action != "submit":
        abort(400)
    values = compact(values, schema)  # blank rows dropped, so the engine's row numbers are the page's
    data = to_data(values, schema)
    try:
        with write_session() as session:
            ref = file_instruments(session, get_system().engine, g.actor, data.get("county_code", ""),
                                   data.get("instruments", []))
    except ValidationFailed as exc:
        return _filing_page(schema, values, exc.errors, 422)
    flash(f"已提交备案 {ref.number}，共 {len(data.get('instruments', []))} 台（件）")
    return redirect(url_for("owner.index"))


def _filing_page(schema: Schema, values: Values, errors: dict[str, list[str]] | None = None,
                 status: int = 200) -> Any:
    today = get_system().engine.clock().astimezone(SHANGHAI).date().isoformat()
    fields, summary = filing_fields(schema, values, counties(get_session()), today, errors)
    return render_template("owners/new_filing.html", schema=schema, fields=fields, summary=summary), status


@bp.route("/filings/upload", methods=("GET", "POST"))
@owner_required
def upload() -> Any:
    """File instruments from an Excel (.xlsx) or CSV list; errors are listed per spreadsheet row."""
    if request.method == "GET":
        return _upload_page([])
    file = request.files.get("file")
    try:
        if file is None or not file.filename:
            raise UploadError("请选择要上传的 Excel（.xlsx）或 CSV 文件")
        found = parse_instrument_file(file.filename, file.read())
    except UploadError as exc:
        return _upload_page([(0, "文件", str(exc))])
    try:
        with write_session() as session:
            ref = file_instruments(session, get_system().engine, g.actor, request.form.get("county_code", ""),
                                   found.rows)
    except ValidationFailed as exc:
        return _upload_page(row_errors(exc.errors, found.row_numbers))
    flash(f"已提交备案 {ref.number}，共 {len(found.rows)} 台（件）")
    return redirect(url_for("owner.index"))


def _upload_page(errors: list[tuple[int, str, str]]) -> Any:
    page = render_template("owners/upload.html", places=counties(get_session()), errors=errors,
                           max_instruments=MAX_FILING_INSTRUMENTS)
    return page, 422 if errors else 200


@bp.route("/filings/template.csv")
@owner_required
def template() -> Response:
    """An empty list with the expected header, UTF-8 with BOM so Excel opens it correctly."""
    body = "\ufeff" + TEMPLATE_HEADER + "\n" + ",".join(EXAMPLE_ROW) + "\n"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=instruments-template.csv"})


@bp.route("/filings/template.xlsx")
@owner_required
def template_xlsx() -> Response:
    """The same template as an Excel workbook: the header and one example row."""
    body = write_rows([list(COLUMNS), list(EXAMPLE_ROW)], title="器具清单")
    return Response(body, mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=instruments-template.xlsx"})


@bp.route("/instruments/<id:instrument_id>/apply", methods=("POST",))
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


