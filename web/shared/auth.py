"""Sign-in and sign-out; ``login_required`` for views; the signed-in user on ``g``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, flash, g, make_response, redirect, render_template, request, session, url_for

from engine import Organisation, User, actor_for, open_user_session, revoke_user_session, session_user

from . import credentials, sign_in_guard
from .redirects import safe_next
from .system import get_session, get_system, write_session

bp = Blueprint("auth", __name__, url_prefix="/auth")
View = TypeVar("View", bound=Callable[..., Any])

ROLE_NAMES = {
    "owner": "使用单位", "institute": "检定机构", "bureau": "市场监管部门", "filing_handler": "备案受理",
    "policy": "政策管理", "manager": "监督管理", "admin": "系统管理",
}


def init_app(app: Flask) -> None:
    """Load the signed-in user before each request and offer the role names to templates."""
    app.before_request(load_logged_in_user)
    app.jinja_env.globals["ROLE_NAMES"] = ROLE_NAMES
    credentials.warm_up()  # made now, so the first unknown username is not slower than the rest


def load_logged_in_user() -> None:
    """Put the signed-in user, their organisation and their engine actor on ``g``."""
    session_id = session.get("sid")
    g.user = g.actor = g.organisation = None
    if session_id is None:
        if "user_id" in session:  # a cookie from before server-side sessions: sign in again
            session.clear()
        return
    user = session_user(get_session(), str(session_id))
    if user is None or user.id != session.get("user_id"):  # signed out (revoked), or the account is off
        session.clear()
        return
    g.user, g.actor = user, actor_for(user)
    g.organisation = get_session().get(Organisation, user.organisation_id)


def login_required(view: View) -> View:
    """Redirect to the sign-in page unless someone is signed in."""

    @functools.wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        if g.user is None:
            return redirect(url_for("auth.login", next=_requested_path()))
        return view(**kwargs)

    return wrapped  # type: ignore[return-value]


def _requested_path() -> str:
    """The path and query string asked for ("/?view=mine"), to come back to after signing in."""
    return request.full_path if request.query_string else request.path  # full_path ends in "?" without one


@bp.route("/login", methods=("GET", "POST"))
def login() -> Any:
    """Sign in with username and password; the same message for an unknown user and a wrong password.

    Too many failures answer 429 with the wait beside the form (``sign_in_guard``).
    """
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username:
            errors["username"] = "请输入用户名"
        if not password:
            errors["password"] = "请输入密码"
        if not errors:
            try:
                user = sign_in_guard.authenticate(username, password, "form")
            except sign_in_guard.SignInRefused as refused:
                errors["password"] = refused.message
                response = make_response(render_template("shared/auth/login.html", errors=errors), 429)
                response.headers["Retry-After"] = str(refused.retry_after)
                return response
            if user is None:
                errors["password"] = "用户名或密码不正确"
            else:
                return _signed_in(user)
        status = 422
    return render_template("shared/auth/login.html", errors=errors), status


def _signed_in(user: User) -> Any:
    """Start a server-side session for ``user`` and trust this browser for their account."""
    with write_session() as db:
        session_id = open_user_session(db, user.id, sign_in_guard.client_address(), get_system().engine.clock())
    session.clear()
    session["user_id"], session["sid"] = user.id, session_id
    response = redirect(safe_next(request.args.get("next"), url_for("tasks.index")))
    sign_in_guard.remember_device(response, user.username)
    return response


@bp.route("/logout", methods=("POST",))
def logout() -> Any:
    """Sign out: the session is revoked on the server, so a copy of the cookie stops working too."""
    session_id = session.get("sid")
    if session_id is not None:
        with write_session() as db:
            revoke_user_session(db, str(session_id), get_system().engine.clock())
    session.clear()
    flash("已退出登录")
    return redirect(url_for("auth.login"))
