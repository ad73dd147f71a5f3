"""The production diagrams open cleanly in bpmn-js / dmn-js: their moddle readers warn about nothing and
bpmnlint's recommended rules find nothing. Needs Node.js and `npm ci` (test.sh runs it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "bpmn").iterdir() if p.suffix in {".bpmn", ".dmn"})


def _checker_ready() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed"
    if not (ROOT / "node_modules" / "bpmn-moddle").is_dir():
        return "node_modules missing: run `npm ci`"
    return None


def run_node_tool(script: str, files: list[str], what: str) -> dict[str, dict]:
    """One JSON report per file from a tools/*.mjs script; skips (or fails under QJ_REQUIRE_NODE=1) without Node."""
    missing = _checker_ready()
    if missing:
        if os.environ.get("QJ_REQUIRE_NODE") == "1":
            pytest.fail(f"QJ_REQUIRE_NODE=1 but {missing}")
        pytest.skip(f"{missing}; {what} is skipped")
    out = subprocess.run(["node", script, *files], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=120).stdout
    return {r["file"]: r for r in map(json.loads, out.splitlines())}


@pytest.fixture(scope="module")
def reports() -> dict[str, dict]:
    return run_node_tool("tools/modeler_check.mjs", FILES, "the modeler compatibility check")


@pytest.mark.parametrize("file", FILES)
def test_file_opens_in_the_modeler_without_warnings(reports, file):
    assert reports[file]["warnings"] == []
    assert reports[file]["lint"] == []


def test_the_checker_catches_a_broken_diagram(reports, tmp_path):
    broken = tmp_path / "broken.bpmn"
    broken.write_text((ROOT / "bpmn" / "escalation.bpmn").read_text(encoding="utf-8")
                      .replace('attachedToRef="handle_escalation"', 'attachedToRef="no_such_task"'), encoding="utf-8")
    out = subprocess.run(["node", "tools/modeler_check.mjs", str(broken)], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=120).stdout
    report = json.loads(out)
    assert report["warnings"] or report["lint"]
