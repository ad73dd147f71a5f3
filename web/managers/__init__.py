"""The managers' wing: the stuck cases of the organisations a manager oversees, with exports.

The rest of web uses only ``BLUEPRINTS``. Imports ``web.shared`` and ``engine`` only.
"""

from __future__ import annotations

from flask import Blueprint

from . import stuck

BLUEPRINTS: tuple[Blueprint, ...] = (stuck.bp,)

__all__ = ["BLUEPRINTS"]
