"""Issue 8's bad text and JSON, on SQLite and PostgreSQL: refused where it enters with a 4xx (never a 500),
nothing written; values at the bounds go through every later step (ledger, certificate, case title)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import MAX_ID, Case, Document
from web.shared.input_guard import TOO_DEEP
from web.shared.system import get_system

from .. import input_world
from ..conftest import csrf_token
from ..input_world import (
    DISPENSER,
    HANDLER,
    INSTITUTE,
    OWNER,
    at_verify,
    complete,
    counts,
    filed,
    start,
    task_id,
)

app = input_world.app  # this module's app fixture: a fresh SQLite or PostgreSQL database


# -- text no column can keep ---------------------------------------------------------------------------
@pytest.mark.parametrize("field, value, message", [
    ("name", "器" * 201, "不能超过 200 个字"),
    ("name", "加油\x00机", "不能包含控制字符（如 NUL）"),
    ("location", "一号\ud800岛", "包含无法识别的字符（不成对的 UTF-16 代理项），请重新输入"),
    ("serial_no", "W\x00-1", "不能包含控制字符（如 NUL）"),
])
def test_a_filing_with_text_no_column_can_keep_is_refused_and_writes_nothing(app, client, field, value, message):
    before = counts(app)
    answer = start(client, [{**DISPENSER, field: value}])
    assert answer.status_code == 422
    assert message in answer.get_json()["fields"][f"instruments.0.{field}"]
    assert counts(app) == before


def test_in_catalogue_must_be_true_or_false(app, client):
    before = counts(app)
    for value in (0, 1, "false", None):
        answer = start(client, [{**DISPENSER, "in_catalogue": value}])
        assert answer.status_code == 422, value
        assert answer.get_json()["fields"]["instruments.0.in_catalogue"]
    assert counts(app) == before


def test_values_at_the_bounds_pass_every_later_step(app, client):
    """A 200-character name and 100-character serial number reach the ledger, the application's case title
    (cut to its 300-character column) and a 64-character certificate number is issued."""
    row = {**DISPENSER, "name": "器" * 200, "serial_no": "S" * 100, "model": "M" * 100, "location": "地" * 200}
    case_id = at_verify(app, client, row)
    with app.app_context(), get_system().readers() as s:
        assert len(s.get(Case, case_id).title) == 300
    certificate = "C" * 64
    verified = complete(client, INSTITUTE, case_id, "verify", {
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
def test_a_certificate_number_no_column_can_keep_is_refusedat_verify(app, client, certificate, field, message):
    case_id = at_verify(app, client)
    before = counts(app)
    answer = complete(client, INSTITUTE, case_id, "verify", {
        "action": "result", "outcome": "pass", "verified_on": "2026-09-28", "certificate_no": certificate,
        "next_due": "2027-09-29", "fee": 0})
    assert answer.status_code == 422 and answer.get_json()["fields"] == {field: [message]}
    assert counts(app) == before


@pytest.mark.parametrize("spec, data, field", [
    ("accept_application", {"acceptance": "refuse", "refusal_reason": "        "}, "refusal_reason"),
    ("verify", {"action": "propose_extension", "proposed_deadline": "2026-10-30", "extension_reason": "   "},
     "extension_reason"),
])
def test_a_reason_of_only_spaces_is_refused(app, client, spec, data, field):
    case_id = at_verify(app, client) if spec == "verify" else None
    if case_id is None:
        instrument = filed(app, client, DISPENSER)
        case_id = client.post("/api/cases", json={"process": "verification_request", "instrument_id": instrument},
                              auth=OWNER).get_json()["case_id"]
    before = counts(app)
    answer = complete(client, INSTITUTE, case_id, spec, data)
    assert answer.status_code == 422 and list(answer.get_json()["fields"]) == [field]
    assert counts(app) == before


def test_a_filing_decision_without_a_reason_is_refused(app, client):
    case_id = start(client, [DISPENSER]).get_json()["case_id"]
    before = counts(app)
    answer = complete(client, HANDLER, case_id, "review_filing", {"filing_decision": "reject", "filing_reason": " "})
    assert answer.status_code == 422 and list(answer.get_json()["fields"]) == ["filing_reason"]
    assert counts(app) == before


# -- JSON bodies ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [33, 2_000, 200_000])
def test_a_deeply_nested_json_body_is_a_400(app, client, depth):
    before = counts(app)
    body = "[" * depth + "]" * depth
    answer = client.post("/api/cases", data=body, content_type="application/json", auth=OWNER)
    assert answer.status_code == 400 and answer.get_json()["detail"] == TOO_DEEP
    nested = '{"data": {"a": ' + "[" * depth + "]" * depth + "}}"
    answer = client.post("/api/tasks/x/complete", data=nested, content_type="application/json", auth=OWNER)
    assert answer.status_code == 400
    assert counts(app) == before


def test_nan_and_infinity_are_not_json(app, client):
    case_id = at_verify(app, client)
    task = task_id(client, INSTITUTE, case_id, "verify")
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
    before = counts(app)
    answer = client.post("/owner/filings/new", data=too_long)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert '<p class="field-error" id="f-instruments-0-name-error">不能超过 200 个字</p>' in html
    assert counts(app) == before


def test_the_openapi_document_states_choices_and_bounds(app, client):
    doc = client.get("/api/openapi.json").get_json()
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/tasks"]["get"]["parameters"]}
    assert params["view"]["enum"] == ["mine", "group", "all", "team"]
    assert params["due"]["enum"] == ["overdue", "today", "2wd"] and params["sort"]["enum"] == ["due", "-due"]
    schemas = doc["components"]["schemas"]
    assert schemas["InstrumentInput"]["properties"]["name"]["maxLength"] == 200
    assert schemas["VerificationStart"]["properties"]["instrument_id"]["maximum"] == MAX_ID
    assert client.get("/api/tasks?view=everything", auth=INSTITUTE).status_code == 422
    for blank in ("view=", "due=", "sort=%20"):  # not one of the listed values (found by schemathesis)
        answer = client.get(f"/api/tasks?{blank}", auth=INSTITUTE)
        assert answer.status_code == 422 and blank.split("=")[0] in answer.get_json()["fields"]
    assert client.get("/api/tasks?text=&county_code=", auth=INSTITUTE).status_code == 200  # blank free text: absent
