"""README stays true: it names every process, every setting and both set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_process_id_is_in_the_readme():
    for path in (ROOT / "bpmn").glob("*.bpmn"):
        for process_id in re.findall(r'<bpmn:process id="([^"]+)"', path.read_text(encoding="utf-8")):
            assert f"`{process_id}`" in README, process_id


def test_every_environment_setting_is_in_the_readme():
    used = set()
    for path in [*(ROOT / "engine").rglob("*.py"), *(ROOT / "web").rglob("*.py"), *(ROOT / "tests").glob("*.py")]:
        used |= set(re.findall(r'environ\.get\("([A-Z_]+)"', path.read_text(encoding="utf-8")))
    assert used
    for name in used:
        assert f"`{name}`" in README, name


def test_every_setting_read_from_the_environment_by_the_app_is_in_the_readme():
    from web import ENVIRONMENT

    for key in ENVIRONMENT:
        assert f"`QIANGJIAN_{key}`" in README or f"`QIANGJIAN_{key}` (" in README, key


def test_ci_runs_the_readme_test_command():
    assert "    ./test.sh\n" in README and "    ./run.sh\n" in README
    assert "./test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_diagram_function_is_named_in_the_readme():
    from engine.sandbox.script_env import diagram_functions

    for name in diagram_functions():
        assert f"`{name}`" in README, name
