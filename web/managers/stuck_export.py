"""The stuck-cases list as a file: the page's columns, as Excel (.xlsx) or CSV (UTF-8 with BOM for Excel)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from engine import SHANGHAI, StuckRow

COLUMNS = ("案件编号", "器具", "使用单位", "应办理单位", "环节", "办理期限", "逾期工作日", "案件状态")
STATUS_NAMES = {"running": "办理中", "error": "运行出错", "completed": "已办结"}


def cells(row: StuckRow) -> list[str | int]:
    """One row as the page shows it (Beijing time)."""
    due = row.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if row.due_at else "—"
    return [row.case_number, row.instrument, row.owner, row.acting_org, row.step, due, row.days_late,
            STATUS_NAMES.get(row.case_status, row.case_status)]


def as_xlsx(rows: Iterable[StuckRow], title: str) -> bytes:
    """A workbook with one sheet: a bold header row, then the rows."""
    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(rows: Sequence[StuckRow]) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows([_inert(value) for value in cells(row)] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def _inert(value: str | int) -> str | int:
    """A text Excel would read as a formula (=, +, -, @) is kept as text."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value
