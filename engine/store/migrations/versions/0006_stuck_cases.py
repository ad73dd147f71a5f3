"""stuck cases: indexes for the managers' page (open tasks by step, a case's latest audit entry)

``ix_task_stuck`` holds every task column the page counts and filters on (status, step, due time, the
organisation that must act, the copies of owner, county and process), so the tab counts over all open tasks
are answered from the index alone; ``ix_audit_entry_case_at`` answers "has this case any audit
entry since T" with one index probe per case (the "no activity for N working days" tab).

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STUCK_COLUMNS = ["status", "spec_name", "due_at", "organisation_id", "owner_org_id", "county_code", "case_process_id",
                 "case_id"]


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_stuck", STUCK_COLUMNS, unique=False)
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_case_at", ["case_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_case_at")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_stuck")
