"""The SIGKILL fault test, small: the real server killed 3 times while clients work and timers fire.

Each run starts ``python -m web`` as a subprocess on a fresh database and takes about half a minute;
``bench/fault_kill.py`` runs the long version (50 kills per database, figures in ``bench/RESULTS.md``).
The assertions are about what the database holds afterwards, never about how long anything took.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common import scratch_database
from bench.fault_kill import run_fault_test
from tests.conftest import PG_URL, REQUIRE_PG, postgres_available

KILLS = 3


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_a_server_killed_at_random_loses_and_duplicates_nothing(db: str, tmp_path: Path) -> None:
    if db == "postgresql" and not postgres_available():
        if REQUIRE_PG:
            pytest.fail(f"QJ_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at {PG_URL}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    scratch = scratch_database(PG_URL if db == "postgresql" else None)
    log = tmp_path / "server.log"
    try:
        result = run_fault_test(scratch.url, db, KILLS, seed=8, uptime=(1.5, 5.0), log_path=log, log=lambda _: None)
    finally:
        scratch.close()
    assert result.problems == [], result.summary() + "\n" + log.read_text(encoding="utf-8")[-3000:]
    assert result.kills == KILLS and len(result.restart_seconds) == KILLS + 1
    tally = result.tally
    assert tally.server_errors == 0
    assert tally.completions and tally.starts  # the clients did acknowledged work between the kills
    assert tally.total(outcome="refused") > 0  # and met the server down: the kills happened
    assert result.timers_by_sweep > 0  # the sweep fired the world's due timers (once each: the audit pairs up)
    assert result.report.ok and result.report.cases > 0
