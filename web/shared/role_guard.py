"""Pages for one role only: sign-in first, then the role, and every refusal audited.

A refusal is written in its own transaction because the request itself fails (403). JSON endpoints answer a
lapsed sign-in with 401 instead of a redirect, so a page's script can keep unsaved work.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from flask import Blueprint, abort, g, redirect, request, url_for

from engine import Role, audit_refusal

from .system import get_system, write_session


def guard_role(bp: Blueprint, role: Role, refusal: str, json_blueprints: Collection[str] = (),
               login_expired: str = "") -> None:
    """Make every route of ``bp`` sign-in only and ``role`` only; others get 403 with ``refusal``, audited."""
    bp.before_request(_only(role, refusal, json_blueprints, login_expired))


def _only(role: Role, refusal: str, json_blueprints: Collection[str], login_expired: str) -> Callable[[], Any]:
    def check() -> Any:
        if g.user is None:
            if request.blueprint in json_blueprints:
                abort(401, description=login_expired)
            path = request.full_path if request.query_string else request.path
            return redirect(url_for("auth.login", next=path))
        if role.value not in g.actor.roles:
            with write_session() as session:
                action = f"{request.method} {request.endpoint or ''}"
                audit_refusal(session, g.actor, action, request.path, get_system().engine.clock())
            abort(403, description=refusal)
        return None

    return check
