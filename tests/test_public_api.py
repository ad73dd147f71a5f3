"""Contracts: the engine's public API is sorted and complete, and engine/ never imports Flask or web."""

from __future__ import annotations

import ast
from pathlib import Path

import engine

ENGINE_DIR = Path(engine.__file__).parent


def test_all_is_sorted_and_every_name_exists():
    assert engine.__all__ == sorted(engine.__all__)
    for name in engine.__all__:
        assert hasattr(engine, name), name


def test_engine_never_imports_flask_or_web():
    for path in ENGINE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"flask", "web"}, f"{path} imports {name}"


def test_web_imports_only_the_engines_public_names():
    web_dir = ENGINE_DIR.parent / "web"
    for path in web_dir.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("engine"):
                assert node.module == "engine", f"{path} imports {node.module}"
                for alias in node.names:
                    assert alias.name in engine.__all__, f"{path} imports {alias.name}"
