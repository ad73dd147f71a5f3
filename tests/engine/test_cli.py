"""The command line prepares a database and runs the scripted demo case end to end."""

from __future__ import annotations

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
