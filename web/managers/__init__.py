"""The managers' wing: what managers do across the organisations they oversee, e.g. acting on a stuck case.

The rest of web uses only ``BLUEPRINTS``. Imports ``web.shared`` and ``engine`` only.
"""

from __future__ import annotations

from . import case_actions

BLUEPRINTS = [case_actions.bp]

__all__ = ["BLUEPRINTS"]
