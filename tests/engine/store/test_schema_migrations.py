"""The Alembic migrations build exactly the tables the ORM models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.store.db import Base, make_db_engine
from engine.store.schema import upgrade_database


def test_migrated_schema_matches_the_models(tmp_path):
    db = make_db_engine(f"sqlite:///{tmp_path / 'schema.sqlite'}")
    upgrade_database(db)
    with db.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.dispose()
    assert differences == []
