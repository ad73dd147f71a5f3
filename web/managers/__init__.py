"""The managers' wing: what managers do across the organisations they oversee: the stuck cases with exports,
acting on a stuck case, the figures, the process heatmap, and the institutes' yearly reports.

The rest of web uses only ``BLUEPRINTS``. Imports ``web.shared`` and ``engine`` only.
"""

from __future__ import annotations

from flask import Blueprint

from . import case_actions, figures, heatmap, reports, stuck

BLUEPRINTS: tuple[Blueprint, ...] = (stuck.bp, figures.bp, heatmap.bp, reports.bp, case_actions.bp)

__all__ = ["BLUEPRINTS"]
