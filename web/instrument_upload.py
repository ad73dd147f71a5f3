"""Reading an owner's instrument list from a CSV file (UTF-8, or GBK as saved by Excel in China).

Headers may be the Chinese column names of the template or the English field names. Values for
category, purpose and instrument type may be given in Chinese; they are mapped to the codes the
filing form uses. Problems that make a row unreadable are reported per row; everything else is
validated by the filing's start form, whose field paths (``instruments.N.serial_no``) map back to
spreadsheet rows (row N + 2, after the header).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from engine import INSTRUMENT_TYPES

COLUMNS = {  # Chinese template header -> field
    "器具名称": "name", "型号规格": "model", "出厂编号": "serial_no", "器具类型": "instrument_type",
    "类别": "category", "是否列入强检目录": "in_catalogue", "用途": "purpose", "使用地点": "location",
}
CATEGORY = {"社会公用计量标准器具": "public_standard", "最高计量标准器具": "highest_standard",
            "部门、企事业单位最高计量标准器具": "highest_standard", "工作计量器具": "working"}
PURPOSE = {"贸易结算": "trade_settlement", "安全防护": "safety_protection", "医疗卫生": "medical_health",
           "环境监测": "environmental_monitoring", "其他": "other"}
YES = {"是", "yes", "true", "1", "y"}
NO = {"否", "no", "false", "0", "n"}
MAX_BYTES = 2 * 1024 * 1024
TEMPLATE_HEADER = ",".join(COLUMNS)


class UploadError(ValueError):
    """The file as a whole cannot be read (encoding, missing columns, too large, empty)."""


def parse_instrument_csv(raw: bytes) -> list[dict[str, Any]]:
    """Instrument rows from the uploaded bytes, typed as the filing form expects."""
    if len(raw) > MAX_BYTES:
        raise UploadError("文件过大（不超过2MB）")
    text = _decode(raw)
    reader = csv.DictReader(io.StringIO(text))
    fields = {h: COLUMNS.get((h or "").strip(), (h or "").strip()) for h in reader.fieldnames or []}
    missing = [zh for zh, field in COLUMNS.items() if field not in fields.values()]
    if missing:
        raise UploadError("缺少列：" + "、".join(missing) + "（请使用模板的表头）")
    rows = [_row({fields[k]: (v or "").strip() for k, v in record.items() if k in fields}) for record in reader]
    if not rows:
        raise UploadError("文件中没有器具记录")
    return rows


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV 文件")


def _row(values: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {f: values.get(f, "") for f in COLUMNS.values()}
    row["category"] = CATEGORY.get(row["category"], row["category"])
    row["purpose"] = PURPOSE.get(row["purpose"], row["purpose"])
    by_name = {name: code for code, name in INSTRUMENT_TYPES.items()}
    row["instrument_type"] = by_name.get(row["instrument_type"], row["instrument_type"])
    flag = row["in_catalogue"].lower()
    row["in_catalogue"] = True if flag in YES else False if flag in NO else row["in_catalogue"]
    return row


def row_errors(errors: dict[str, list[str]]) -> list[tuple[int, str, str]]:
    """(spreadsheet row, column title, message) for the filing form's field errors, in row order."""
    titles = {field: zh for zh, field in COLUMNS.items()} | {"instruments": "器具清单", "county_code": "使用地"}
    found = []
    for path, messages in errors.items():
        parts = path.split(".")
        if len(parts) >= 2 and parts[0] == "instruments" and parts[1].isdigit():
            column = titles.get(parts[2], parts[2]) if len(parts) > 2 else "整行"
            found += [(int(parts[1]) + 2, column, m) for m in messages]
        else:
            found += [(0, titles.get(parts[-1], parts[-1]), m) for m in messages]
    return sorted(found)
