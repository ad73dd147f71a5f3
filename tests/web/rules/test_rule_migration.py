"""The migration page when a published version fails on some cases: the dry run says why, the rest still move."""

from __future__ import annotations

import pytest

from engine import live_sources
from web.shared.system import get_system

from ..conftest import csrf_token
from ..rules_world import DIAGRAM, OLD_REMINDER, applications, case_row, current_version, received

# A typo in the reminder: it parses, and fails only when a case arms the timer.
BROKEN_REMINDER = OLD_REMINDER.replace(">reminder_at<", ">reminder_time(dedline, 3)<")


def _deploy(app, old: str, new: str) -> int:
    """Deploy a changed diagram through the engine: the rule editor's lint may (rightly) refuse the typo."""
    with app.app_context():
        system = get_system()
        with system.sessions() as s, s.begin():
            sources = dict(live_sources(s))
            sources[DIAGRAM] = sources[DIAGRAM].replace(old, new, 1)
            system.engine.registry.deploy_sources(s, sources, system.engine.clock(), created_by="policy")
    return current_version(app)


@pytest.fixture
def broken_world(app, client, auth):
    """Two cases on version 1, one at verify with its reminder armed; version 2 has a typo in the reminder."""
    waiting, at_verify = applications(app, 2)
    received(app, at_verify)
    auth.login("policy")
    before = current_version(app)
    target = _deploy(app, OLD_REMINDER, BROKEN_REMINDER)
    assert target != before
    return {"waiting": waiting, "at_verify": at_verify, "target": target}


def test_the_migrate_page_names_the_process_and_shows_why_a_case_fails(app, client, broken_world):
    target, at_verify = broken_world["target"], broken_world["at_verify"]
    page = client.get(f"/rules/versions/{target}/migrate")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "迁移「强制检定申请与检定」（verification_request）的在办案件到版本 2" in html
    assert "2 件在办案件在其他版本上，其中 1 件可迁移" in html
    assert "迁移时出错：" in html and "dedline" in html
    assert case_row(app, at_verify).spec_version_id != target  # the dry run moved nothing


def test_migrating_all_moves_the_cases_that_can_and_reports_the_failing_one(app, client, broken_world):
    target, at_verify, waiting = broken_world["target"], broken_world["at_verify"], broken_world["waiting"]
    page = f"/rules/versions/{target}/migrate"
    answer = client.post(page, data={"csrf_token": csrf_token(client, page), "all": "1"})
    assert answer.status_code == 302
    assert case_row(app, waiting).spec_version_id == target
    assert case_row(app, at_verify).spec_version_id != target
    html = client.get(page).get_data(as_text=True)
    number = case_row(app, at_verify).number
    assert "已迁移 1 件" in html and f"未迁移 1 件：{number}（迁移时出错：" in html
