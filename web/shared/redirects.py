"""Where to send the browser back to: only paths on this site, never another host."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")  # control characters, spaces and backslashes


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` if it is a plain path on this site ("/tasks/3?page=2"), else ``fallback``.

    Browsers forgive tabs, newlines and backslashes in a Location header ("/\\tevil.example"
    becomes "//evil.example"), so any such character refuses the target outright.
    """
    if not target or _UNSAFE.search(target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def same_site_referrer(referrer: str | None, host_url: str, fallback: str) -> str:
    """The path of a Referer from this site (to return to a filtered inbox), else ``fallback``."""
    if not referrer or not referrer.startswith(host_url):
        return fallback
    return safe_next("/" + referrer[len(host_url):].lstrip("/"), fallback)
