"""points lost unknown: NULL in the stored by-project summary (never 0), and an index of those deviations

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _project_tables(lost_nullable: bool) -> None:
    op.create_table(
        "project_summary_rows",
        sa.Column("project", sa.String(length=500), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("points_lost", sa.Float(), nullable=lost_nullable),
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
        sa.Column("points_lost", sa.Float(), nullable=lost_nullable),
        sa.Column("missing_reasons", sa.Integer(), nullable=False),
        sa.Column("abstained", sa.Integer(), nullable=False),
        sa.Column("abstain_rate", sa.Float(), nullable=False),
        sa.Column("no_cause", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project"),
        sqlite_with_rowid=False,
    )


def upgrade() -> None:
    # Both tables are derived: dropped, created with nullable points_lost, and filled from what is stored by the
    # roll-up code every write uses. If a later revision changes them, freeze this step here first.
    op.drop_table("project_totals")
    op.drop_table("project_summary_rows")
    _project_tables(lost_nullable=True)
    unknown = sa.text("points_lost IS NULL")
    op.create_index("ix_deviations_lost_unknown", "deviations", ["id"], sqlite_where=unknown, postgresql_where=unknown)
    from nlp.store.rollup import refresh_project_summary

    connection = op.get_bind()
    projects = connection.execute(sa.text("SELECT DISTINCT project FROM forms")).scalars().all()
    refresh_project_summary(connection, projects)


def downgrade() -> None:
    op.drop_index("ix_deviations_lost_unknown", table_name="deviations")
    op.drop_table("project_totals")
    op.drop_table("project_summary_rows")
    _project_tables(lost_nullable=False)  # left empty: 0002's summary is refilled by upgrading again
