"""The policy staff's wing: the rule files and their editors, drafts, releases and moving running cases.

The rest of web uses only ``BLUEPRINTS`` (``web.shared.headers`` widens the CSP for the endpoint
``rules.editor`` by name, not by import). Imports ``web.shared`` and ``engine`` only.
"""

from __future__ import annotations

from flask import Blueprint

from . import rule_migration, rule_releases, rules

BLUEPRINTS: tuple[Blueprint, ...] = (rules.bp, rule_releases.bp, rule_migration.bp)

__all__ = ["BLUEPRINTS"]
