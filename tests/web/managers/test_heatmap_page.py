"""The managers' process heatmap page: managers only, scoped, its table's numbers and the cases at a step.

The world is stuck_data's: on 10-20 新民's dispenser waits at verify 3 working days late (A, at 沈阳's
institute) and at 沈阳's bureau in the escalation (due end of 10-23, not late); 瓦房店 (大连) waits at the
filing review (due later). Nothing else is open.
"""

from __future__ import annotations

import re

import pytest

from .stuck_data import seed_stuck


@pytest.fixture
def numbers(app, clock):
    return seed_stuck(app, clock)


def _table(html: str) -> dict[str, tuple[int, int]]:
    """Slot key -> (waiting, overdue) read from the table rows, rows with nobody waiting left out."""
    found = {}
    for key, row in re.findall(r'<tr data-key="([^"]+)"[^>]*>(.*?)</tr>', html, re.S):
        waiting = int(re.search(r'<td class="num waiting">(\d+)</td>', row).group(1))
        overdue = int(re.sub(r"<[^>]+>", "", re.search(r'<td class="num overdue">(.*?)</td>', row).group(1)))
        if waiting:
            found[key] = (waiting, overdue)
    return found


def _listed(html: str) -> list[str]:
    section = html.partition('id="waiting"')[2]
    return re.findall(r'href="/cases/\d+\?from=heatmap[^"]*">(QJ\d+)</a>', section)


@pytest.mark.parametrize("username", ["xinmin_institute", "policy"])
def test_only_managers_may_look(client, auth, username):
    auth.login(username)
    assert client.get("/manage/heatmap/").status_code == 403


def test_numbers_per_step_and_the_cases_behind_them(client, auth, numbers):
    auth.login("shenyang_bureau")
    html = client.get("/manage/heatmap/?process=verification_request").get_data(as_text=True)
    assert "流程热力图" in html and 'id="heatmap-diagram"' in html and "强制检定申请与检定" in html
    # The escalation is counted at the call activity that started it (the overdue verification's).
    assert _table(html) == {"verify": (1, 1), "escalate_overdue": (1, 0)}
    verify = client.get("/manage/heatmap/?process=verification_request&activity=verify").get_data(as_text=True)
    assert _listed(verify) == [numbers["late"]] and "沈阳市计量测试研究院" in verify
    late = client.get("/manage/heatmap/?process=verification_request&activity=verify&overdue=1")
    assert _listed(late.get_data(as_text=True)) == [numbers["late"]]
    link = re.search(r'href="(/cases/\d+\?from=heatmap[^"]*)"', late.get_data(as_text=True)).group(1)
    crumbs = client.get(link.replace("&amp;", "&")).get_data(as_text=True).split('<p class="crumbs">')[1]
    assert crumbs.startswith('监督管理 › <a href="/manage/heatmap/?process=verification_request&amp;activity=verify'
                             '&amp;overdue=1">流程热力图</a>')  # the case page leads back to the same list
    escalated = client.get("/manage/heatmap/?process=verification_request&activity=escalate_overdue")
    assert _listed(escalated.get_data(as_text=True)) == [numbers["late"]]
    assert "沈阳市市场监督管理局" in escalated.get_data(as_text=True)
    own = client.get("/manage/heatmap/?process=escalation").get_data(as_text=True)
    assert _table(own) == {"handle_escalation": (1, 0)}
    # 大连's filing is another city's.
    assert _table(client.get("/manage/heatmap/?process=filing").get_data(as_text=True)) == {}
    auth.login("liaoning_bureau")
    filing = client.get("/manage/heatmap/?process=filing&activity=review_filing").get_data(as_text=True)
    assert _table(filing) == {"review_filing": (1, 0)} and _listed(filing) == [numbers["dalian"]]


def test_bad_values_get_a_chinese_answer(client, auth, numbers):
    auth.login("shenyang_bureau")
    missing = client.get("/manage/heatmap/?process=no_such")
    assert missing.status_code == 404 and "请从列表中选择流程" in missing.get_data(as_text=True)
    step = client.get("/manage/heatmap/?process=filing&activity=nonsense")
    assert step.status_code == 404 and "没有环节" in step.get_data(as_text=True)
    for query in ("process=%00", "page=0", "page=x", "page=%C2%B2", "activity=" + "x" * 101):
        response = client.get(f"/manage/heatmap/?{query}")
        assert response.status_code == 400 and "错误代码 400" in response.get_data(as_text=True), query
    assert "页码必须是" in client.get("/manage/heatmap/?page=0").get_data(as_text=True)
