"""rule files: published revisions and drafts of diagrams, decision tables and forms; case migrations

The database becomes the home of the rules once installed: ``rule_file_revision`` holds every
published revision of each file in ``bpmn/`` (immutable), ``rule_file_draft`` the working copy a
policy user is editing, ``case_migration`` each move of a running case to another process version
with its state before the move (so the move can be undone). ``spec_version.created_by`` names who
published a version.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("spec_version", sa.Column("created_by", sa.String(length=100), nullable=True))
    op.create_table(
        "rule_file_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["published_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_name", "number"),
    )
    op.create_index("ix_rule_file_revision_file_name", "rule_file_revision", ["file_name"])
    op.create_table(
        "rule_file_draft",
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("base_number", sa.Integer(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("file_name"),
    )
    op.create_table(
        "case_migration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_version_id", sa.Integer(), nullable=False),
        sa.Column("to_version_id", sa.Integer(), nullable=False),
        sa.Column("state_before", sa.Text(), nullable=False),
        sa.Column("case_version_after", sa.Integer(), nullable=False),
        sa.Column("moved_by_id", sa.Integer(), nullable=True),
        sa.Column("moved_by", sa.String(length=100), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reverted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["from_version_id"], ["spec_version.id"]),
        sa.ForeignKeyConstraint(["to_version_id"], ["spec_version.id"]),
        sa.ForeignKeyConstraint(["moved_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_migration_case_id", "case_migration", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_migration_case_id", table_name="case_migration")
    op.drop_table("case_migration")
    op.drop_table("rule_file_draft")
    op.drop_index("ix_rule_file_revision_file_name", table_name="rule_file_revision")
    op.drop_table("rule_file_revision")
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop spec_version, which cases reference.
    op.execute("ALTER TABLE spec_version DROP COLUMN created_by")
