"""Security headers on every response: a strict CSP (wider only on the decision-table editor), no framing,
no sniffing, a same-origin referrer; HTTPS-only parts off unless asked for. No template has inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from web import create_app

TEMPLATES = Path(__file__).resolve().parents[3] / "web" / "templates"


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_every_page_says_no_framing_no_sniffing_and_a_strict_policy(client):
    response = client.get("/auth/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = _policy(response)
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'" and policy["form-action"] == "'self'"
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert policy["style-src-attr"] == "'unsafe-inline'"  # bpmn-js/dmn-js position shapes with style attributes
    assert "style-src-elem" not in policy


def test_json_and_error_answers_carry_the_headers_too(client):
    for response in (client.get("/api/tasks"), client.get("/no/such/page")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in response.headers


def test_only_the_decision_table_editor_allows_style_elements(client, auth):
    auth.login("policy")
    decision = _policy(client.get("/rules/files/application_routing.dmn"))
    assert decision["style-src-elem"] == "'self' 'unsafe-inline'" and decision["script-src"] == "'self'"
    process = client.get("/rules/files/verification_request.bpmn")
    assert process.status_code == 200 and "style-src-elem" not in _policy(process)


def test_http_is_allowed_and_no_hsts_by_default(client):
    response = client.get("/auth/login")
    assert response.status_code == 200 and "Strict-Transport-Security" not in response.headers


def test_https_only_redirects_sends_hsts_and_secure_cookies(tmp_path, sqlite_template):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "HTTPS_ONLY": True,
                      "DATABASE_URL": f"sqlite:///{sqlite_template}"})
    client = app.test_client()
    response = client.get("/auth/login")
    assert response.status_code == 302 and response.headers["Location"].startswith("https://")
    secure = client.get("/auth/login", base_url="https://localhost")
    assert secure.status_code == 200 and secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_the_environment_turns_settings_on(monkeypatch, sqlite_template):
    monkeypatch.setenv("QIANGJIAN_DATABASE_URL", f"sqlite:///{sqlite_template}")
    monkeypatch.setenv("QIANGJIAN_HTTPS_ONLY", "1")
    monkeypatch.setenv("QIANGJIAN_SIGN_IN_ACCOUNT_FAILURES", "7")
    app = create_app()
    assert app.config["HTTPS_ONLY"] is True and app.config["SIGN_IN_ACCOUNT_FAILURES"] == 7
    monkeypatch.setenv("QIANGJIAN_PROXY_COUNT", "two")
    with pytest.raises(RuntimeError, match="QIANGJIAN_PROXY_COUNT"):
        create_app()


def test_proxy_count_takes_the_address_from_the_trusted_proxy(sqlite_template):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "PROXY_COUNT": 1,
                      "DATABASE_URL": f"sqlite:///{sqlite_template}"})

    @app.route("/_address")
    def address() -> str:
        from web.shared.sign_in_guard import client_address

        return client_address()

    client = app.test_client()
    answer = client.get("/_address", headers={"X-Forwarded-For": "1.2.3.4, 10.0.0.9"})
    assert answer.get_data(as_text=True) == "10.0.0.9"  # only the last hop, added by our one proxy, is believed


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_has_inline_script_or_event_handlers(template):
    text = template.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script in {template.name}: {tag}"
    assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {template.name}"
    assert "javascript:" not in text
