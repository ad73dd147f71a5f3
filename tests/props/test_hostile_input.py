"""Hostile input on every edge a user reaches, on both databases: query parameters, path segments, filing values
(followed through the later steps), task data, raw bodies, saved filter names, the owner's filing form and CSV
upload, and the sign-in form. Properties: never a 5xx; a refused request (4xx) writes nothing.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from engine import Case, Instrument, Task, User
from web.system import get_system

from .conftest import (
    BUREAU,
    DISPENSER,
    HANDLER,
    INSTITUTE,
    OWNER,
    POLICY,
    PropApp,
    SignedIn,
    business_counts,
    csrf_on,
    row_counts,
)
from .strategies import (
    form_body,
    form_data,
    huge_ints,
    json_values,
    multipart_body,
    odd_text,
    one_hostile,
    raw_json_bodies,
    url_part,
)

# A falsifying example holding a 140 KB string is reported as it is (hypothesis warns about the long repr).
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
BPMN = Path(__file__).resolve().parents[2] / "bpmn"
FORM = "application/x-www-form-urlencoded"


def _refused_wrote_nothing(prop_app: PropApp, before: dict[str, int], response: TestResponse, what: str) -> None:
    """The two properties: no 5xx, and a 4xx left every table as it was."""
    assert response.status_code < 500, f"{what}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400:
        assert row_counts(prop_app.app) == before, f"{what}: refused with {response.status_code} but wrote rows"


def _not_an_id(value: str) -> bool:
    """True unless ``value`` could name a seeded record (small positive numbers do)."""
    return not (value.isascii() and value.isdigit() and int(value) < 1000)


# -- query parameters ------------------------------------------------------------------------------
INBOX_PARAMS = ("view", "process_id", "spec_name", "county_code", "instrument_type", "due", "text", "sort", "page")
API_PARAMS = (*INBOX_PARAMS[:-1], "limit", "offset")


@given(data=st.data())
def _inbox_params(prop_app: PropApp, data: st.DataObject) -> None:
    api = data.draw(st.booleans(), "api")
    names = API_PARAMS if api else INBOX_PARAMS
    params = data.draw(st.dictionaries(st.sampled_from(names), st.one_of(odd_text, huge_ints.map(str)), min_size=1,
                                       max_size=3), "params")
    user = data.draw(st.sampled_from([INSTITUTE, BUREAU]), "user")
    query = "&".join(f"{name}={url_part(value)}" for name, value in params.items())
    before = row_counts(prop_app.app)
    response = prop_app.client(user).open(("/api/tasks?" if api else "/?") + query)
    assert response.status_code < 500, f"{response.status_code} for {query}"
    assert row_counts(prop_app.app) == before, "a read wrote rows"
    if api and response.status_code >= 400:
        assert response.is_json


def test_inbox_query_parameters(prop_app: PropApp) -> None:
    _inbox_params(prop_app)


# -- path segments ---------------------------------------------------------------------------------
def _paths(prop_app: PropApp) -> list[tuple[str, str, str]]:
    """(method, path with {x}, user) for every route that takes an id or a name in its path."""
    case = prop_app.world.case_ids["certified"]
    return [
        ("GET", "/tasks/{x}", INSTITUTE), ("POST", "/tasks/{x}", INSTITUTE), ("POST", "/tasks/{x}/claim", INSTITUTE),
        ("POST", "/tasks/{x}/release", INSTITUTE), ("GET", "/api/tasks/{x}", INSTITUTE),
        ("POST", "/api/tasks/{x}/claim", INSTITUTE), ("POST", "/api/tasks/{x}/release", INSTITUTE),
        ("POST", "/api/tasks/{x}/complete", INSTITUTE), ("GET", "/cases/{x}", INSTITUTE),
        ("GET", f"/cases/{case}/documents/{{x}}", INSTITUTE), ("GET", "/cases/{x}/documents/PROPS-2026-1", OWNER),
        ("POST", "/filters/{x}/delete", INSTITUTE), ("POST", "/owner/instruments/{x}/apply", OWNER),
        ("GET", "/rules/versions/{x}/migrate", POLICY), ("POST", "/rules/versions/{x}/migrate", POLICY),
        ("POST", "/rules/migrations/{x}/undo", POLICY), ("GET", "/rules/files/{x}", POLICY),
        ("GET", "/rules/files/{x}/history", POLICY), ("POST", "/rules/files/{x}/discard", POLICY),
        ("POST", "/rules/files/{x}/rollback", POLICY),
    ]


@given(data=st.data())
def _path_segments(prop_app: PropApp, data: st.DataObject) -> None:
    method, template, user = data.draw(st.sampled_from(_paths(prop_app)), "route")
    value = data.draw(st.one_of(odd_text, huge_ints.map(str)).filter(_not_an_id), "segment")
    signed = prop_app.client(user)
    path = template.replace("{x}", url_part(value))
    before = row_counts(prop_app.app)
    body = {"data": {}} if path.endswith("/complete") else None
    response = signed.open(path, method, headers={"X-CSRFToken": signed.csrf}, json=body) if method == "POST" \
        else signed.open(path)
    # The segment names no record, so nothing may be written whatever the status.
    assert response.status_code < 500, f"{response.status_code} for {method} {path}"
    assert row_counts(prop_app.app) == before, f"{method} {path} wrote rows ({response.status_code})"


def test_path_segments(prop_app: PropApp) -> None:
    _path_segments(prop_app)


# -- filing values, followed through the later steps -----------------------------------------------
def _basic(username: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:demo1234".encode()).decode()}


def _clerk_of(prop_app: PropApp, task_id: str) -> str:
    """A user who works ``task_id`` (the demo has one per organisation and role)."""
    with prop_app.app.app_context(), get_system().readers() as s:
        task = s.get(Task, task_id)
        users = s.scalars(select(User).where(User.organisation_id == task.organisation_id)).all()
        return next(u.username for u in users if task.role in u.roles.split(","))


def _open_task(prop_app: PropApp, case_id: int) -> str | None:
    with prop_app.app.app_context(), get_system().readers() as s:
        return s.scalars(select(Task.id).where(Task.case_id == case_id, Task.status == "ready")).first()


def _follow(prop_app: PropApp, case_id: int, data: dict[str, Any] | None = None) -> None:
    """The later steps of a case someone started: its open task's page and API view as its clerk, the case page,
    the owner's ledger, and completing the task with ``data``; none may answer 5xx."""
    task_id = _open_task(prop_app, case_id)
    owner = prop_app.client(OWNER)
    for path in (f"/cases/{case_id}", "/owner/"):
        response = owner.open(path)
        assert response.status_code < 500, f"{response.status_code} on {path} after the case was started"
    if task_id is None:
        return
    clerk = prop_app.client(_clerk_of(prop_app, task_id))
    for path in (f"/tasks/{task_id}", f"/api/tasks/{task_id}", f"/cases/{case_id}", "/", "/api/tasks"):
        response = clerk.open(path)
        assert response.status_code < 500, f"{response.status_code} on {path} at the next step"
    if data is not None:
        response = clerk.open(f"/api/tasks/{task_id}/complete", "POST", json={"data": data},
                              headers={"X-CSRFToken": clerk.csrf})
        assert response.status_code < 500, f"{response.status_code} completing the next step with {data}"


@given(data=st.data())
def _filing_values(prop_app: PropApp, data: st.DataObject) -> None:
    valid = {**DISPENSER, "serial_no": f"H-{next(prop_app.driver.serials)}"}  # a new instrument each time
    item, top = data.draw(one_hostile(valid), "instrument"), data.draw(one_hostile({"county_code": "210181"}), "top")
    body = {"process": "filing", **top, "instruments": [item]}
    owner = prop_app.client(OWNER)
    before = row_counts(prop_app.app)
    response = owner.open("/api/cases", "POST", json=body, headers={"X-CSRFToken": owner.csrf})
    _refused_wrote_nothing(prop_app, before, response, f"filing {body!r:.300}")
    if response.status_code == 201:
        case_id = response.get_json()["case_id"]
        _follow(prop_app, case_id, {"filing_decision": "accept"})
        for instrument_id in _ledger_ids(prop_app, case_id):
            applied = owner.open("/api/cases", "POST", headers={"X-CSRFToken": owner.csrf},
                                 json={"process": "verification_request", "instrument_id": instrument_id})
            assert applied.status_code < 500, f"{applied.status_code} applying for instrument {instrument_id}"
            if applied.status_code == 201:
                _follow(prop_app, applied.get_json()["case_id"], {"acceptance": "accept"})


def _ledger_ids(prop_app: PropApp, case_id: int) -> list[int]:
    with prop_app.app.app_context(), get_system().readers() as s:
        return list(s.scalars(select(Instrument.id).where(Instrument.filing_case_id == case_id)))


def test_filing_values_are_checked_before_any_later_step_uses_them(prop_app: PropApp) -> None:
    _filing_values(prop_app)


@given(instrument_id=st.one_of(huge_ints, json_values), assessing=st.one_of(st.none(), huge_ints, json_values))
def _application_ids(prop_app: PropApp, instrument_id: Any, assessing: Any) -> None:
    owner = prop_app.client(OWNER)
    body = {"process": "verification_request", "instrument_id": instrument_id, "assessing_org_id": assessing}
    before = row_counts(prop_app.app)
    response = owner.open("/api/cases", "POST", json=body, headers={"X-CSRFToken": owner.csrf})
    _refused_wrote_nothing(prop_app, before, response, f"application {body!r:.200}")


def test_application_ids(prop_app: PropApp) -> None:
    _application_ids(prop_app)


# -- task data -------------------------------------------------------------------------------------
TASKS = {"review_filing": HANDLER, "accept_application": INSTITUTE, "verify": INSTITUTE}


@given(data=st.data())
def _task_data(prop_app: PropApp, data: st.DataObject) -> None:
    spec = data.draw(st.sampled_from(sorted(TASKS)), "task")
    form = json.loads((BPMN / f"{spec}.schema.json").read_text(encoding="utf-8"))
    values = data.draw(form_data(form), "data")
    task_id = prop_app.driver.ready_task(spec, TASKS[spec])
    clerk = prop_app.client(TASKS[spec])
    before = row_counts(prop_app.app)
    with prop_app.app.app_context(), get_system().readers() as s:
        case_id = s.get(Task, task_id).case_id
    response = clerk.open(f"/api/tasks/{task_id}/complete", "POST", json={"data": values},
                          headers={"X-CSRFToken": clerk.csrf})
    _refused_wrote_nothing(prop_app, before, response, f"{spec} with {values!r:.300}")
    if response.status_code == 200:
        _follow(prop_app, case_id)


def test_task_data_is_checked_before_any_later_step_uses_it(prop_app: PropApp) -> None:
    _task_data(prop_app)


@given(data=st.data())
def _task_page_form(prop_app: PropApp, data: st.DataObject) -> None:
    spec = data.draw(st.sampled_from(sorted(TASKS)), "task")
    form = json.loads((BPMN / f"{spec}.schema.json").read_text(encoding="utf-8"))
    names = [n for n, p in form["properties"].items() if not p.get("readOnly")] + ["_action", "_version"]
    fields = data.draw(st.dictionaries(st.sampled_from(names), odd_text, max_size=4), "fields")
    task_id = prop_app.driver.ready_task(spec, TASKS[spec])
    clerk = prop_app.client(TASKS[spec])
    before = row_counts(prop_app.app)
    response = clerk.open(f"/tasks/{task_id}", "POST", data=form_body({**fields, "csrf_token": clerk.csrf}),
                          content_type=FORM)
    _refused_wrote_nothing(prop_app, before, response, f"task page {spec} with {fields!r:.300}")


def test_task_page_form(prop_app: PropApp) -> None:
    _task_page_form(prop_app)


# -- raw bodies ------------------------------------------------------------------------------------
@given(body=raw_json_bodies, target=st.sampled_from(["cases", "complete", "claim"]))
def _raw_bodies(prop_app: PropApp, body: bytes, target: str) -> None:
    user = OWNER if target == "cases" else INSTITUTE
    signed = prop_app.client(user)
    path = "/api/cases" if target == "cases" else \
        f"/api/tasks/{prop_app.driver.ready_task('accept_application', INSTITUTE)}/{target}"
    before = row_counts(prop_app.app)
    response = signed.open(path, "POST", data=body, content_type="application/json",
                           headers={"X-CSRFToken": signed.csrf})
    if target == "claim":  # a claim takes no body: it may succeed, then release it again for the next example
        assert response.status_code < 500, f"{response.status_code} for {body[:100]!r}"
        if response.status_code == 200:
            signed.open(path.replace("/claim", "/release"), "POST", headers={"X-CSRFToken": signed.csrf})
        return
    _refused_wrote_nothing(prop_app, before, response, f"POST {path} {body[:100]!r}")


def test_raw_json_bodies(prop_app: PropApp) -> None:
    _raw_bodies(prop_app)


# -- saved filters ---------------------------------------------------------------------------------
@given(name=odd_text, shared=st.sampled_from(["1", "0", "\x00", "2147483648"]), view=st.sampled_from(["all", "mine"]))
def _filter_names(prop_app: PropApp, name: str, shared: str, view: str) -> None:
    clerk = prop_app.client(INSTITUTE)
    before = row_counts(prop_app.app)
    response = clerk.open("/filters", "POST", data=form_body({"name": name, "shared": shared, "view": view,
                                                               "csrf_token": clerk.csrf}), content_type=FORM)
    _refused_wrote_nothing(prop_app, before, response, f"filter name {name!r:.100}")
    page = clerk.open("/")
    assert page.status_code < 500, f"the inbox answers {page.status_code} after saving filter {name!r:.100}"


def test_saved_filter_names(prop_app: PropApp) -> None:
    _filter_names(prop_app)


# -- the owner's filing form and upload ------------------------------------------------------------
FILING_FIELDS = ("county_code", *(f"instruments-0-{n}" for n in ("name", "model", "serial_no", "instrument_type",
                                                                   "category", "in_catalogue", "purpose", "location")))


@given(data=st.data())
def _owner_form(prop_app: PropApp, data: st.DataObject) -> None:
    fields = {"county_code": "210181", **{f"instruments-0-{k}": str(v).lower() if isinstance(v, bool) else v
                                          for k, v in DISPENSER.items()}}
    fields["instruments-0-serial_no"] = f"F-{next(prop_app.driver.serials)}"
    fields.update(data.draw(st.dictionaries(st.sampled_from([*FILING_FIELDS, "_action"]), odd_text, min_size=1,
                                            max_size=3), "hostile"))
    owner = prop_app.client(OWNER)
    before = row_counts(prop_app.app)
    response = owner.open("/owner/filings/new", "POST", data=form_body({**fields, "csrf_token": owner.csrf}),
                          content_type=FORM)
    _refused_wrote_nothing(prop_app, before, response, f"filing form {fields!r:.300}")
    if response.status_code == 302:
        with prop_app.app.app_context(), get_system().readers() as s:
            case_id = s.scalar(select(func.max(Case.id)))
        _follow(prop_app, case_id, {"filing_decision": "accept"})


def test_owner_filing_form(prop_app: PropApp) -> None:
    _owner_form(prop_app)


CSV_HEADER = "器具名称,型号规格,出厂编号,器具类型,类别,是否列入强检目录,用途,使用地点"


@settings(max_examples=max(5, settings().max_examples // 2))
@given(cells=st.lists(st.one_of(st.sampled_from(["燃油加油机", "DJY", "工作计量器具", "是", "贸易结算"]), odd_text),
                      min_size=1, max_size=10),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]), extra=st.sampled_from(["", "\n\n", ",,,"]))
def _upload(prop_app: PropApp, cells: list[str], encoding: str, extra: str) -> None:
    row = ",".join(json.dumps(c, ensure_ascii=False) if "," in c or '"' in c else c for c in cells)
    text = f"{CSV_HEADER}\n{row}{extra}\n"
    raw = text.encode(encoding, "surrogatepass") if encoding.startswith("utf-8") else \
        text.encode(encoding, "replace")
    owner = prop_app.client(OWNER)
    before = row_counts(prop_app.app)
    body, content_type = multipart_body({"county_code": "210181", "csrf_token": owner.csrf}, "list.csv", raw)
    response = owner.open("/owner/filings/upload", "POST", data=body, content_type=content_type)
    _refused_wrote_nothing(prop_app, before, response, f"CSV row {row!r:.300} ({encoding})")


def test_owner_csv_upload(prop_app: PropApp) -> None:
    _upload(prop_app)


# -- sign-in ---------------------------------------------------------------------------------------
@settings(max_examples=max(3, settings().max_examples // 4))
@given(username=st.one_of(odd_text, st.uuids().map(str)), password=odd_text, basic=st.booleans())
def _sign_in(prop_app: PropApp, username: str, password: str, basic: bool) -> None:
    """Random usernames, so a per-account sign-in lock never locks a demo account the other tests use."""
    before = business_counts(prop_app.app)
    client = prop_app.app.test_client()
    if basic:
        raw = username.encode("utf-8", "surrogatepass") + b":" + password.encode("utf-8", "surrogatepass")
        response = SignedIn(client, "", "").open("/api/tasks", headers={
            "Authorization": "Basic " + base64.b64encode(raw).decode()})
    else:
        token = csrf_on(client, "/auth/login")
        response = SignedIn(client, "", "").open("/auth/login", "POST", content_type=FORM, data=form_body(
            {"username": username, "password": password, "csrf_token": token}))
    assert response.status_code < 500, f"{response.status_code} signing in as {username!r:.100}"
    assert response.status_code != 302, "a random username was signed in"
    assert business_counts(prop_app.app) == before


def test_sign_in_with_hostile_credentials(prop_app: PropApp) -> None:
    _sign_in(prop_app)
