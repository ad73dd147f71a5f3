"""The rule editor's bpmn-js Modeler keeps every spiffworkflow extension: a load→save round trip without edits
(through bpmn-moddle with web/static/spiffworkflow_moddle.json, as the editor loads it) loses nothing, and the
saved set still lints clean. Needs Node.js and `npm ci` (test.sh runs it)."""

from __future__ import annotations

import pytest

from engine import lint_sources
from engine.rules.specs import read_sources

from .test_modeler_compat import ROOT, run_node_tool

DIAGRAMS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "bpmn").glob("*.bpmn"))


@pytest.fixture(scope="module")
def round_trips() -> dict[str, dict]:
    return run_node_tool("tools/modeler_roundtrip.mjs", DIAGRAMS, "the modeler round trip")


@pytest.mark.parametrize("file", DIAGRAMS)
def test_a_round_trip_keeps_every_spiffworkflow_element(round_trips, file):
    report = round_trips[file]
    assert report["warnings"] == []
    assert report["spiff_before"], "the production diagrams use spiffworkflow extensions"
    assert report["spiff_after"] == report["spiff_before"]


def test_the_saved_set_still_lints_clean(round_trips):
    sources = read_sources(ROOT / "bpmn")
    for file, report in round_trips.items():
        sources[file.removeprefix("bpmn/")] = report["xml"]
    assert lint_sources(sources) == []
