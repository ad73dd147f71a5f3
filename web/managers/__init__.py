"""The managers' wing: what managers do across the organisations they oversee: the stuck cases with exports,
acting on a stuck case, the figures, and the process heatmap.

The rest of web uses only ``BLUEPRINTS``. Imports ``web.shared`` and ``engine`` only.
"""

from __future__ import annotations

from flask import Blueprint

from . import case_actions, figures, heatmap, stuck

BLUEPRINTS: tuple[Blueprint, ...] = (stuck.bp, figures.bp, heatmap.bp, case_actions.bp)

__all__ = ["BLUEPRINTS"]
