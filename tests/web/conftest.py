"""Web fixtures: an app on a copy of the prepared SQLite database, a client, and a sign-in helper."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import prepare_database
from tests.conftest import FakeClock
from web import create_app
from web.system import get_system

# Browser fixtures are defined once here so every module shares one Playwright session.
from .browser import browser, live_server, page  # noqa: F401


@pytest.fixture
def app(sqlite_template: Path, tmp_path: Path, clock: FakeClock) -> Flask:
    path = tmp_path / "web.sqlite"
    shutil.copy(sqlite_template, path)
    clock.set("2026-09-28T09:00:00+08:00")
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{path}", "CLOCK": clock,
                      "DRAFTS_DIR": tmp_path / "drafts"})
    with app.app_context():
        prepare_database(get_system(), demo=True)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


class Auth:
    """Signs in and out through the real login form (CSRF included)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = "demo1234"):
        token = csrf_token(self.client, "/auth/login")
        return self.client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token})

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/auth/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)

