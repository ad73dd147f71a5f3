"""The managers' figures as files: CSV (UTF-8 with BOM, so Excel shows the Chinese) and .xlsx (openpyxl).

Both carry exactly the columns and rows of the page's tables. Text that a spreadsheet would read as a
formula (starting ``= + - @``) is prefixed with an apostrophe, so an organisation name cannot run code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook

from engine import Figure

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@")
_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(figure: Figure) -> bytes:
    """One figure as CSV: the header row, then its rows; an empty cell for no value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(figure.columns)
    writer.writerows([["" if v is None else _safe(v) for v in row] for row in figure.rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(figures: Iterable[Figure]) -> bytes:
    """A workbook with one sheet per figure, named after it; numbers stay numbers."""
    book = Workbook()
    book.remove(book.active)
    for figure in figures:
        sheet = book.create_sheet(figure.title.translate(_SHEET_FORBIDDEN)[:31])
        sheet.append(list(figure.columns))
        for row in figure.rows:
            sheet.append([_safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
