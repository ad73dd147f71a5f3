"""Recent failed sign-ins and locks, to spot password guessing: administrators see every attempt,
managers only those on their own organisation's accounts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, g, render_template

from engine import SIGN_IN_LOCKED, Role, recent_sign_in_events

from .auth import login_required
from .system import get_session, get_system

bp = Blueprint("sign_in_log", __name__, url_prefix="/admin")
VIEWERS = frozenset({Role.ADMIN.value, Role.MANAGER.value})
DAYS = 7
CHANNELS = {"form": "登录页", "basic": "接口（HTTP Basic）"}
SCOPES = {"account": "账号锁定", "address": "来源地址限流"}


@bp.route("/sign-ins")
@login_required
def failures() -> Any:
    """The last week's failed sign-ins and locks, newest first (at most 200)."""
    if not VIEWERS & set(g.actor.roles):
        abort(403, description="仅系统管理和监督管理人员可查看登录失败记录")
    since = get_system().engine.clock() - timedelta(days=DAYS)
    everyone = Role.ADMIN.value in g.actor.roles
    events = recent_sign_in_events(get_session(), since, None if everyone else g.user.organisation_id)
    return render_template("shared/auth/sign_ins.html", events=events, days=DAYS, locked=SIGN_IN_LOCKED,
                           channels=CHANNELS, scopes=SCOPES, everyone=everyone)
