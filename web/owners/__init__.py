"""The instrument owners' wing: their cases and ledger, the filing form and the instrument upload.

The rest of web uses only ``BLUEPRINTS``. Imports ``web.shared`` and ``engine`` only.
"""

from __future__ import annotations

from flask import Blueprint

from . import owner

BLUEPRINTS: tuple[Blueprint, ...] = (owner.bp,)

__all__ = ["BLUEPRINTS"]
