"""Sign-in: hashed passwords, CSRF on every form, secure cookie flags, sign-out."""

from __future__ import annotations

from .conftest import csrf_token


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
    assert response.status_code == 400 and "用户名或密码不正确" in page and 'id="password-error"' in page


def test_a_form_without_the_csrf_token_is_refused(client):
    response = client.post("/auth/login", data={"username": "shenyang_institute", "password": "demo1234"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not signed in


def test_session_cookie_is_http_only_and_same_site(client, auth):
    response = auth.login("shenyang_institute")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_open_redirect_is_not_followed(client):
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login?next=//evil.example/", data={
        "username": "shenyang_institute", "password": "demo1234", "csrf_token": token})
    assert response.headers["Location"] == "/"
