"""Sign-in throttling and locking: per address (Flask-Limiter), per account (from the audit), trusted
devices, the audit rows, the 429 answers; sign-out revokes the session on the server. Both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import SIGN_IN_FAILED, SIGN_IN_LOCKED, AuditEntry, User, prepare_database, revoke_all_sessions
from web import create_app
from web.shared.system import get_system

from ..conftest import csrf_token

RIGHT = "demo1234"
CLERK = "shenyang_institute"
ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
CLERK_DESK = {"REMOTE_ADDR": "10.1.2.3"}
TOO_MANY = "登录失败次数过多"


@pytest.fixture
def guarded(any_database, clock, tmp_path) -> Iterator[Flask]:
    """The app on SQLite or PostgreSQL with small limits: 3 failures lock an account, 6 an address."""
    clock.set("2026-09-28T09:00:00+08:00")
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": any_database.url, "CLOCK": clock,
                      "DRAFTS_DIR": tmp_path / "drafts", "SIGN_IN_ACCOUNT_FAILURES": 3,
                      "SIGN_IN_LOCK_SECONDS": 900, "SIGN_IN_ADDRESS_LIMIT": "6 per 15 minutes"})
    with app.app_context():
        prepare_database(get_system(), demo=True)
    yield app
    with app.app_context():
        get_system().db.dispose()  # before the test database is dropped


def _client(app: Flask, address: dict[str, str]) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update(address)
    return client


def _form(client: FlaskClient, username: str, password: str):
    token = csrf_token(client, "/auth/login")
    return client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token})


def _basic(client: FlaskClient, username: str, password: str):
    return client.get("/api/tasks", auth=(username, password))


def _events(app: Flask) -> list[AuditEntry]:
    with app.app_context(), get_system().readers() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action.in_((SIGN_IN_FAILED, SIGN_IN_LOCKED)))
                               .order_by(AuditEntry.id)))


def test_failures_lock_the_account_and_even_the_right_password_is_refused(guarded):
    attacker = _client(guarded, ATTACKER)
    for _ in range(3):
        assert _form(attacker, CLERK, "guess").status_code == 422
    response = _form(attacker, CLERK, RIGHT)
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) == 900
    assert 'id="password-error"' in page and "登录失败次数过多，请 15 分钟后再试" in page
    assert attacker.get("/").status_code == 302  # not signed in


def test_failures_are_audited_with_username_and_address_never_the_password(guarded):
    attacker = _client(guarded, ATTACKER)
    for _ in range(3):
        _form(attacker, CLERK, "secret-guess")
    _form(attacker, CLERK, RIGHT)  # refused while locked: not written again
    events = _events(guarded)
    assert [e.action for e in events] == [SIGN_IN_FAILED] * 3 + [SIGN_IN_LOCKED]
    with guarded.app_context(), get_system().readers() as db:
        clerk_id = db.scalars(select(User.id).where(User.username == CLERK)).one()
    for event in events:
        assert event.actor == CLERK and event.actor_id == clerk_id
        assert event.after["address"] == "203.0.113.9" and event.after["channel"] == "form"
        assert "secret-guess" not in json.dumps(event.after) and RIGHT not in json.dumps(event.after)
    assert events[-1].after["scope"] == "account"


def test_the_lock_ends_after_its_time(guarded, clock):
    attacker = _client(guarded, ATTACKER)
    for _ in range(3):
        _form(attacker, CLERK, "guess")
    clock.advance(seconds=899)
    assert _form(attacker, CLERK, RIGHT).status_code == 429
    clock.advance(seconds=2)
    assert _form(attacker, CLERK, RIGHT).status_code == 302


def test_the_account_lock_holds_across_addresses_and_over_basic_auth(guarded):
    first, second = _client(guarded, ATTACKER), _client(guarded, {"REMOTE_ADDR": "198.51.100.7"})
    _form(first, CLERK, "guess")
    assert _basic(second, CLERK, "guess").status_code == 401
    assert _basic(first, CLERK, "guess").status_code == 401
    response = _basic(second, CLERK, RIGHT)
    assert response.status_code == 429 and response.is_json
    body = response.get_json()
    assert body["retry_after"] == 900 and response.headers["Retry-After"] == "900"
    assert body["error"] == "登录尝试过多" and TOO_MANY in body["detail"]
    assert [e.after["channel"] for e in _events(guarded)][:3] == ["form", "basic", "basic"]


def test_unknown_usernames_lock_the_same_way(guarded):
    attacker = _client(guarded, ATTACKER)
    for _ in range(3):
        assert _form(attacker, "nobody_here", "guess").status_code == 422
    assert _form(attacker, "nobody_here", "guess").status_code == 429
    assert [e.actor for e in _events(guarded)] == ["nobody_here"] * 4 and _events(guarded)[0].actor_id is None


def test_one_address_is_throttled_across_accounts_form_and_basic(guarded):
    attacker, clerk = _client(guarded, ATTACKER), _client(guarded, CLERK_DESK)
    for index in range(3):
        assert _form(attacker, f"user{index}", "guess").status_code == 422
    for index in range(3, 6):
        assert _basic(attacker, f"user{index}", "guess").status_code == 401
    assert _form(attacker, CLERK, RIGHT).status_code == 429  # the address, not the account, is limited
    response = _basic(attacker, "dalian_institute", RIGHT)
    assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 900
    address_locks = [e for e in _events(guarded) if e.action == SIGN_IN_LOCKED]
    assert [e.after["scope"] for e in address_locks] == ["address"]
    assert _form(clerk, CLERK, RIGHT).status_code == 302  # another address is not affected


def test_right_passwords_do_not_count_against_the_address(guarded):
    client = _client(guarded, CLERK_DESK)
    for _ in range(10):
        assert _basic(client, CLERK, RIGHT).status_code == 200
    assert _events(guarded) == []


def test_a_trusted_device_is_exempt_from_the_account_lock(guarded, clock):
    clerk, attacker = _client(guarded, CLERK_DESK), _client(guarded, ATTACKER)
    assert _form(clerk, CLERK, RIGHT).status_code == 302  # this browser is now trusted for the clerk
    clerk.post("/auth/logout", data={"csrf_token": csrf_token(clerk, "/")})
    clock.advance(seconds=1)
    for _ in range(3):
        _form(attacker, CLERK, "guess")
    assert _form(attacker, CLERK, RIGHT).status_code == 429
    assert _form(clerk, CLERK, RIGHT).status_code == 302  # the clerk is not locked out of their own desk
    assert _form(clerk, "dalian_institute", RIGHT).status_code == 302  # others' locks would still apply


def test_a_forged_trusted_device_cookie_is_ignored(guarded):
    attacker = _client(guarded, ATTACKER)
    for _ in range(3):
        _form(attacker, CLERK, "guess")
    attacker.set_cookie("qj_trusted_device", '["shenyang_institute"]', path="/auth/")
    assert _form(attacker, CLERK, RIGHT).status_code == 429


def test_failures_before_a_successful_sign_in_are_forgiven(guarded, clock):
    clerk = _client(guarded, CLERK_DESK)
    for _ in range(2):
        _form(clerk, CLERK, "typo")
    clock.advance(seconds=1)
    assert _form(clerk, CLERK, RIGHT).status_code == 302
    clerk.post("/auth/logout", data={"csrf_token": csrf_token(clerk, "/")})
    clock.advance(seconds=1)
    other = _client(guarded, ATTACKER)
    for _ in range(2):
        _form(other, CLERK, "typo")  # 4 failures in the window, but only 2 since the last sign-in
    assert _form(other, CLERK, RIGHT).status_code == 302


def test_a_username_no_account_can_have_is_refused_not_a_500(guarded):
    attacker = _client(guarded, ATTACKER)
    # A NUL never reaches the sign-in check: the input guard refuses it for every request (400).
    assert _form(attacker, "a\x00b", "guess").status_code == 400
    assert _basic(attacker, "a\x00b", "guess").status_code == 400
    assert _form(attacker, "x" * 300, "guess").status_code == 422
    assert _basic(attacker, "x" * 300, "guess").status_code == 401
    token = csrf_token(attacker, "/auth/login")  # a UTF-8-encoded lone surrogate, which no client library sends
    response = attacker.post("/auth/login", data=f"username=%ED%A0%80&password=x&csrf_token={token}",
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    actors = [e.actor for e in _events(guarded)]
    assert len(actors) == 3 and all(len(a) <= 100 and "\x00" not in a for a in actors)  # the NULs never got here


def test_a_cookie_captured_before_sign_out_no_longer_works(guarded):
    clerk = _client(guarded, CLERK_DESK)
    assert _form(clerk, CLERK, RIGHT).status_code == 302
    captured = clerk.get_cookie("session")
    assert captured is not None and clerk.get("/").status_code == 200
    clerk.post("/auth/logout", data={"csrf_token": csrf_token(clerk, "/")})
    replay = _client(guarded, ATTACKER)
    replay.set_cookie("session", captured.value)
    response = replay.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    assert replay.get("/api/tasks").status_code == 401


def test_revoking_all_sessions_signs_a_user_out_everywhere(guarded):
    first, second = _client(guarded, CLERK_DESK), _client(guarded, ATTACKER)
    for client in (first, second):
        assert _form(client, CLERK, RIGHT).status_code == 302
    with guarded.app_context(), get_system().sessions() as db, db.begin():
        user_id = db.scalars(select(User.id).where(User.username == CLERK)).one()
        assert revoke_all_sessions(db, user_id, get_system().engine.clock() + timedelta(seconds=1)) == 2
    assert first.get("/").status_code == 302 and second.get("/").status_code == 302


def test_the_openapi_document_lists_429_for_signed_in_operations(client):
    document = client.get("/api/openapi.json").get_json()
    tasks = document["paths"]["/api/tasks"]["get"]["responses"]
    assert "429" in tasks and "429" not in document["paths"]["/api/openapi.json"]["get"]["responses"]
    too_many = document["components"]["responses"]["TooManySignInAttempts"]
    assert "Retry-After" in too_many["headers"]
    assert "retry_after" in document["components"]["schemas"]["Error"]["properties"]


def test_administrators_see_recent_failed_sign_ins_and_others_do_not(client, auth):
    auth.login("nobody_here", "guess")
    auth.login("shenyang_institute", "guess")
    auth.login("shenyang_institute")
    assert client.get("/admin/sign-ins").status_code == 403
    auth.logout()
    auth.login("admin")
    page = client.get("/admin/sign-ins").get_data(as_text=True)
    assert "登录失败记录" in page and page.count('class="sign_in_failed"') == 2
    assert "nobody_here" in page and "127.0.0.1" in page and "guess" not in page


def test_a_manager_sees_only_failures_on_their_own_organisations_accounts(client, auth):
    auth.login("nobody_here", "guess")
    auth.login("shenyang_institute", "guess")  # another organisation
    auth.login("shenyang_bureau", "typo")
    auth.login("shenyang_bureau")
    page = client.get("/admin/sign-ins").get_data(as_text=True)
    assert page.count('class="sign_in_failed"') == 1 and "本单位账号" in page
    assert "shenyang_bureau" in page and "nobody_here" not in page and "shenyang_institute" not in page


def test_the_reported_attack_is_stopped_with_the_default_settings(app, client):
    """Issue 8: 60 wrong passwords on the form, then 200 over Basic, then the right one was accepted."""
    token = csrf_token(client, "/auth/login")
    answers = [client.post("/auth/login", data={"username": CLERK, "password": f"guess{n}", "csrf_token": token})
               .status_code for n in range(60)]
    answers += [_basic(client, CLERK, f"guess{n}").status_code for n in range(200)]
    assert answers[:10] == [422] * 10 and set(answers[10:60]) == {429} and set(answers[60:]) == {429}
    assert _form(client, CLERK, RIGHT).status_code == 429 and _basic(client, CLERK, RIGHT).status_code == 429
    assert [e.action for e in _events(app)] == [SIGN_IN_FAILED] * 10 + [SIGN_IN_LOCKED]
