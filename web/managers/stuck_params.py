"""The stuck-cases page's query parameters read into a ``StuckFilter``; a bad value is dropped and reported."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for

from engine import STUCK_TABS, StuckFilter, ValidationFailed

FIELD_NAMES = {"tab": "列表", "city": "地市", "county": "区县", "institute": "检定机构", "process_id": "流程",
               "spec_name": "环节", "age": "逾期工作日", "idle_days": "无进展工作日", "page": "页码"}
_INTEGERS = ("institute", "age", "idle_days", "page")


def read_filter(args: Mapping[str, Any], size: int) -> tuple[StuckFilter, list[str]]:
    """The filter the parameters ask for, and the problems (in Chinese) with the values left out."""
    params: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in FIELD_NAMES:
        value = (args.get(name) or "").strip()
        if not value:
            continue
        if name in _INTEGERS:
            digits = value.removeprefix("-")
            if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
                errors[name] = ["必须是整数"]
                continue
            params[name] = int(value)  # a negative one gets StuckFilter's range message, not "not a number"
        else:
            params[name] = value
    for _attempt in range(len(FIELD_NAMES) + 1):
        try:
            return StuckFilter(**params, size=size), _describe(errors)
        except ValidationFailed as exc:
            errors.update(exc.errors)
            params = {k: v for k, v in params.items() if k not in exc.errors}
    return StuckFilter(size=size), _describe(errors)


def _describe(errors: dict[str, list[str]]) -> list[str]:
    return [f"{FIELD_NAMES.get(name, name)}：{'；'.join(messages)}" for name, messages in errors.items()]


def stuck_url(flt: StuckFilter, endpoint: str = "managers.stuck") -> str:
    """The page (or an export) for ``flt``, page number included when not the first."""
    params: dict[str, Any] = dict(flt.params())
    if flt.page > 1 and endpoint == "managers.stuck":
        params["page"] = str(flt.page)
    return url_for(endpoint, **params)


def tabs(flt: StuckFilter, counts: dict[str, int]) -> list[dict[str, Any]]:
    """Each tab with its label, count, link (same filters, first page) and whether it is shown."""
    return [{"label": label, "count": counts[tab], "url": stuck_url(flt.but(tab=tab, page=1)),
             "active": tab == flt.tab} for tab, label in STUCK_TABS.items()]
