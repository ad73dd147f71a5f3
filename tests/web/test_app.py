"""Assembly: settings declared once, the instance secret key, and what ``python -m web`` loads."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

import web
from engine import User
from web import DEFAULTS, _instance_secret
from web import __main__ as main_module
from web.shared import auth, errors, system
from web.shared.system import get_system

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_the_app_reads_is_declared_in_defaults():
    read = set()
    for path in (ROOT / "web").rglob("*.py"):
        read |= set(re.findall(r'config(?:\.get\(|\[)"([A-Z_]+)"', path.read_text(encoding="utf-8")))
    builtin = set(Flask.default_config) | {"WTF_CSRF_ENABLED"}
    assert "CLOCK" in read and read - builtin <= set(DEFAULTS)


@pytest.mark.parametrize("function", [auth.init_app, auth.logout, errors.init_app, system.get_system,
                                      main_module.main, web.create_app])
def test_assembly_functions_say_what_they_do(function):
    assert function.__doc__ and function.__doc__.strip()


def test_the_secret_key_is_made_once_readable_by_its_owner_only(tmp_path):
    key = _instance_secret(tmp_path)
    assert len(key) == 64 and stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert _instance_secret(tmp_path) == key


def test_a_key_another_worker_made_first_is_used(tmp_path):
    (tmp_path / "secret_key").write_text("made-by-another-worker\n", encoding="utf-8")
    assert _instance_secret(tmp_path) == "made-by-another-worker"


def test_the_secret_key_is_never_written_through_a_planted_symlink(tmp_path):
    target = tmp_path / "elsewhere"
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "secret_key").symlink_to(target)
    with pytest.raises(OSError):
        _instance_secret(tmp_path / "instance")
    assert not target.exists()


def test_python_m_web_loads_the_demo_accounts_only_when_asked(tmp_path, clock):
    app = web.create_app({"TESTING": True, "SECRET_KEY": "test", "CLOCK": clock,
                          "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite'}"})
    assert main_module.parse_options([]).demo is False
    assert main_module.prepare(app, demo=False) is None
    with app.app_context(), get_system().readers() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 0  # no login with the published password
    assert main_module.parse_options(["--demo"]).demo is True
    summary = main_module.prepare(app, demo=True)
    assert summary is not None
    text = main_module.demo_logins(summary)
    assert "demo1234" in text and "xinmin_gas" in text
    assert "shenyang_institute_head" in text and "wafangdian_institute_head" in text  # managers of each level


def test_the_sweep_interval_setting_takes_seconds_and_refuses_anything_else():
    assert main_module.sweep_interval("30") == 30.0
    assert main_module.sweep_interval("0.5") == 0.5
    for bad in ("", "abc", "0", "-1", "nan", "1e9"):
        with pytest.raises(SystemExit, match="QIANGJIAN_SWEEP_SECONDS"):
            main_module.sweep_interval(bad)


def test_run_sh_serves_the_demo_it_loads():
    script = (ROOT / "run.sh").read_text(encoding="utf-8")
    assert "init-db --demo" in script and re.search(r"^exec .*-m web --demo\b", script, re.M)


def test_settle_heap_freezes_what_is_alive_out_of_full_collections():
    """What is alive when ``python -m web`` starts serving is no longer scanned by the garbage collector's full
    collections (bench/RESULTS.md: they paused requests ~160 ms now and then)."""
    import gc

    kept = [object() for _ in range(10)]
    try:
        main_module.settle_heap()
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
