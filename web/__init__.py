"""Qiangjian's web application: server-rendered pages in zh-CN over the engine.

``create_app`` is the only place that wires anything; importing a module has no side effects. The pages
are grouped by the people they serve, each wing a package: ``clerks``, ``owners``, ``rules`` (policy staff)
and ``api``; what they share is in ``shared``. Wings never import each other.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf import CSRFProtect

from engine import SHANGHAI

from . import api, clerks, managers, owners, rules
from .shared import auth, errors, headers, input_guard, sign_in_guard, sign_in_log, system, vendor

csrf = CSRFProtect()

# Every setting, with its default; README.md documents each one.
DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "sqlite:///instance/qiangjian.sqlite",  # SQLAlchemy URL of the engine's database
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # set True behind HTTPS
    "PAGE_SIZE": 20,  # rows per inbox page
    "DRAFTS_DIR": None,  # where task-form drafts are kept; None = instance/drafts
    "WTF_CSRF_TIME_LIMIT": None,  # a form's CSRF token is valid for the whole sign-in (editors stay open for hours)
    "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,  # bytes of a request body; larger is refused with 413
    "SCRIPT_SECONDS": 1.0,  # time budget of one diagram script, condition, timer expression or decision cell
    "SCRIPT_MEMORY_MB": 256,  # memory budget of the same
    "HTTPS_ONLY": False,  # HTTPS redirect, HSTS and Secure cookies (QIANGJIAN_HTTPS_ONLY=1)
    "PROXY_COUNT": 0,  # reverse proxies in front whose X-Forwarded-For/-Proto are trusted
    "RATELIMIT_STORAGE_URI": "memory://",  # sign-in failure counters; redis://host:6379 to share them between workers
    "SIGN_IN_ADDRESS_LIMIT": "30 per 15 minutes",  # failed sign-ins from one address before it must wait
    "SIGN_IN_ACCOUNT_FAILURES": 10,  # failed sign-ins of one username within SIGN_IN_LOCK_SECONDS that lock it
    "SIGN_IN_LOCK_SECONDS": 900,  # the account-lock window and how long the lock lasts
    "CLOCK": None,  # callable giving the aware UTC "now"; None = engine.utc_now (tests inject a settable clock)
}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, the engine system, CSRF, blueprints and error handlers."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        _from_environment(app)
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    input_guard.init_app(app)  # before anything else reads the request
    system.init_app(app)
    headers.init_app(app)
    sign_in_guard.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(auth.bp)
    wings = (*clerks.BLUEPRINTS, *owners.BLUEPRINTS, *rules.BLUEPRINTS, *managers.BLUEPRINTS)
    for blueprint in (*wings, vendor.bp, sign_in_log.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # Basic-auth scripts; api.authenticate checks cookie-session writes itself
    auth.init_app(app)
    errors.init_app(app)
    app.jinja_env.globals["BEIJING"] = SHANGHAI
    return app


# Settings also read from QIANGJIAN_<NAME> environment variables, with how to read each.
ENVIRONMENT: dict[str, Callable[[str], Any]] = {
    "DATABASE_URL": str, "SECRET_KEY": str, "HTTPS_ONLY": lambda value: value.lower() in ("1", "true", "yes", "on"),
    "PROXY_COUNT": int, "RATELIMIT_STORAGE_URI": str, "SIGN_IN_ADDRESS_LIMIT": str,
    "SIGN_IN_ACCOUNT_FAILURES": int, "SIGN_IN_LOCK_SECONDS": int, "SCRIPT_SECONDS": float, "SCRIPT_MEMORY_MB": int,
}


def _from_environment(app: Flask) -> None:
    """Override settings from the environment (``QIANGJIAN_HTTPS_ONLY=1`` ...); a bad number stops the start."""
    for key, read in ENVIRONMENT.items():
        value = os.environ.get(f"QIANGJIAN_{key}")
        if value:
            try:
                app.config[key] = read(value)
            except ValueError as error:
                raise RuntimeError(f"QIANGJIAN_{key}={value!r} is not valid: {error}") from error


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, made once, so sessions survive restarts.

    The file is created readable by its owner only from the start (never world-readable, not even for a
    moment) and exclusively: it never follows a planted symlink, and when another worker made it first,
    that worker's key is used.
    """
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(secrets.token_hex(32))
    return _read_secret(path)


def _read_secret(path: Path, attempts: int = 50) -> str:
    """The key in ``path``; waits briefly while a worker that has just created the file writes it."""
    for _ in range(attempts):
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
        time.sleep(0.02)
    raise RuntimeError(f"{path} is empty; delete it to have a new secret key made")
