"""Chinese names of things that pages of more than one wing show (the owner's page and the case page)."""

from __future__ import annotations

DOCUMENT_KINDS = {"verification_certificate": "检定证书", "result_notice": "检定结果通知书",
                  "calibration_certificate": "校准证书"}
INSTRUMENT_CATEGORIES = {"public_standard": "社会公用计量标准器具",
                         "highest_standard": "部门、企事业单位最高计量标准器具", "working": "工作计量器具"}
