"""Who may use the rule editor: policy staff only, and every refusal is audited.

The editor shows the rules being drafted, so even reading is for policy staff. A refusal is written
in its own transaction because the request itself fails (403). The editor's JSON endpoints answer a
lapsed sign-in with 401 instead of a redirect: the page's script must keep the unsaved diagram.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, request, url_for

from engine import Role, audit_refusal

from ..shared import get_system, write_session

LOGIN_EXPIRED = "登录已过期，请在新标签页重新登录后再保存"
JSON_BLUEPRINTS = {"rules.rule_drafts"}  # fetched by the editor page (web/rules/rule_drafts.py)


def guard_policy(bp: Blueprint) -> None:
    """Make every route of ``bp`` sign-in only and policy only (others get 403 and an audit entry)."""
    bp.before_request(_only_policy)


def _only_policy() -> Any:
    if g.user is None:
        if request.blueprint in JSON_BLUEPRINTS:
            abort(401, description=LOGIN_EXPIRED)
        path = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.login", next=path))
    if Role.POLICY.value not in g.actor.roles:
        with write_session() as session:
            action = f"{request.method} {request.endpoint or ''}"
            audit_refusal(session, g.actor, action, request.path, get_system().engine.clock())
        abort(403, description="规则管理仅限政策管理人员使用，此次访问已记录")
    return None
