"""The yearly-report list as a file (.xlsx or CSV), through the figures' exporters (``figure_export``).

The list becomes one ``Figure`` table, so the same formula guard, BOM and sheet naming apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine import SHANGHAI, Figure, ReportRow

COLUMNS = ("检定机构", "报送对象", "状态", "应报送日期", "报送日期", "逾期报送", "案件编号")
STATUS_NAMES = {"not_started": "未开始", "drafting": "起草中", "overdue": "逾期", "submitted": "已提交",
                "error": "运行出错", "terminated": "已终止"}


def cn_date(moment: datetime | None) -> str:
    """A time as its Beijing calendar day written the Chinese way: 2026年11月20日 ("—" for none)."""
    if moment is None:
        return "—"
    day = moment.astimezone(SHANGHAI).date()
    return f"{day.year}年{day.month}月{day.day}日"


def status_name(row: ReportRow) -> str:
    """The status as the page says it; a late submission says so."""
    name = STATUS_NAMES.get(row.status, row.status)
    return f"{name}（逾期）" if row.status == "submitted" and row.late else name


def as_figure(rows: Sequence[ReportRow], year: int) -> Figure:
    """The list as a table with the page's columns."""
    cells = tuple((r.institute_name, r.bureau_name, status_name(r), cn_date(r.due_at), cn_date(r.submitted_at),
                   "是" if r.late else ("否" if r.status == "submitted" else "—"), r.case_number or "—")
                  for r in rows)
    return Figure("yearly_reports", f"{year}年度强制检定工作报告报送情况", "", COLUMNS, cells, "bar", ())
