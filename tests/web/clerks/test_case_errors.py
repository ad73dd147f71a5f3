"""A case parked in error says so as 运行出错 (never 暂停), why in plain Chinese and what to do; the raw exception
text only inside a collapsed <details>."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import Case, ScriptError, actor_for
from engine.cases.case_parking import park_case
from engine.store.models import AuditEntry, User
from web.shared.system import get_system

from .test_tasks import _application

CALENDAR = ("Script failed: CalendarError: No working-day calendar for 2028 (needed for 2028-01-14): the year is "
            "neither confirmed nor provisional; an administrator must load it")


def _park(app, message: str, where: str = "脚本任务「按协商期限重新计时」") -> int:
    """A case parked the way the engine parks it, with ``message`` as the failed step's exception text."""
    case_id = _application(app)
    error = ScriptError(message)
    error.where = where
    with app.app_context(), get_system().sessions() as s, s.begin():
        user = s.scalars(select(User).where(User.username == "xinmin_gas")).one()
        park_case(s, s.get(Case, case_id), error, actor_for(user), get_system().engine.clock())
    return case_id


@pytest.mark.parametrize(("message", "reason", "fix"), [
    (CALENDAR, "2028 年的工作日历尚未导入", "需先导入 2028 年工作日历"),
    ("NameError: name 'fee' is not defined", "流程图中的规则（脚本任务「按协商期限重新计时」）运行时出错",
     "需规则人员修正流程后重试"),
])
def test_the_banner_says_what_happened_and_what_to_do(app, client, auth, message, reason, fix):
    case_id = _park(app, message)
    auth.login("shenyang_bureau")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    banner = html.split('id="case-parked"')[1].split("</div>")[0]
    plain = banner.split("<details")[0]
    assert "案件运行出错，已停止办理。" in plain and reason in plain and fix in plain
    assert "暂停" not in banner and "Error" not in plain and "规则管理人员" not in banner
    assert re.search(r'<details class="technical"><summary>技术信息[^<]*</summary>\s*<pre>[^<]*'
                     + re.escape(message.split(":")[0]), banner)  # collapsed: no open attribute
    assert '<span class="status status-error">运行出错</span>' in html and ">异常<" not in html
    timeline = html.split('class="list compact timeline"')[1].split("</table>")[0]
    assert "运行出错（流程规则）" in timeline and reason in timeline and "Error" not in timeline
    assert 'id="case-control"' in html and "只有异常" not in html


def test_an_unknown_failure_gets_a_generic_message(app, client, auth):
    case_id = _application(app)
    with app.app_context(), get_system().sessions() as s, s.begin():  # as the sweep parks a non-script failure
        s.get(Case, case_id).status = "error"
        s.add(AuditEntry(case_id=case_id, actor="scheduler", action="timer_failed",
                         at=get_system().engine.clock(), after={"error": "KeyError: 'due'"}))
    auth.login("shenyang_institute")
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    banner = html.split('id="case-parked"')[1].split("</div>")[0]
    assert "未预期的错误" in banner.split("<details")[0] and "KeyError" not in banner.split("<details")[0]
    assert "KeyError: &#39;due&#39;" in banner.split("<details")[1]
    assert "运行出错（定时器）" in html
