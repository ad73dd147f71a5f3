"""Sign-in: hashed passwords, CSRF on every form, secure cookie flags, sign-out."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import update

from engine import User
from web.shared.credentials import check_credentials
from web.shared.system import get_system

from ..conftest import csrf_token


def test_pages_require_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_sign_in_and_out(client, auth):
    response = auth.login("shenyang_institute")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "待办任务" in page and "沈阳市计量测试研究院" in page
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_beside_the_field(client, auth):
    response = auth.login("shenyang_institute", "wrong")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "用户名或密码不正确" in page and 'id="password-error"' in page


def test_an_empty_form_is_refused_beside_each_field(client, auth):
    response = auth.login("", "")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请输入用户名" in page and "请输入密码" in page


def test_a_form_without_the_csrf_token_is_refused(client):
    response = client.post("/auth/login", data={"username": "shenyang_institute", "password": "demo1234"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not signed in


def test_session_cookie_is_http_only_and_same_site(client, auth):
    response = auth.login("shenyang_institute")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _login_with_next(client, next_: str):
    token = csrf_token(client, "/auth/login")
    return client.post(f"/auth/login?next={next_}", data={
        "username": "shenyang_institute", "password": "demo1234", "csrf_token": token})


@pytest.mark.parametrize("next_", ["//evil.example/", "/%09/evil.example", "/%0a/evil.example", "/%5Cevil.example",
                                   "https://evil.example/", "javascript:alert(1)"])
def test_open_redirect_is_not_followed(client, next_):
    response = _login_with_next(client, next_)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_sign_in_returns_to_the_page_and_query_asked_for(client):
    response = client.get("/?view=mine&due=overdue")
    [next_] = parse_qs(urlsplit(response.headers["Location"]).query)["next"]
    assert next_ == "/?view=mine&due=overdue"
    assert _login_with_next(client, quote(next_, safe="")).headers["Location"] == "/?view=mine&due=overdue"


def test_a_page_without_a_query_is_remembered_without_a_question_mark(client):
    response = client.get("/cases/1")
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == ["/cases/1"]


def test_sign_out_by_get_is_a_chinese_405(client, auth):
    auth.login("shenyang_institute")
    response = client.get("/auth/logout")
    page = response.get_data(as_text=True)
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert "不支持该请求方法" in page and "该地址不接受 GET 请求" in page and "Method Not Allowed" not in page


def test_an_unknown_or_inactive_username_is_hashed_like_a_wrong_password(app, monkeypatch):
    """Every answer checks one password hash, so its timing does not tell which usernames exist."""
    import web.shared.credentials

    checked: list[str] = []
    real = web.shared.credentials.check_password_hash
    monkeypatch.setattr(web.shared.credentials, "check_password_hash",
                        lambda h, p: checked.append(h.split("$")[0]) or real(h, p))
    with app.app_context(), get_system().sessions() as db, db.begin():
        db.execute(update(User).where(User.username == "dalian_institute").values(active=False))
    with app.app_context(), get_system().readers() as db:
        for username, password in (("shenyang_institute", "wrong"), ("nobody", "wrong"),
                                   ("dalian_institute", "demo1234")):
            assert check_credentials(db, username, password) is None
        assert check_credentials(db, "shenyang_institute", "demo1234") is not None
    assert len(checked) == 4 and len(set(checked)) == 1  # one hash each, all of the same method and cost

