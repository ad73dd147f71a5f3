"""inbox filters: county and instrument type on case and task, "my tasks" index, saved filters

Case gets ``county_code`` and ``instrument_type`` (copied from the start data by start_case), and each
task a copy of the case facts the inbox filters on (number, process, owner, county, instrument type;
written with the task row), so an inbox reads the task table alone; running cases and their open
tasks are backfilled here. The inbox index gets the columns the inbox reads appended, so it covers the inbox
queries, and the single-column assignee index becomes (assignee_id, status, due_at), which serves
"my open tasks, earliest due first" without visiting the clerk's finished tasks.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CLAIMED = sa.text("assignee_id IS NOT NULL")
INBOX_KEY = ["organisation_id", "role", "status", "due_at"]
# Every column the inbox reads from a task, so the group's open tasks are filtered, sorted and counted
# from the index alone (the rows of one group lie scattered over the whole table).
INBOX_COLUMNS = ["assignee_id", "created_at", "id", "spec_name", "case_process_id", "county_code", "instrument_type",
                 "owner_org_id", "case_number"]


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("county_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("instrument_type", sa.String(length=64), nullable=True))
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_number", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("case_process_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("owner_org_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("county_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("instrument_type", sa.String(length=64), nullable=True))
        batch_op.drop_index("ix_task_assignee_id")
        # Partial: only claimed tasks, so the planners never answer "assignee_id IS NULL" from it.
        batch_op.create_index("ix_task_mine", ["assignee_id", "status", "due_at"], unique=False,
                              sqlite_where=CLAIMED, postgresql_where=CLAIMED)
        batch_op.drop_index("ix_task_inbox")
        batch_op.create_index("ix_task_inbox", [*INBOX_KEY, *INBOX_COLUMNS], unique=False)
    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["owner_user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_user_id", "name"),
    )
    with op.batch_alter_table("saved_filter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_filter_organisation_id"), ["organisation_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Index-only scans skip the heap only on pages VACUUM marked all-visible; claims and completions
        # clear that mark, so vacuum the task table after 2 % of it changed instead of the default 20 %.
        op.execute("ALTER TABLE task SET (autovacuum_vacuum_scale_factor = 0.02, "
                   "autovacuum_vacuum_insert_scale_factor = 0.02)")
    _backfill_running_cases()


def _backfill_running_cases() -> None:
    """Copy county and instrument type from each running case's start data, and the case facts onto its
    open tasks (finished cases never appear in an inbox). The rule is frozen here as it was at this revision."""
    conn = op.get_bind()
    op.execute("""UPDATE task SET case_number = (SELECT number FROM "case" WHERE "case".id = task.case_id),
                                  case_process_id = (SELECT process_id FROM "case" WHERE "case".id = task.case_id),
                                  owner_org_id = (SELECT owner_org_id FROM "case" WHERE "case".id = task.case_id)
                  WHERE status = 'ready'""")
    case = sa.table("case", sa.column("id", sa.Integer), sa.column("status", sa.String), sa.column("state", sa.Text),
                    sa.column("county_code", sa.String), sa.column("instrument_type", sa.String))
    rows = conn.execute(sa.select(case.c.id, case.c.state).where(case.c.status == "running")).all()
    updates = []
    for case_id, state in rows:
        county, kind = _facets(state)
        if county is not None or kind is not None:
            updates.append({"row_case": case_id, "county": county, "kind": kind})
    if not updates:
        return
    conn.execute(case.update().where(case.c.id == sa.bindparam("row_case"))
                 .values(county_code=sa.bindparam("county"), instrument_type=sa.bindparam("kind")), updates)
    task = sa.table("task", sa.column("case_id", sa.Integer), sa.column("status", sa.String),
                    sa.column("county_code", sa.String), sa.column("instrument_type", sa.String))
    conn.execute(task.update().where(task.c.case_id == sa.bindparam("row_case"), task.c.status == "ready")
                 .values(county_code=sa.bindparam("county"), instrument_type=sa.bindparam("kind")), updates)


def _facets(state: str) -> tuple[str | None, str | None]:
    """County and the single instrument type from the start data, found in any task's data."""
    try:
        stored = json.loads(state)
        sources = [stored.get("data", {}), *(t.get("data", {}) for t in stored.get("tasks", {}).values())]
    except (ValueError, AttributeError):
        return None, None
    county = kind = None
    for data in sources:
        if not isinstance(data, dict):
            continue
        county = county or _text(data.get("county_code"))
        kind = kind or _text(data.get("instrument_type"))
        if kind is None and isinstance(data.get("instruments"), list):
            kinds = {i.get("instrument_type") for i in data["instruments"] if isinstance(i, dict)}
            kind = _text(kinds.pop()) if len(kinds) == 1 else None
    return county, kind


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE task RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor)")
    with op.batch_alter_table("saved_filter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_filter_organisation_id"))
    op.drop_table("saved_filter")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_inbox")
        batch_op.create_index("ix_task_inbox", INBOX_KEY, unique=False)
        batch_op.drop_index("ix_task_mine")
        batch_op.create_index("ix_task_assignee_id", ["assignee_id"], unique=False)
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy of "case" would drop a table that task
    # rows reference, which SQLite refuses with foreign keys on.
    for table in ("task", "case"):
        op.drop_column(table, "instrument_type")
        op.drop_column(table, "county_code")
    for column in ("owner_org_id", "case_process_id", "case_number"):
        op.drop_column("task", column)
