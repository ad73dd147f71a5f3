"""Which list the case page was opened from, so its breadcrumb (and a manager's action done on it) leads back
there — the stuck-cases list with its filters — instead of the clerks' inbox.

The list links to ``/cases/<id>?from=stuck&back=<its query>``; only a known ``from`` is kept and ``back`` is
re-encoded as plain query parameters of that list's own path, so the link can point nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

from flask import url_for

ORIGINS = {  # from= → endpoint, section, page
    "stuck": ("managers.stuck", "监督管理", "滞留案件"),
    "heatmap": ("heatmap.index", "监督管理", "流程热力图"),
}
_KEY = re.compile(r"[a-z_]{1,20}")
_MAX_PAIRS, _MAX_VALUE = 12, 100


def case_origin(args: Mapping[str, str]) -> dict[str, str]:
    """The ``from`` and ``back`` parameters worth carrying on; {} when the page was not opened from a list."""
    origin = args.get("from") or ""
    if origin not in ORIGINS:
        return {}
    pairs = [(key, value) for key, value in parse_qsl((args.get("back") or "")[:1000])[:_MAX_PAIRS]
             if _KEY.fullmatch(key) and len(value) <= _MAX_VALUE]
    return {"from": origin, "back": urlencode(pairs)} if pairs else {"from": origin}


def origin_crumb(origin: Mapping[str, str]) -> tuple[str, str, str] | None:
    """(section, page, link) of the list the case was opened from, or None."""
    if not origin:
        return None
    endpoint, section, page = ORIGINS[origin["from"]]
    query = origin.get("back")
    return section, page, url_for(endpoint) + (f"?{query}" if query else "")


def list_link(origin: str, params: Mapping[str, str]) -> dict[str, str]:
    """The parameters a list adds to its links to case pages: ``from`` and its own query as ``back``."""
    return {"from": origin, "back": urlencode(dict(params))} if params else {"from": origin}
