"""project summary: the unfiltered by-project summary stored as it is read (project_summary_rows, project_totals)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_summary_rows",
        sa.Column("project", sa.String(length=500), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("points_lost", sa.Float(), nullable=False),
        sa.Column("forms", sa.Integer(), nullable=False),
        sa.Column("example", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("project", "rank"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "project_totals",
        sa.Column("project", sa.String(length=500), nullable=False),
        sa.Column("causes", sa.Integer(), nullable=False),
        sa.Column("deviations", sa.Integer(), nullable=False),
        sa.Column("forms", sa.Integer(), nullable=False),
        sa.Column("points_lost", sa.Float(), nullable=False),
        sa.Column("missing_reasons", sa.Integer(), nullable=False),
        sa.Column("abstained", sa.Integer(), nullable=False),
        sa.Column("abstain_rate", sa.Float(), nullable=False),
        sa.Column("no_cause", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project"),
        sqlite_with_rowid=False,
    )
    # Filled by 0003, which rebuilds these two tables (unknown points lost became NULL) with the roll-up code of
    # today; filling them here with that code would write NULLs into this revision's NOT NULL columns.


def downgrade() -> None:
    op.drop_table("project_totals")
    op.drop_table("project_summary_rows")
