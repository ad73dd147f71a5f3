"""Sign-in and sign-out; ``login_required`` for views; the signed-in user on ``g``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

from engine import Organisation, User, actor_for

from .system import get_session

bp = Blueprint("auth", __name__, url_prefix="/auth")
View = TypeVar("View", bound=Callable[..., Any])

ROLE_NAMES = {
    "owner": "使用单位", "institute": "检定机构", "bureau": "市场监管部门", "filing_handler": "备案受理",
    "policy": "政策管理", "manager": "监督管理", "admin": "系统管理",
}


def init_app(app: Flask) -> None:
    app.before_request(load_logged_in_user)
    app.jinja_env.globals["ROLE_NAMES"] = ROLE_NAMES


def load_logged_in_user() -> None:
    """Put the signed-in user, their organisation and their engine actor on ``g``."""
    user_id = session.get("user_id")
    g.user = g.actor = g.organisation = None
    if user_id is None:
        return
    user = get_session().get(User, user_id)
    if user is None or not user.active:
        session.clear()
        return
    g.user, g.actor = user, actor_for(user)
    g.organisation = get_session().get(Organisation, user.organisation_id)


def login_required(view: View) -> View:
    """Redirect to the sign-in page unless someone is signed in."""

    @functools.wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        if g.user is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(**kwargs)

    return wrapped  # type: ignore[return-value]


@bp.route("/login", methods=("GET", "POST"))
def login() -> Any:
    """Sign in with username and password; the same message for an unknown user and a wrong password."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username:
            errors["username"] = "请输入用户名"
        if not password:
            errors["password"] = "请输入密码"
        if not errors:
            user = get_session().query(User).filter_by(username=username).one_or_none()
            if user is None or not user.active or not check_password_hash(user.password_hash, password):
                errors["password"] = "用户名或密码不正确"
            else:
                session.clear()
                session["user_id"] = user.id
                target = request.args.get("next", "")
                return redirect(target if target.startswith("/") and not target.startswith("//") else "/")
    return render_template("auth/login.html", errors=errors), (400 if errors else 200)


@bp.route("/logout", methods=("POST",))
def logout() -> Any:
    session.clear()
    flash("已退出登录")
    return redirect(url_for("auth.login"))
