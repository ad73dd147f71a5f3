"""Issue 8's bad input, on SQLite and PostgreSQL: each example is refused where it enters with a 4xx (never a
500), writes nothing, and values at the bounds go through every later step (ledger, certificate, case title)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine import MAX_ID, AuditEntry, Case, Document, Instrument, SavedFilter, Task, prepare_database
from web import create_app
from web.input_guard import BAD_CHARACTER, TOO_DEEP
from web.system import get_system

from ..conftest import Database, FakeClock
from .conftest import csrf_token

OWNER = ("xinmin_gas", "demo1234")
HANDLER = ("xinmin_institute", "demo1234")
INSTITUTE = ("shenyang_institute", "demo1234")
DISPENSER = {"name": "燃油加油机", "model": "DJY-222", "serial_no": "W-1", "instrument_type": "fuel_dispenser",
             "category": "working", "in_catalogue": True, "purpose": "trade_settlement", "location": "一号岛"}
TABLES = (Case, Task, AuditEntry, Instrument, Document, SavedFilter)
HUGE = 2**31  # one past PostgreSQL's INTEGER
BIG_IDS = [HUGE, 11926491981, 2**63 - 1, 2**63, 10**30]


@pytest.fixture
def app(any_database: Database, tmp_path: Path, clock: FakeClock) -> Iterator[Flask]:
    """The app on a fresh SQLite or PostgreSQL database (this module's requests must behave alike on both)."""
    clock.set("2026-09-28T09:00:00+08:00")
    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": any_database.url, "CLOCK": clock,
                      "DRAFTS_DIR": tmp_path / "drafts"})  # not TESTING: a 500 is answered, not raised
    with app.app_context():
        prepare_database(get_system(), demo=True)
    yield app
    with app.app_context():
        get_system().db.dispose()  # before the database is dropped


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context(), get_system().readers() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}


def _start(client, instruments: list[dict], auth=OWNER):
    return client.post("/api/cases", json={"process": "filing", "county_code": "210181", "instruments": instruments},
                       auth=auth)


def _task(client, auth, case_id: int, spec: str) -> str:
    items = client.get("/api/tasks?limit=100", auth=auth).get_json()["items"]
    [task] = [i["id"] for i in items if i["case_id"] == case_id and i["spec_name"] == spec]
    return task


def _complete(client, auth, case_id: int, spec: str, data: dict):
    return client.post(f"/api/tasks/{_task(client, auth, case_id, spec)}/complete", json={"data": data}, auth=auth)


def _filed(app: Flask, client, row: dict) -> int:
    """The instrument ``row`` filed, accepted into the ledger; its ledger id."""
    started = _start(client, [row])
    assert started.status_code == 201, started.get_json()
    assert _complete(client, HANDLER, started.get_json()["case_id"], "review_filing",
                     {"filing_decision": "accept"}).status_code == 200
    with app.app_context(), get_system().readers() as s:
        return s.scalars(select(Instrument.id).where(Instrument.serial_no == row["serial_no"])).one()


def _at_verify(app: Flask, client, row: dict = DISPENSER) -> int:
    instrument = _filed(app, client, row)
    applied = client.post("/api/cases", json={"process": "verification_request", "instrument_id": instrument},
                          auth=OWNER)
    assert applied.status_code == 201, applied.get_json()
    case_id = applied.get_json()["case_id"]
    assert _complete(client, INSTITUTE, case_id, "accept_application", {"acceptance": "accept"}).status_code == 200
    assert _complete(client, INSTITUTE, case_id, "record_receipt", {"received_on": "2026-09-28"}).status_code == 200
    return case_id


# -- text no column can keep ---------------------------------------------------------------------------
@pytest.mark.parametrize("field, value, message", [
    ("name", "器" * 201, "不能超过 200 个字"),
    ("name", "加油\x00机", "不能包含控制字符（如 NUL）"),
    ("location", "一号\ud800岛", "包含无法识别的字符（不成对的 UTF-16 代理项），请重新输入"),
    ("serial_no", "W\x00-1", "不能包含控制字符（如 NUL）"),
])
def test_a_filing_with_text_no_column_can_keep_is_refused_and_writes_nothing(app, client, field, value, message):
    before = _counts(app)
    answer = _start(client, [{**DISPENSER, field: value}])
    assert answer.status_code == 422
    assert message in answer.get_json()["fields"][f"instruments.0.{field}"]
    assert _counts(app) == before


def test_in_catalogue_must_be_true_or_false(app, client):
    before = _counts(app)
    for value in (0, 1, "false", None):
        answer = _start(client, [{**DISPENSER, "in_catalogue": value}])
        assert answer.status_code == 422, value
        assert answer.get_json()["fields"]["instruments.0.in_catalogue"]
    assert _counts(app) == before


def test_values_at_the_bounds_pass_every_later_step(app, client):
    """A 200-character name and 100-character serial number reach the ledger, the application's case title
    (cut to its 300-character column) and a 64-character certificate number is issued."""
    row = {**DISPENSER, "name": "器" * 200, "serial_no": "S" * 100, "model": "M" * 100, "location": "地" * 200}
    case_id = _at_verify(app, client, row)
    with app.app_context(), get_system().readers() as s:
        assert len(s.get(Case, case_id).title) == 300
    certificate = "C" * 64
    verified = _complete(client, INSTITUTE, case_id, "verify", {
        "action": "result", "outcome": "pass", "verified_on": "2026-09-28", "certificate_no": certificate,
        "next_due": "2027-09-29", "fee": 0})
    assert verified.status_code == 200, verified.get_json()
    with app.app_context(), get_system().readers() as s:
        assert s.scalars(select(Document.number).where(Document.case_id == case_id)).one() == certificate


@pytest.mark.parametrize("certificate, field, message", [
    ("C" * 65, "certificate_no", "不能超过 64 个字"),
    ("   ", "certificate_no", "出具检定证书或校准证书必须填写证书编号"),
    # Refused as the body is read, so the path is the body's.
    ("C\x00", "data.certificate_no", "不能包含控制字符（如 NUL）"),
    ("C\udc00", "data.certificate_no", "包含无法识别的字符（不成对的 UTF-16 代理项），请重新输入")])
def test_a_certificate_number_no_column_can_keep_is_refused_at_verify(app, client, certificate, field, message):
    case_id = _at_verify(app, client)
    before = _counts(app)
    answer = _complete(client, INSTITUTE, case_id, "verify", {
        "action": "result", "outcome": "pass", "verified_on": "2026-09-28", "certificate_no": certificate,
        "next_due": "2027-09-29", "fee": 0})
    assert answer.status_code == 422 and answer.get_json()["fields"] == {field: [message]}
    assert _counts(app) == before


@pytest.mark.parametrize("spec, data, field", [
    ("accept_application", {"acceptance": "refuse", "refusal_reason": "        "}, "refusal_reason"),
    ("verify", {"action": "propose_extension", "proposed_deadline": "2026-10-30", "extension_reason": "   "},
     "extension_reason"),
])
def test_a_reason_of_only_spaces_is_refused(app, client, spec, data, field):
    case_id = _at_verify(app, client) if spec == "verify" else None
    if case_id is None:
        instrument = _filed(app, client, DISPENSER)
        case_id = client.post("/api/cases", json={"process": "verification_request", "instrument_id": instrument},
                              auth=OWNER).get_json()["case_id"]
    before = _counts(app)
    answer = _complete(client, INSTITUTE, case_id, spec, data)
    assert answer.status_code == 422 and list(answer.get_json()["fields"]) == [field]
    assert _counts(app) == before


def test_a_filing_decision_without_a_reason_is_refused(app, client):
    case_id = _start(client, [DISPENSER]).get_json()["case_id"]
    before = _counts(app)
    answer = _complete(client, HANDLER, case_id, "review_filing", {"filing_decision": "reject", "filing_reason": " "})
    assert answer.status_code == 422 and list(answer.get_json()["fields"]) == ["filing_reason"]
    assert _counts(app) == before


# -- query strings, paths and forms ---------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/api/tasks?text=%00", "/api/tasks?county_code=%00", "/api/tasks?spec_name=a%00", "/api/tasks?%00=1",
    "/api/tasks/%00", "/api/tasks/%00/claim"])
def test_nul_in_an_api_query_or_path_is_a_400_json(app, client, path):
    answer = client.post(path, auth=INSTITUTE) if path.endswith("claim") else client.get(path, auth=INSTITUTE)
    assert answer.status_code == 400 and answer.get_json()["detail"] == BAD_CHARACTER


@pytest.mark.parametrize("path", ["/?text=%00", "/?county_code=%00", "/?instrument_type=%00", "/tasks/%00",
                                  "/cases/1/documents/%00"])
def test_nul_in_a_page_query_or_path_is_a_chinese_400_page(app, client, auth, path):
    auth.login("shenyang_institute")
    answer = client.get(path)
    assert answer.status_code == 400 and BAD_CHARACTER in answer.get_data(as_text=True)


def test_nul_in_credentials_is_refused_before_any_lookup(app, client):
    assert client.get("/api/tasks", auth=("shenyang\x00institute", "demo1234")).status_code == 400
    assert client.get("/api/tasks", auth=("shenyang_institute", "demo\x001234")).status_code == 400
    token = csrf_token(client, "/auth/login")
    answer = client.post("/auth/login", data={"csrf_token": token, "username": "a\x00", "password": "demo1234"})
    assert answer.status_code == 400 and BAD_CHARACTER in answer.get_data(as_text=True)


def test_a_control_character_in_a_task_page_field_is_refused_beside_it(app, client, auth):
    case_id = _at_verify(app, client)
    auth.login("shenyang_institute")
    page = f"/tasks/{_task(client, INSTITUTE, case_id, 'verify')}"
    html = client.get(page).get_data(as_text=True)
    assert 'maxlength="64"' in html and "不超过 64 个字" in html
    version = re.search(r'name="_version" value="(\d+)"', html).group(1)
    before = _counts(app)
    answer = client.post(page, data={"csrf_token": csrf_token(client, page), "_version": version,
                                     "action": "result", "outcome": "pass",
                                     "verified_on": "2026-09-28", "certificate_no": "SY\x1b-1",
                                     "next_due": "2027-09-29", "fee": "0"})
    assert answer.status_code == 422
    assert 'id="f-certificate_no-error">不能包含控制字符</p>' in answer.get_data(as_text=True)
    assert _counts(app) == before


def test_a_saved_filter_named_with_nul_is_refused_and_not_saved(app, client, auth):
    auth.login("shenyang_institute")
    before = _counts(app)
    answer = client.post("/filters", data={"csrf_token": csrf_token(client, "/"), "name": "逾期\x00", "due": "today"})
    assert answer.status_code == 400 and BAD_CHARACTER in answer.get_data(as_text=True)
    answer = client.post("/filters", data={"csrf_token": csrf_token(client, "/"), "name": "逾期", "text": "\x00"})
    assert answer.status_code == 400
    assert _counts(app) == before


def test_a_saved_filter_name_with_a_control_character_is_refused_beside_the_form(app, client, auth):
    auth.login("shenyang_institute")
    answer = client.post("/filters", data={"csrf_token": csrf_token(client, "/"), "name": "逾\x1b期"},
                         follow_redirects=True)
    assert "未保存：名称不能包含控制字符" in answer.get_data(as_text=True)
    assert _counts(app)["saved_filter"] == 0


# -- ids past the integer columns -----------------------------------------------------------------------
@pytest.mark.parametrize("big", BIG_IDS)
def test_an_id_past_the_integer_columns_names_no_record(app, client, auth, big):
    auth.login("xinmin_gas")
    assert client.get(f"/cases/{big}").status_code == 404
    assert client.get(f"/cases/{big}/documents/X-1").status_code == 404
    token = csrf_token(client, "/owner/")
    assert client.post(f"/owner/instruments/{big}/apply", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/filters/{big}/delete", data={"csrf_token": token}).status_code == 404
    answer = client.post("/api/cases", json={"process": "verification_request", "instrument_id": big}, auth=OWNER)
    assert answer.status_code == 422 and answer.get_json()["fields"]["instrument_id"] == ["不是有效的编号"]
    answer = client.post("/api/cases", json={"process": "verification_request", "instrument_id": 1,
                                             "assessing_org_id": big}, auth=OWNER)
    assert answer.status_code == 422 and "assessing_org_id" in answer.get_json()["fields"]


def test_the_largest_id_is_a_plain_not_found(app, client, auth):
    auth.login("xinmin_gas")
    assert client.get(f"/cases/{MAX_ID}").status_code == 404
    answer = client.post("/api/cases", json={"process": "verification_request", "instrument_id": MAX_ID},
                         auth=OWNER)
    assert answer.status_code == 404


def test_policy_pages_refuse_ids_past_the_integer_columns(app, client, auth):
    auth.login("policy")
    token = csrf_token(client, "/rules/")
    before = _counts(app)
    assert client.get(f"/rules/versions/{HUGE}/migrate").status_code == 404
    # Werkzeug tries the GET rule of the same path first and answers 405 (only GET would match): a 4xx all the same.
    moved = client.post(f"/rules/versions/{HUGE}/migrate", data={"csrf_token": token, "all": "1"})
    assert moved.status_code in (404, 405)
    assert client.post(f"/rules/migrations/{HUGE}/undo", data={"csrf_token": token}).status_code == 404
    # Posted ids past the columns are dropped like any non-number: nothing is chosen, nothing moves.
    with app.app_context(), get_system().readers() as s:
        version = s.scalar(select(func.max(Case.spec_version_id))) or 1
    moved = client.post(f"/rules/versions/{version}/migrate", data={"csrf_token": token, "case_id": str(HUGE)})
    assert moved.status_code == 302
    undo = client.post("/rules/migrations/1/undo", data={"csrf_token": token, "version_id": str(HUGE)})
    assert undo.status_code == 302 and undo.headers["Location"] == "/rules/"
    rollback = client.post("/rules/files/verify.schema.json/rollback", data={"csrf_token": token, "number": str(HUGE)})
    assert rollback.status_code < 500
    assert _counts(app) == before


def test_bulk_reassignment_to_a_user_id_past_the_columns_is_refused(app, client, auth):
    auth.login("shenyang_institute")
    answer = client.post("/tasks/bulk", data={"csrf_token": csrf_token(client, "/"), "action": "reassign",
                                              "task_id": "x", "to_user_id": str(HUGE)}, follow_redirects=True)
    assert answer.status_code == 200 and "请选择转办给谁" in answer.get_data(as_text=True)


# -- JSON bodies ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [33, 2_000, 200_000])
def test_a_deeply_nested_json_body_is_a_400(app, client, depth):
    before = _counts(app)
    body = "[" * depth + "]" * depth
    answer = client.post("/api/cases", data=body, content_type="application/json", auth=OWNER)
    assert answer.status_code == 400 and answer.get_json()["detail"] == TOO_DEEP
    nested = '{"data": {"a": ' + "[" * depth + "]" * depth + "}}"
    answer = client.post("/api/tasks/x/complete", data=nested, content_type="application/json", auth=OWNER)
    assert answer.status_code == 400
    assert _counts(app) == before


def test_nan_and_infinity_are_not_json(app, client):
    case_id = _at_verify(app, client)
    task = _task(client, INSTITUTE, case_id, "verify")
    for fee in ("NaN", "Infinity", "1e999"):
        body = '{"data": {"action": "result", "fee": %s}}' % fee
        answer = client.post(f"/api/tasks/{task}/complete", data=body, content_type="application/json",
                             auth=INSTITUTE)
        assert answer.status_code in (400, 422), fee


def test_a_lone_surrogate_in_a_json_key_is_refused(app, client):
    answer = client.post("/api/cases", data='{"process": "filing", "\\ud800": 1}', content_type="application/json",
                         auth=OWNER)
    assert answer.status_code == 422 and "代理项" in answer.get_json()["detail"]


# -- the pages say the bounds -------------------------------------------------------------------------
def test_the_filing_page_says_each_length_beside_its_field(app, client, auth):
    auth.login("xinmin_gas")
    html = client.get("/owner/filings/new").get_data(as_text=True)
    assert re.search(r'name="instruments-0-name" type="text"\s+value="" maxlength="200"', html)
    assert "不超过 200 个字" in html and "不超过 100 个字" in html
    too_long = {"csrf_token": csrf_token(client, "/owner/filings/new"), "county_code": "210181",
                **{f"instruments-0-{k}": ("true" if v is True else v) for k, v in DISPENSER.items()}}
    too_long["instruments-0-name"] = "器" * 201
    before = _counts(app)
    answer = client.post("/owner/filings/new", data=too_long)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert '<p class="field-error" id="f-instruments-0-name-error">不能超过 200 个字</p>' in html
    assert _counts(app) == before


def test_the_openapi_document_states_choices_and_bounds(app, client):
    doc = client.get("/api/openapi.json").get_json()
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/tasks"]["get"]["parameters"]}
    assert params["view"]["enum"] == ["mine", "group", "all", "team"]
    assert params["due"]["enum"] == ["overdue", "today", "2wd"] and params["sort"]["enum"] == ["due", "-due"]
    schemas = doc["components"]["schemas"]
    assert schemas["InstrumentInput"]["properties"]["name"]["maxLength"] == 200
    assert schemas["VerificationStart"]["properties"]["instrument_id"]["maximum"] == MAX_ID
    assert client.get("/api/tasks?view=everything", auth=INSTITUTE).status_code == 422
