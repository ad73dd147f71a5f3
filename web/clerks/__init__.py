"""The clerks' wing: the inbox, task pages (claim, fill in, save a draft, complete) and the case pages.

The case pages (``cases.detail``, ``cases.document``) are linked from every role's pages by URL; the
rest of web uses only ``BLUEPRINTS``. Imports ``web.shared`` and ``engine`` only.
"""

from __future__ import annotations

from flask import Blueprint

from . import cases, tasks

BLUEPRINTS: tuple[Blueprint, ...] = (tasks.bp, cases.bp)

__all__ = ["BLUEPRINTS"]
