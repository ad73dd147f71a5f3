"""The managers' wing: figures for the organisations a manager oversees.

The rest of web uses only ``BLUEPRINTS``. Imports ``web.shared`` and ``engine`` only.
"""

from __future__ import annotations

from flask import Blueprint

from . import figures

BLUEPRINTS: tuple[Blueprint, ...] = (figures.bp,)

__all__ = ["BLUEPRINTS"]
