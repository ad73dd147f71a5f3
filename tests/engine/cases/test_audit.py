"""The audit log is append-only in the database itself, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import DatabaseError

from engine.store.models import AuditEntry


@pytest.mark.parametrize("change", ["update", "delete"])
def test_audit_rows_cannot_be_changed_or_removed(any_database, change):
    with any_database.factory() as s, s.begin():
        s.execute(insert(AuditEntry), [{"actor": "tester", "action": "task_completed",
                                        "at": datetime(2026, 10, 1, tzinfo=timezone.utc), "after": {"x": 1}}])
    with any_database.factory() as s, s.begin():
        statement = update(AuditEntry).values(actor="forger") if change == "update" else delete(AuditEntry)
        with pytest.raises(DatabaseError, match="append-only"):
            s.execute(statement)
