"""Every route × role: a clerk never sees or acts on another group's task, an owner sees only its own.

Each route is tried by every kind of user, the denied ones first and the entitled one last, on a case
whose open task (受理检定申请) belongs to the Shenyang city institute and whose owner is 新民市东城加油站.
A coverage test fails when a route is added without a row here.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import Case, InboxFilter, Instrument, SpecVersion, Task, User, actor_for, save_filter
from web.shared.system import get_system

from .clerks.test_tasks import _application
from .conftest import Auth, csrf_token

USERS = ("anonymous", "heping_market", "dalian_institute", "shenyang_bureau", "policy", "xinmin_gas",
         "shenyang_institute")
Expect = dict[str, int | tuple[int, ...]]


def _basic(username: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:demo1234".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _page(method: str, path: Callable[[dict[str, Any]], str],
          data: Callable[[dict[str, Any]], dict[str, Any]] | None = None):
    def call(client: FlaskClient, user: str, ids: dict[str, Any]):
        if user != "anonymous":
            Auth(client).login(user)
        url = path(ids)
        if method == "GET":
            return client.get(url)
        token = csrf_token(client, "/auth/login") if user == "anonymous" else csrf_token(client, "/")
        return client.post(url, data={"csrf_token": token, **(data(ids) if data else {})})
    return call


def _api(method: str, path: Callable[[dict[str, Any]], str],
         body: Callable[[dict[str, Any]], dict[str, Any]] | None = None):
    def call(client: FlaskClient, user: str, ids: dict[str, Any]):
        headers = {} if user == "anonymous" else _basic(user)
        return client.open(path(ids), method=method, headers=headers, json=body(ids) if body else None)
    return call


DENY_CLERKS = {"heping_market": 404, "dalian_institute": 404, "shenyang_bureau": 404, "policy": 404,
               "xinmin_gas": 404}
ROUTES: dict[str, tuple[Callable[..., Any], Expect]] = {
    "tasks.index": (_page("GET", lambda i: "/"), {"anonymous": 302} | {u: 200 for u in USERS[1:]}),
    "tasks.detail": (_page("GET", lambda i: f"/tasks/{i['task']}"),
                     {"anonymous": 302, **DENY_CLERKS, "shenyang_institute": 200}),
    "tasks.act": (_page("POST", lambda i: f"/tasks/{i['task']}",
                        lambda i: {"_action": "complete", "_version": i["version"], "acceptance": "maybe"}),
                  {"anonymous": 302, **DENY_CLERKS, "shenyang_institute": 422}),
    "tasks.claim": (_page("POST", lambda i: f"/tasks/{i['task']}/claim"),
                    {"anonymous": 302, **{u: 403 for u in DENY_CLERKS}, "shenyang_institute": 302}),
    "tasks.release": (_page("POST", lambda i: f"/tasks/{i['task']}/release"),  # the group: "not yours" message
                      {"anonymous": 302, **{u: 403 for u in DENY_CLERKS}, "shenyang_institute": 302}),
    "tasks.bulk": (_page("POST", lambda i: "/tasks/bulk", lambda i: {"action": "claim", "task_id": i["task"]}),
                   {u: 302 for u in USERS}),  # another group's task is skipped and reported, never claimed
    "tasks.save_filter": (_page("POST", lambda i: "/filters", lambda i: {"name": "逾期", "due": "overdue"}),
                          {u: 302 for u in USERS}),
    "tasks.delete_filter": (_page("POST", lambda i: f"/filters/{i['filter']}/delete"),
                            {"anonymous": 302, **DENY_CLERKS, "shenyang_institute": 302}),
    "owner.index": (_page("GET", lambda i: "/owner/"),
                    {"anonymous": 302, "dalian_institute": 403, "shenyang_bureau": 403, "policy": 403,
                     "shenyang_institute": 403, "heping_market": 200, "xinmin_gas": 200}),
    "owner.upload": (_page("GET", lambda i: "/owner/filings/upload"),
                     {"anonymous": 302, "dalian_institute": 403, "shenyang_bureau": 403, "policy": 403,
                      "shenyang_institute": 403, "heping_market": 200, "xinmin_gas": 200}),
    "owner.template": (_page("GET", lambda i: "/owner/filings/template.csv"),
                       {"anonymous": 302, "dalian_institute": 403, "shenyang_bureau": 403, "policy": 403,
                        "shenyang_institute": 403, "heping_market": 200, "xinmin_gas": 200}),
    "owner.template_xlsx": (_page("GET", lambda i: "/owner/filings/template.xlsx"),
                            {"anonymous": 302, "dalian_institute": 403, "shenyang_bureau": 403, "policy": 403,
                             "shenyang_institute": 403, "heping_market": 200, "xinmin_gas": 200}),
    "owner.new_filing": (_page("POST", lambda i: "/owner/filings/new", lambda i: {"_action": "submit"}),
                         {"anonymous": 302, "dalian_institute": 403, "shenyang_bureau": 403, "policy": 403,
                          "shenyang_institute": 403, "heping_market": 422, "xinmin_gas": 422}),  # an empty form
    "owner.apply": (_page("POST", lambda i: f"/owner/instruments/{i['instrument']}/apply"),
                    {"anonymous": 302, "dalian_institute": 403, "shenyang_bureau": 403, "policy": 403,
                     "shenyang_institute": 403, "heping_market": 404, "xinmin_gas": 302}),
    "api.list_tasks": (_api("GET", lambda i: "/api/tasks"), {"anonymous": 401} | {u: 200 for u in USERS[1:]}),
    "api.task_detail": (_api("GET", lambda i: f"/api/tasks/{i['task']}"),
                        {"anonymous": 401, **DENY_CLERKS, "shenyang_institute": 200}),
    "api.claim": (_api("POST", lambda i: f"/api/tasks/{i['task']}/claim"),
                  {"anonymous": 401, **DENY_CLERKS, "shenyang_institute": 200}),
    "api.release": (_api("POST", lambda i: f"/api/tasks/{i['task']}/release"),
                    {"anonymous": 401, **DENY_CLERKS, "shenyang_institute": (403, 404)}),
    "api.complete": (_api("POST", lambda i: f"/api/tasks/{i['task']}/complete",
                          lambda i: {"data": {"acceptance": "x"}}),
                     {"anonymous": 401, **DENY_CLERKS, "shenyang_institute": 422}),
    "api.start_case": (_api("POST", lambda i: "/api/cases", lambda i: {"process": "verification_request",
                                                                        "instrument_id": i["instrument"]}),
                       {"anonymous": 401, "dalian_institute": 403, "shenyang_bureau": 403, "policy": 403,
                        "shenyang_institute": 403, "heping_market": 404, "xinmin_gas": (409, 201)}),
    "api.openapi": (_api("GET", lambda i: "/api/openapi.json"), {u: 200 for u in USERS}),
    "cases.detail": (_page("GET", lambda i: f"/cases/{i['case']}"),
                     {"anonymous": 302, "heping_market": 404, "dalian_institute": 404, "shenyang_bureau": 200,
                      "policy": 404, "xinmin_gas": 200, "shenyang_institute": 200}),
    "cases.document": (_page("GET", lambda i: f"/cases/{i['case']}/documents/JD-none"),
                       {"anonymous": 302} | {u: 404 for u in USERS[1:]}),
    "auth.login": (_page("GET", lambda i: "/auth/login"), {u: 200 for u in USERS}),
    "auth.logout": (_page("POST", lambda i: "/auth/logout"), {u: 302 for u in USERS}),
}
POLICY_ONLY = {"anonymous": 302, "heping_market": 403, "dalian_institute": 403, "shenyang_bureau": 403,
               "xinmin_gas": 403, "shenyang_institute": 403}  # each refusal is audited (tests/web/rules/test_rules.py)
RULES = "verification_request.bpmn"
ROUTES |= {
    "rules.index": (_page("GET", lambda i: "/rules/"), {**POLICY_ONLY, "policy": 200}),
    "rules.editor": (_page("GET", lambda i: f"/rules/files/{RULES}"), {**POLICY_ONLY, "policy": 200}),
    # The editor's JSON endpoints: 401 rather than a redirect when signed out (the page keeps the diagram).
    "rules.rule_drafts.save": (_page("POST", lambda i: f"/rules/files/{RULES}/draft"),
                               {**POLICY_ONLY, "anonymous": 401, "policy": 422}),  # no JSON
    "rules.discard": (_page("POST", lambda i: f"/rules/files/{RULES}/discard"), {**POLICY_ONLY, "policy": 302}),
    "rules.new_form": (_page("POST", lambda i: "/rules/forms/new"), {**POLICY_ONLY, "policy": 302}),
    "rules.rule_drafts.preview_form": (_page("POST", lambda i: "/rules/forms/preview"),
                                       {**POLICY_ONLY, "anonymous": 401, "policy": 422}),
    "rule_releases.publish_drafts": (_page("POST", lambda i: "/rules/publish"), {**POLICY_ONLY, "policy": 302}),
    "rule_releases.history": (_page("GET", lambda i: f"/rules/files/{RULES}/history"),
                              {**POLICY_ONLY, "policy": 200}),
    "rule_releases.roll_back": (_page("POST", lambda i: f"/rules/files/{RULES}/rollback", lambda i: {"number": "1"}),
                                {**POLICY_ONLY, "policy": 302}),
    "rule_migration.migrate": (_page("GET", lambda i: f"/rules/versions/{i['version_id']}/migrate"),
                               {**POLICY_ONLY, "policy": 200}),
    "rule_migration.move": (_page("POST", lambda i: f"/rules/versions/{i['version_id']}/migrate",
                                  lambda i: {"case_id": i["case"]}), {**POLICY_ONLY, "policy": 302}),
    "rule_migration.undo": (_page("POST", lambda i: "/rules/migrations/999/undo"), {**POLICY_ONLY, "policy": 302}),
    # Managers at the handling organisation or above it (tests/web/managers/test_case_actions.py).
    "case_actions.act": (_page("POST", lambda i: f"/manage/cases/{i['case']}/suspend", lambda i: {"reason": "督办"}),
                         {**POLICY_ONLY, "policy": 403, "shenyang_bureau": 302}),
    # Administrators (every attempt; see test_sign_in_guard.py) and managers (their organisation's accounts).
    "sign_in_log.failures": (_page("GET", lambda i: "/admin/sign-ins"),
                             {**POLICY_ONLY, "policy": 403, "shenyang_bureau": 200}),
    # Managers only (each refusal audited); the others are refused whatever their organisation.
    "managers.stuck": (_page("GET", lambda i: "/manage/stuck"), {**POLICY_ONLY, "policy": 403, "shenyang_bureau": 200}),
    "managers.stuck_xlsx": (_page("GET", lambda i: "/manage/stuck.xlsx"),
                            {**POLICY_ONLY, "policy": 403, "shenyang_bureau": 200}),
    "managers.stuck_csv": (_page("GET", lambda i: "/manage/stuck.csv"),
                           {**POLICY_ONLY, "policy": 403, "shenyang_bureau": 200}),
}
MANAGERS_ONLY = {**POLICY_ONLY, "policy": 403, "shenyang_bureau": 200}  # each refusal is audited too
ROUTES |= {
    "figures.index": (_page("GET", lambda i: "/manage/figures/"), MANAGERS_ONLY),
    "figures.export": (_page("GET", lambda i: "/manage/figures/export.xlsx?figure=all"), MANAGERS_ONLY),
    "heatmap.index": (_page("GET", lambda i: "/manage/heatmap/?process=verification_request&activity=verify"),
                      MANAGERS_ONLY),
    "reports.index": (_page("GET", lambda i: "/manage/reports"), MANAGERS_ONLY),
    "reports.export": (_page("GET", lambda i: "/manage/reports/export.xlsx"), MANAGERS_ONLY),
    "reports.print_all": (_page("GET", lambda i: "/manage/reports/print"), MANAGERS_ONLY),
    # A verification case is no yearly report: past the role guard it is not found.
    "reports.print_one": (_page("GET", lambda i: f"/manage/reports/{i['case']}/print"),
                          {**MANAGERS_ONLY, "shenyang_bureau": 404}),
    "reports.start": (_page("POST", lambda i: "/manage/reports/start", lambda i: {"year": "2026"}),
                      {**MANAGERS_ONLY, "shenyang_bureau": 302}),
}
UNGUARDED = {"static", "vendor.file"}  # served files (the vendor route serves an allow-list from node_modules)


def _ids(app: Flask) -> dict[str, Any]:
    case_id = _application(app)
    with app.app_context(), get_system().sessions() as s, s.begin():
        clerk = actor_for(s.scalars(select(User).where(User.username == "shenyang_institute")).one())
        saved = save_filter(s, clerk, "我的逾期", InboxFilter(due="overdue"), False, get_system().engine.clock())
        return {"case": case_id, "task": s.scalars(select(Task.id).where(Task.case_id == case_id)).one(),
                "instrument": s.scalars(select(Instrument.id)).one(), "version": s.get(Case, case_id).version,
                "filter": saved.id, "version_id": s.scalars(select(SpecVersion.id).where(
                    SpecVersion.process_id == "verification_request", SpecVersion.is_current)).one()}


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_answers_each_role_as_expected(app: Flask, endpoint: str):
    ids = _ids(app)
    call, expected = ROUTES[endpoint]
    assert set(expected) == set(USERS), f"{endpoint}: every kind of user must be listed"
    seen = {}
    for user in USERS:  # the entitled users come last: their successful writes cannot hide a leak
        seen[user] = call(app.test_client(), user, ids).status_code
    wanted = {u: (e if isinstance(e, tuple) else (e,)) for u, e in expected.items()}
    wrong = {u: (seen[u], wanted[u]) for u in USERS if seen[u] not in wanted[u]}
    assert not wrong, wrong


def test_every_route_is_in_the_matrix(app: Flask):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - UNGUARDED
    assert endpoints <= set(ROUTES), f"routes without authorisation rows: {sorted(endpoints - set(ROUTES))}"


def test_list_endpoints_never_show_another_groups_task(app: Flask):
    ids = _ids(app)
    for user in ("dalian_institute", "shenyang_bureau", "heping_market"):
        body = app.test_client().get("/api/tasks", headers=_basic(user)).get_json()
        assert ids["task"] not in [item["id"] for item in body["items"]], user
        client = app.test_client()
        Auth(client).login(user)
        assert ids["task"] not in client.get("/").get_data(as_text=True), user
