"""Chinese names of things that pages of more than one wing show (the owner's page and the case page)."""

from __future__ import annotations

DOCUMENT_KINDS = {"verification_certificate": "检定证书", "result_notice": "检定结果通知书",
                  "calibration_certificate": "校准证书"}
