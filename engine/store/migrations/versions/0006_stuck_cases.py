"""stuck cases: indexes for the managers' page (open tasks by step, a case's latest audit entry)

``ix_task_status_spec`` finds the open tasks waiting at one step (applications not accepted, filings not
reviewed, ...) without reading the finished ones; ``ix_audit_entry_case_at`` answers "has this case any audit
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


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_status_spec", ["status", "spec_name", "case_id"], unique=False)
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_case_at", ["case_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_case_at")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_status_spec")
