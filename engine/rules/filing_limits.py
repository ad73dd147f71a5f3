"""How many instruments one filing may list, checked once in the engine for every way in.

The cap is the system's own limit, not a legal one: no article of the 条例 or the 通知 bounds a filing.
It keeps one case's work and state bounded (``bench/bench_filing.py`` measures 5,000 instruments in about
two seconds); a unit with more instruments files them in batches. The API, the online form and the
spreadsheet upload all reach ``check_instrument_count`` through ``Engine.start_case`` /
``Engine.complete_task``, and the upload reader stops reading a file at ``MAX_UPLOAD_ROWS`` rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.store.errors import ValidationFailed

MAX_FILING_INSTRUMENTS = 5000
# Rows a spreadsheet may have: the instruments, a header and some blank or note rows.
MAX_UPLOAD_ROWS = MAX_FILING_INSTRUMENTS + 100
FIELD = "instruments"  # the filing list's name in the filing forms (start and correction)


def too_many_instruments(count: int) -> str:
    """The message for a list of ``count`` instruments, beside the ``instruments`` field."""
    return (f"一次备案最多 {MAX_FILING_INSTRUMENTS:,} 台（件）器具，本次 {count:,} 台（件）；"
            "请分批备案。（系统限制）")


def too_many_rows() -> str:
    """The message for an uploaded file longer than ``MAX_UPLOAD_ROWS`` rows (not read to the end)."""
    return (f"一次备案最多 {MAX_FILING_INSTRUMENTS:,} 台（件）器具，本文件超过 {MAX_UPLOAD_ROWS:,} 行；"
            "请分批备案。（系统限制）")


def check_instrument_count(data: Mapping[str, Any]) -> None:
    """Refuse submitted data whose instrument list is longer than the cap, before anything else reads it.

    :raises ValidationFailed: on the ``instruments`` field, with the cap and the count.
    """
    items = data.get(FIELD)
    if isinstance(items, list) and len(items) > MAX_FILING_INSTRUMENTS:
        raise ValidationFailed({FIELD: [too_many_instruments(len(items))]})
