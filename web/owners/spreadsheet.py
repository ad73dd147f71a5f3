"""Excel workbooks (.xlsx) as lists of text rows, read and written with openpyxl.

Reading is for files strangers upload: the workbook is opened read-only (rows are streamed, not
loaded at once), a zip whose contents unpack to more than ``MAX_UNPACKED`` bytes is refused before
openpyxl sees it, and whatever openpyxl raises on a damaged file becomes one ``SheetUnreadable``.
"""

from __future__ import annotations

import io
import logging
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

logger = logging.getLogger(__name__)

MAX_UNPACKED = 50 * 1024 * 1024  # a 2 MB list of instruments unpacks to a few MB; more is a zip bomb
# What openpyxl and the zip and XML layers under it raise on a file that is not a sound workbook.
DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, InvalidFileException, ParseError, KeyError, IndexError,
           ValueError, TypeError, AttributeError, OSError, EOFError)


MAX_COLUMNS = 26  # columns A..Z are read; the template has 8, and a header beyond Z is no template's


class SheetUnreadable(ValueError):
    """The bytes are not a readable .xlsx workbook; the message is for the user, in Chinese."""


class SheetTooLong(SheetUnreadable):
    """The worksheet has a non-blank row after the reader's row limit."""


def read_rows(raw: bytes, limit: int) -> list[list[str]]:
    """The first worksheet's rows as text (columns A..Z), from row 1 (blank rows kept, so indices are row
    numbers - 1).

    Only ``limit`` rows are kept; blank rows after them are skipped, a non-blank one raises SheetTooLong.
    Cells right of column Z are never materialised: a single cell at column ZZZ used to make openpyxl pad
    every row to 18,278 cells (11 s and 700 MB for a 30 KB file).
    :raises SheetUnreadable: not a zip, too big unpacked, or damaged.
    :raises SheetTooLong: more than ``limit`` rows hold something.
    """
    _check_zip(raw)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it skips (data validation, styles); the cell values still read.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            try:
                return list(_first_sheet_rows(workbook, limit))
            finally:
                workbook.close()
    except SheetUnreadable:
        raise  # a ValueError too, but ours: not a damaged file
    except DAMAGED as exc:
        logger.info("Unreadable workbook uploaded: %r", exc)
        raise SheetUnreadable("无法读取该 Excel 文件：文件已损坏，或不是 .xlsx 格式的工作簿") from exc


def _check_zip(raw: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise SheetUnreadable("无法读取该 Excel 文件：文件已损坏，或不是 .xlsx 格式的工作簿") from exc
    if unpacked > MAX_UNPACKED:
        raise SheetUnreadable("Excel 文件内容过大，请删除多余的工作表或格式后重试")


def _first_sheet_rows(workbook: Workbook, limit: int) -> Iterator[list[str]]:
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # some generators record wrong dimensions; read what is there
    for number, values in enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1):
        if number <= limit:
            yield [cell_text(value) for value in values]
        elif any(value is not None and cell_text(value) for value in values):
            raise SheetTooLong(f"more than {limit} rows")


def cell_text(value: object) -> str:
    """A cell's value as the user sees it: 1001 not 1001.0, dates as YYYY-MM-DD, 是/否 kept as typed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def write_rows(rows: Sequence[Sequence[str]], title: str) -> bytes:
    """A one-sheet workbook holding ``rows`` (the first one bold, as a header)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column) * 2 + 2  # CJK characters are two columns wide
        sheet.column_dimensions[column[0].column_letter].width = min(width, 40)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
