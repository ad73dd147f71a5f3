"""The layout is a contract: import-linter's contracts in pyproject.toml hold, fail when broken on purpose,
and no module imports another in a circle (type-checking imports included)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run the contracts of ``root/pyproject.toml`` over the packages found first in ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_import_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def copy_of_the_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layout")
    for package in ("engine", "web"):
        shutil.copytree(ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__", "static",
                                                                                        "templates"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


BREAKAGES = [  # (module file, import added, contract that must fail)
    ("engine/reads/queries.py", "from engine.cases import runtime", "the read side never imports the runtime"),
    ("engine/store/models.py", "from engine.cases import instance", "engine wings run one way"),
    ("engine/calendar/workdays.py", "from engine.organisations import orgs", "engine wings run one way"),
    ("engine/organisations/orgs.py", "import flask", "engine never imports web or Flask"),
    ("engine/rules/specs.py", "import web", "engine never imports web or Flask"),
    ("web/__init__.py", "from engine.store import models", "web uses only the engine's public API"),
]


@pytest.mark.parametrize(("module", "line", "contract"), BREAKAGES, ids=[b[0] + ": " + b[1] for b in BREAKAGES])
def test_a_contract_fails_when_broken_on_purpose(copy_of_the_code: Path, module: str, line: str,
                                                 contract: str) -> None:
    path = copy_of_the_code / module
    original = path.read_text()
    path.write_text(original + f"\n{line}  # broken on purpose\n")
    try:
        result = lint_imports(copy_of_the_code)
    finally:
        path.write_text(original)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout
    assert module.removesuffix(".py").removesuffix("/__init__").replace("/", ".") in result.stdout


def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.get(module, ()):
            if imported not in graph:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_the_cycle_finder_finds_a_circle_and_only_that() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": [], "e": ["d"]}
    assert import_cycles(graph) == [["a", "b", "c"]]
    assert import_cycles({"a": ["b"], "b": []}) == []


def test_no_module_imports_another_in_a_circle() -> None:
    built = grimp.build_graph("engine", "web", cache_dir=None)
    graph = {module: built.find_modules_directly_imported_by(module) for module in built.modules}
    assert import_cycles(graph) == []
