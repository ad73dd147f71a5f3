"""The command line prepares a database and runs the scripted demo case end to end."""

from __future__ import annotations

import shutil
from datetime import datetime

from engine.bootstrap import rules_dir
from engine.calendar.workdays import SHANGHAI
from engine.cli import main


def test_init_db_then_demo_case_issues_a_certificate(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert main(["--db", url, "init-db", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "demo1234" in out and "xinmin_gas" in out and "shenyang_institute" in out
    assert main(["--db", url, "demo-case"]) == 0
    out = capsys.readouterr().out
    assert "Issued verification_certificate LNJD-DEMO-" in out and "in_use, next due" in out
    assert main(["--db", url, "sweep"]) == 0
    assert "Fired 0 timers" in capsys.readouterr().out
    year = str(datetime.now(SHANGHAI).year)  # the command runs on the wall clock; a report covers a past year
    assert main(["--db", url, "start-yearly-reports", "--year", year]) == 0
    assert f"{year}: started 10 yearly report cases" in capsys.readouterr().out  # every demo institute
    assert main(["--db", url, "start-yearly-reports", "--year", year]) == 0
    assert f"{year}: started 0 yearly report cases" in capsys.readouterr().out


def test_admin_confirms_a_provisional_year_from_the_command_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert main(["--db", url, "init-db"]) == 0
    assert main(["--db", url, "set-day", "2027-01-02", "workday", "--name", "元旦调休"]) == 0
    assert main(["--db", url, "confirm-year", "2027", "--holidays", "2027-01-01", "--workdays", "2027-01-02",
                 "--source", "国务院办公厅通知（测试）"]) == 0
    assert "2027 confirmed; deadlines recomputed for 0 cases" in capsys.readouterr().out
    assert main(["--db", url, "set-day", "2027-01-04", "workday"]) == 2  # a Monday cannot be a make-up day
    assert "weekday" in capsys.readouterr().err.lower()


def test_rule_files_come_from_the_package_unless_the_setting_names_a_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("QIANGJIAN_RULES_DIR", raising=False)
    assert (rules_dir() / "filing.bpmn").is_file()  # the shipped qiangjian_rules: bpmn/ in an editable install
    copy = shutil.copytree(rules_dir(), tmp_path / "rules")
    monkeypatch.setenv("QIANGJIAN_RULES_DIR", str(copy))
    assert rules_dir() == copy
    assert main(["--db", f"sqlite:///{tmp_path / 'a.sqlite'}", "init-db"]) == 0
    monkeypatch.setenv("QIANGJIAN_RULES_DIR", str(tmp_path / "missing"))
    assert main(["--db", f"sqlite:///{tmp_path / 'b.sqlite'}", "init-db"]) == 2
    assert "QIANGJIAN_RULES_DIR" in capsys.readouterr().err


def test_demo_world_builds_once_per_database(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'world.sqlite'}"
    assert main(["--db", url, "init-db", "--demo"]) == 0
    assert main(["--db", url, "demo-world"]) == 0
    out = capsys.readouterr().out
    assert "Ledger: 5 owners filed" in out and "Parked (error)" in out and "Verification overdue, escalated" in out
    assert main(["--db", url, "demo-world"]) == 0
    assert "Demo world already present; nothing added" in capsys.readouterr().out
