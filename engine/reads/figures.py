"""The managers' yearly figures (issue 10), each a table a page can draw and a sheet can export.

Scope: the manager's organisation and everything below it (``visible_org_ids``). Figures about
institutes count the institutes in that scope; "open cases by step" counts the tasks that organisations
in scope must act on. The year is a China-time calendar year; each event falls in the month of its own
day (a result in the month it was given, a request in the month it was made).

Definitions (the same words are shown on the page):
- on time: the result (``verify`` completed with a result) came by the case's legal deadline
  ``case.deadline_at`` — end of the 7th working day after receipt (Regulation 第九条; Notice 一.（四）2),
  or the date the owner agreed to;
- working days from receipt to result: working days in (receipt day, result day] on the working-day
  calendar (民法典 第二百零一条: the day of receipt is not counted); median of the values, p90 the
  nearest-rank 90th percentile (the smallest value at least 90 % of results do not exceed); results
  spanning a year whose calendar is not loaded are left out of these two (they cannot be counted). The
  days are counted when the result is given, on the calendar of that moment (stored with the case); a result
  given while a year it spans was missing is counted when the figures are read;
- late: a result given after the deadline; overdue now: an open ``verify`` task past its deadline.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.calendar.workdays import SHANGHAI
from engine.organisations.orgs import visible_org_ids
from engine.store.errors import CalendarError

from . import figure_queries as q
from .source import CalendarSource

MONTHS = tuple(f"{m}月" for m in range(1, 13))
PROCESS_NAMES = {"verification_request": "强制检定", "filing": "备案", "yearly_report": "年度报告",
                 "escalation": "上报"}
Cell = str | int | float | None


@dataclass(frozen=True)
class Figure:
    """One figure: a table (``columns`` × ``rows``) and how to chart it.

    ``chart`` is ``bar`` (one bar group per row, a series per column in ``series``) or ``line`` (one line
    per row over the columns in ``series``); ``label`` is the column that names a row.
    """

    key: str
    title: str
    note: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: str
    series: tuple[int, ...]
    label: int = 0


@dataclass(frozen=True)
class ManagerFigures:
    year: int
    figures: tuple[Figure, ...]

    def figure(self, key: str) -> Figure:
        """The figure named ``key``; KeyError if there is none."""
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise KeyError(key)


def rate(on_time: int, total: int) -> float | None:
    """On-time share in percent, one decimal; None when nothing was due."""
    return round(100 * on_time / total, 1) if total else None


def manager_figures(session: Session, source: CalendarSource, org_id: int, year: int) -> ManagerFigures:
    """Every figure for the organisation ``org_id`` and those below it, for the calendar ``year``.

    :raises NotFound: the organisation does not exist.
    """
    visible = visible_org_ids(session, org_id)
    start, end = datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    names = q.institutes(session, visible)
    ids = sorted(names)
    found = q.results(session, ids, year)
    groups = found.groups
    places = q.places(session)
    events = q.events(session, ids, start, end)
    figures = (
        _open_steps(q.open_steps(session, visible)),
        _on_time("on_time_institute", "检定机构", {g: names[g.institute_id] for g in groups}, groups),
        _on_time("on_time_county", "县（市、区）", {g: places.get(g.county_code or "", ("未知",))[0]
                                                  for g in groups}, groups),
        _on_time("on_time_city", "市", {g: places.get(g.county_code or "", ("", "未知"))[1] for g in groups},
                 groups),
        _activity(names, *(events.get(kind, {}) for kind in (q.ASKED, q.AGREED, q.REFUSED, q.ESCALATED))),
        _turnaround(session, source, names, found, ids, year),
        _late_ranking(names, groups, q.overdue_now(session, ids, source.clock())),
    )
    return ManagerFigures(year, figures)


def _open_steps(steps: Iterable[tuple[str | None, str, int]]) -> Figure:
    rows = tuple((title, PROCESS_NAMES.get(process or "", process or ""), n) for process, title, n in steps)
    note = "当前待本单位及下级单位办理的案件数，按所处环节统计（不分年度）。"
    return Figure("open_steps", "在办案件（按环节）", note, ("环节", "流程", "案件数"), rows, "bar", (2,))


def _on_time(key: str, what: str, label: dict[q.ResultGroup, str], groups: Iterable[q.ResultGroup]) -> Figure:
    counts: dict[str, list[list[int]]] = defaultdict(lambda: [[0, 0] for _ in range(12)])
    for g in groups:
        cell = counts[label[g]][g.month - 1]
        cell[0] += g.count * g.on_time
        cell[1] += g.count
    rows = []
    for name in sorted(counts):
        months = counts[name]
        on_time, total = sum(m[0] for m in months), sum(m[1] for m in months)
        rows.append((name, *(rate(m[0], m[1]) for m in months), on_time, total, rate(on_time, total)))
    title = {"on_time_institute": "按期完成率（按检定机构、月份）", "on_time_county": "按期完成率（按县、月份）",
             "on_time_city": "按期完成率（按市、月份）"}[key]
    note = ("各月为当月出具结果中按期（不晚于法定期限，含经送检单位同意的延期）的百分比；"
            "法定期限为收到受检器具后第7个工作日结束时（《条例》第九条）。")
    return Figure(key, title, note, (what, *MONTHS, "全年按期", "全年办结", "全年按期率%"), tuple(rows),
                  "line", tuple(range(1, 13)))


def _activity(names: dict[int, str], asked: dict[int, int], agreed: dict[int, int], refused: dict[int, int],
              escalated: dict[int, int]) -> Figure:
    active = sorted(set(asked) | set(agreed) | set(refused) | set(escalated), key=lambda i: names[i])
    rows = tuple((names[i], asked.get(i, 0), agreed.get(i, 0), refused.get(i, 0), escalated.get(i, 0))
                 for i in active)
    note = "申请延期、送检单位同意延期、拒绝受理（提交监管部门审核）、上报监管部门的次数，按发生月份计入年度。"
    return Figure("activity", "延期、拒绝受理与上报（按检定机构）", note,
                  ("检定机构", "申请延期", "同意延期", "拒绝受理", "上报"), rows, "bar", (1, 2, 3, 4))


def _turnaround(session: Session, source: CalendarSource, names: dict[int, str], found: q.Results,
                ids: Sequence[int], year: int) -> Figure:
    """From histograms (working days → results) per institute; results not counted when they were given
    (a calendar year missing then) are counted now, or left out if the calendar still lacks the year."""
    spans = found.spans
    calendar = source.calendar(session) if found.uncounted else None
    for u in q.uncounted(session, ids, year) if found.uncounted else ():
        try:
            days = calendar.working_days_between(u.received, u.resulted)  # type: ignore[union-attr]
        except CalendarError:  # a year no administrator has loaded: no working days to count on
            continue
        spans[u.institute_id][days] += u.count
    everyone: dict[int, int] = defaultdict(int)
    for histogram in spans.values():
        for days, n in histogram.items():
            everyone[days] += n
    rows: list[tuple[Cell, ...]] = [("全部", *_spread(everyone))]
    rows += [(names[i], *_spread(h)) for i, h in sorted(spans.items(), key=lambda s: names[s[0]])]
    note = ("从登记收到受检器具到出具检定结果的工作日数（收到当日不计，按法定节假日和调休）；"
            "P90 为第90百分位（最近秩）。")
    return Figure("turnaround", "检定用时（工作日）", note, ("检定机构", "办结数", "中位数", "P90"), tuple(rows),
                  "bar", (2, 3))


def _spread(histogram: dict[int, int]) -> tuple[int, float | None, int | None]:
    """(results, median, nearest-rank p90) of a histogram {value: how many}, as from the values themselves."""
    total = sum(histogram.values())
    if not total:
        return 0, None, None
    ordered = sorted(histogram.items())

    def nth(k: int) -> int:  # the k-th smallest value, from 0
        for value, n in ordered:
            if k < n:
                return value
            k -= n
        raise IndexError(k)

    middle = (nth((total - 1) // 2) + nth(total // 2)) / 2
    return total, float(middle), nth(math.ceil(0.9 * total) - 1)


def _late_ranking(names: dict[int, str], groups: Iterable[q.ResultGroup], overdue: dict[int, int]) -> Figure:
    late: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    for g in groups:
        total[g.institute_id] += g.count
        late[g.institute_id] += 0 if g.on_time else g.count
    ranked = sorted(set(total) | set(overdue), key=lambda i: (-late[i], -overdue.get(i, 0), names[i]))
    rows: list[tuple[Any, ...]] = [
        (place, names[i], late[i], total[i], rate(late[i], total[i]), overdue.get(i, 0))
        for place, i in enumerate(ranked, start=1)]
    note = "按本年度逾期出具结果的次数排名；“当前逾期未办结”为此刻已过法定期限仍未出具结果的检定。"
    return Figure("late_ranking", "逾期排名（按检定机构）", note,
                  ("名次", "检定机构", "逾期办结", "办结数", "逾期率%", "当前逾期未办结"), tuple(rows), "bar", (2, 5),
                  label=1)
