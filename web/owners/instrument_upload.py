"""Reading an owner's instrument list from an uploaded file: an Excel workbook (.xlsx, first worksheet)
or a CSV file (UTF-8, or GBK as saved by Excel in China).

Headers may be the Chinese column names of the template or the English field names; the first
non-blank row is the header. Values for category, purpose and instrument type may be given in
Chinese; they are mapped to the codes the filing form uses. Blank rows are skipped, but every row
keeps its spreadsheet row number, so the filing form's field errors (``instruments.N.serial_no``)
name the row the user sees in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import PurePath
from typing import Any

from engine import INSTRUMENT_TYPES, MAX_UPLOAD_ROWS, too_many_rows

from .spreadsheet import SheetTooLong, SheetUnreadable, read_rows

COLUMNS = {  # Chinese template header -> field
    "器具名称": "name", "型号规格": "model", "出厂编号": "serial_no", "器具类型": "instrument_type",
    "类别": "category", "是否列入强检目录": "in_catalogue", "用途": "purpose", "使用地点": "location",
}
EXAMPLE_ROW = ("燃油加油机", "DJY-222", "JYJ-0001", "燃油加油机", "工作计量器具", "是", "贸易结算", "一号加油岛")
CATEGORY = {"社会公用计量标准器具": "public_standard", "最高计量标准器具": "highest_standard",
            "部门、企事业单位最高计量标准器具": "highest_standard", "工作计量器具": "working"}
PURPOSE = {"贸易结算": "trade_settlement", "安全防护": "safety_protection", "医疗卫生": "medical_health",
           "环境监测": "environmental_monitoring", "其他": "other"}
YES = {"是", "yes", "true", "1", "y"}
NO = {"否", "no", "false", "0", "n"}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = MAX_UPLOAD_ROWS  # rows kept, header and blank rows included; the engine caps the instruments
TEMPLATE_HEADER = ",".join(COLUMNS)
ZIP_MAGIC = b"PK\x03\x04"


class UploadError(ValueError):
    """The file as a whole cannot be read (type, encoding, missing columns, too large, empty)."""


@dataclass(frozen=True)
class InstrumentList:
    """The instruments of an uploaded list, typed as the filing form expects, and each one's spreadsheet row."""

    rows: list[dict[str, Any]]
    row_numbers: list[int]


def parse_instrument_file(filename: str, raw: bytes) -> InstrumentList:
    """The instruments in an uploaded .xlsx or .csv file, told apart by the file name's extension.

    :raises UploadError: another file type, a damaged file, no template header, or no rows.
    """
    if len(raw) > MAX_BYTES:
        raise UploadError("文件过大（不超过2MB）")
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        try:
            table = read_rows(raw, MAX_ROWS)
        except SheetTooLong as exc:
            raise UploadError(too_many_rows()) from exc
        except SheetUnreadable as exc:
            raise UploadError(str(exc)) from exc
    elif suffix == ".csv":
        table = _csv_rows(raw)
    elif suffix == ".xls":
        raise UploadError("不支持旧版 Excel（.xls）文件，请在 Excel 中“另存为”Excel 工作簿（.xlsx）或 CSV 后上传")
    else:
        raise UploadError("只能上传 Excel 工作簿（.xlsx）或 CSV 文件（.csv），请使用模板填写")
    return _instruments(table)


def _csv_rows(raw: bytes) -> list[list[str]]:
    if raw.startswith(ZIP_MAGIC) or b"\x00" in raw[:4096]:
        raise UploadError("文件内容不是 CSV 文本；Excel 工作簿请以 .xlsx 文件上传")
    reader = csv.reader(io.StringIO(_decode(raw)))  # one record per spreadsheet row, as Excel shows a CSV file
    try:
        rows = list(islice(reader, MAX_ROWS))
        for extra in reader:  # blank rows after the limit are harmless; anything else is a list too long
            if not _blank(extra):
                raise UploadError(too_many_rows())
    except csv.Error as exc:  # a cell over csv.field_size_limit(), or a NUL inside quotes
        raise UploadError(f"第 {reader.line_num} 行无法读取：单元格内容过长或含有不允许的字符，请检查该行") from exc
    return rows


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV 文件")


def _instruments(table: list[list[str]]) -> InstrumentList:
    """Rows under the header, mapped to fields; row numbers count from 1 like Excel's."""
    filled = [(number, cells) for number, cells in enumerate(table, start=1) if not _blank(cells)]
    if not filled:
        raise UploadError("文件中没有器具记录")
    (_, header), data = filled[0], filled[1:]
    fields = [COLUMNS.get(h.strip(), h.strip()) for h in header]
    missing = [zh for zh, field in COLUMNS.items() if field not in fields]
    if missing:
        raise UploadError("缺少列：" + "、".join(missing) + "（请使用模板的表头）")
    if not data:
        raise UploadError("文件中没有器具记录")
    wanted = set(COLUMNS.values())
    rows = [_row({f: v.strip() for f, v in zip(fields, cells, strict=False) if f in wanted}) for _, cells in data]
    return InstrumentList(rows, [number for number, _ in data])


def _blank(cells: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _row(values: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {f: values.get(f, "") for f in COLUMNS.values()}
    row["category"] = CATEGORY.get(row["category"], row["category"])
    row["purpose"] = PURPOSE.get(row["purpose"], row["purpose"])
    by_name = {name: code for code, name in INSTRUMENT_TYPES.items()}
    row["instrument_type"] = by_name.get(row["instrument_type"], row["instrument_type"])
    flag = row["in_catalogue"].lower()
    row["in_catalogue"] = True if flag in YES else False if flag in NO else row["in_catalogue"]
    return row


def row_errors(errors: dict[str, list[str]], row_numbers: Sequence[int]) -> list[tuple[int, str, str]]:
    """(spreadsheet row, column title, message) for the filing form's field errors, in row order;
    row 0 for errors about the list as a whole."""
    titles = {field: zh for zh, field in COLUMNS.items()} | {"instruments": "器具清单", "county_code": "使用地"}
    found = []
    for path, messages in errors.items():
        parts = path.split(".")
        if len(parts) >= 2 and parts[0] == "instruments" and parts[1].isdigit():
            index = int(parts[1])
            row = row_numbers[index] if index < len(row_numbers) else index + 2
            column = titles.get(parts[2], parts[2]) if len(parts) > 2 else "整行"
            found += [(row, column, m) for m in messages]
        else:
            found += [(0, titles.get(parts[-1], parts[-1]), m) for m in messages]
    return sorted(found)
