"""Durability settings are applied and validated."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.store.db import make_db_engine
from tests.conftest import PG_URL, REQUIRE_PG, postgres_available


def test_sqlite_runs_in_wal_with_the_chosen_synchronous_level(tmp_path):
    db = make_db_engine(f"sqlite:///{tmp_path / 'x.sqlite'}", sqlite_synchronous="FULL")
    with db.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    db.dispose()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        make_db_engine("sqlite://", sqlite_synchronous="SOMETIMES")
    with pytest.raises(ValueError):
        make_db_engine("sqlite://", pg_synchronous_commit="maybe")


def test_postgres_synchronous_commit_can_be_relaxed():
    if not postgres_available():
        if REQUIRE_PG:
            pytest.fail(f"QJ_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at {PG_URL}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    for setting in ("on", "off"):
        db = make_db_engine(PG_URL, pg_synchronous_commit=setting)
        with db.connect() as conn:
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == setting
        db.dispose()
