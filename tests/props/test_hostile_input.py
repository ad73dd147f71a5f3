"""Hostile input through the URLs and the JSON API, on both databases: query parameters, path segments, filing
values and task data (each followed through the later steps), application ids and raw bodies. Properties: never a
5xx; a refused request (4xx) writes nothing. The pages' forms are in test_hostile_forms.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine import Instrument, Task
from web.shared.system import get_system

from .checks import follow, refused_wrote_nothing
from .conftest import (
    BUREAU,
    DISPENSER,
    HANDLER,
    INSTITUTE,
    OWNER,
    POLICY,
    PropApp,
    row_counts,
)
from .strategies import (
    form_data,
    huge_ints,
    json_values,
    odd_text,
    one_hostile,
    raw_json_bodies,
    url_part,
)

# A falsifying example holding a 140 KB string is reported as it is (hypothesis warns about the long repr).
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
BPMN = Path(__file__).resolve().parents[2] / "bpmn"


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


# The stuck-cases page's parameters, the process heatmap's and the yearly reports' (each page ignores the others').
STUCK_PARAMS = ("tab", "city", "county", "institute", "process_id", "spec_name", "age", "idle_days", "page",
                "process", "activity", "overdue", "year")


@given(data=st.data())
def _stuck_params(prop_app: PropApp, data: st.DataObject) -> None:
    params = data.draw(st.dictionaries(st.sampled_from(STUCK_PARAMS), st.one_of(odd_text, huge_ints.map(str)),
                                       min_size=1, max_size=3), "params")
    path = data.draw(st.sampled_from(["/manage/stuck", "/manage/stuck.csv", "/manage/stuck.xlsx",
                                                 "/manage/heatmap/", "/manage/reports", "/manage/reports/print",
                                                 "/manage/reports/export.csv"]), "path")
    query = "&".join(f"{name}={url_part(value)}" for name, value in params.items())
    before = row_counts(prop_app.app)
    response = prop_app.client(BUREAU).open(f"{path}?{query}")  # 沈阳's bureau: a manager
    assert response.status_code < 500, f"{response.status_code} for {path}?{query}"
    assert row_counts(prop_app.app) == before, "a read wrote rows"


def test_stuck_case_query_parameters(prop_app: PropApp) -> None:
    _stuck_params(prop_app)


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
        ("POST", "/rules/files/{x}/rollback", POLICY), ("GET", "/manage/reports/{x}/print", BUREAU),
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
@settings(max_examples=settings().max_examples * 3)  # the values a later step reads: worth more examples
@given(data=st.data())
def _filing_values(prop_app: PropApp, data: st.DataObject) -> None:
    valid = {**DISPENSER, "serial_no": f"H-{next(prop_app.driver.serials)}"}  # a new instrument each time
    item, top = data.draw(one_hostile(valid), "instrument"), data.draw(one_hostile({"county_code": "210181"}), "top")
    body = {"process": "filing", **top, "instruments": [item]}
    owner = prop_app.client(OWNER)
    before = row_counts(prop_app.app)
    response = owner.open("/api/cases", "POST", json=body, headers={"X-CSRFToken": owner.csrf})
    refused_wrote_nothing(prop_app, before, response, f"filing {body!r:.300}")
    if response.status_code == 201:
        case_id = response.get_json()["case_id"]
        follow(prop_app, case_id, {"filing_decision": "accept"})
        for instrument_id in _ledger_ids(prop_app, case_id):
            applied = owner.open("/api/cases", "POST", headers={"X-CSRFToken": owner.csrf},
                                 json={"process": "verification_request", "instrument_id": instrument_id})
            assert applied.status_code < 500, f"{applied.status_code} applying for instrument {instrument_id}"
            if applied.status_code == 201:
                follow(prop_app, applied.get_json()["case_id"], {"acceptance": "accept"})


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
    refused_wrote_nothing(prop_app, before, response, f"application {body!r:.200}")


def test_application_ids(prop_app: PropApp) -> None:
    _application_ids(prop_app)


# -- task data -------------------------------------------------------------------------------------
TASKS = {"review_filing": HANDLER, "accept_application": INSTITUTE, "verify": INSTITUTE}


@settings(max_examples=settings().max_examples * 3)
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
    refused_wrote_nothing(prop_app, before, response, f"{spec} with {values!r:.300}")
    if response.status_code == 200:
        follow(prop_app, case_id)


def test_task_data_is_checked_before_any_later_step_uses_it(prop_app: PropApp) -> None:
    _task_data(prop_app)


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
    refused_wrote_nothing(prop_app, before, response, f"POST {path} {body[:100]!r}")


def test_raw_json_bodies(prop_app: PropApp) -> None:
    _raw_bodies(prop_app)


