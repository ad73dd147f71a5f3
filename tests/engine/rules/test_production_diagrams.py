"""The production rule files in bpmn/ pass every lint rule (parse-and-lint only).

Behaviour is tested on tiny diagrams in tests/bpmn/ (STYLE.md rule 21), and each lint rule on a
broken copy of these files in test_lint.py. The rules themselves live in ``engine.lint``, the same
check that blocks publishing an edit made in the policy editor.
"""

from __future__ import annotations

from pathlib import Path

from engine.rules.lint import lint_sources
from engine.rules.specs import read_sources

BPMN_DIR = Path(__file__).resolve().parents[3] / "bpmn"


def test_the_production_diagrams_are_present() -> None:
    names = set(read_sources(BPMN_DIR))
    assert {"filing.bpmn", "verification_request.bpmn", "escalation.bpmn"} <= names
    assert {"instrument_scope.dmn", "application_routing.dmn", "verification_period.dmn"} <= names


def test_the_production_rule_files_pass_lint() -> None:
    assert lint_sources(read_sources(BPMN_DIR)) == []
