"""sign-in: server-side sessions, and an index to find an account's recent failed sign-ins

``user_session`` holds one row per signed-in browser; the session cookie names the row and a revoked
(signed-out) row no longer signs anyone in. ``ix_audit_entry_action_actor_at`` serves the account lock,
which counts ``sign_in_failed`` audit rows of one username in a time window.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"])
    op.create_index("ix_audit_entry_action_actor_at", "audit_entry", ["action", "actor", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_entry_action_actor_at", table_name="audit_entry")
    op.drop_index("ix_user_session_user_id", table_name="user_session")
    op.drop_table("user_session")
