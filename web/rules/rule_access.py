"""Who may use the rule editor: policy staff only, and every refusal is audited.

The editor shows the rules being drafted, so even reading is for policy staff. A refusal is written
in its own transaction because the request itself fails (403). The editor's JSON endpoints answer a
lapsed sign-in with 401 instead of a redirect: the page's script must keep the unsaved diagram.
"""

from __future__ import annotations

from flask import Blueprint

from engine import Role

from ..shared import guard_role

LOGIN_EXPIRED = "登录已过期，请在新标签页重新登录后再保存"
JSON_BLUEPRINTS = {"rules.rule_drafts"}  # fetched by the editor page (web/rules/rule_drafts.py)


def guard_policy(bp: Blueprint) -> None:
    """Make every route of ``bp`` sign-in only and policy only (others get 403 and an audit entry)."""
    guard_role(bp, Role.POLICY, "规则管理仅限政策管理人员使用，此次访问已记录", JSON_BLUEPRINTS, LOGIN_EXPIRED)
