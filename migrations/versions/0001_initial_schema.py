"""initial schema: model versions, documents, forms, indicators, deviations, form_causes

Revision ID: 0001
Revises:
Create Date: 2026-11-26 13:59:23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GROUPS = ("department", "unit", "project", "year", "level1", "level2")


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_version"],
            ["model_versions.version"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )

    op.create_table(
        "forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=500), nullable=False),
        sa.Column("department", sa.String(length=500), nullable=True),
        sa.Column("unit", sa.String(length=500), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("budget_initial", sa.Float(), nullable=True),
        sa.Column("budget_full_year", sa.Float(), nullable=True),
        sa.Column("budget_executed", sa.Float(), nullable=True),
        sa.Column("execution_rate", sa.Float(), nullable=True),
        sa.Column("budget_weight", sa.Float(), nullable=True),
        sa.Column("budget_score", sa.Float(), nullable=True),
        sa.Column("overall_target", sa.Text(), nullable=True),
        sa.Column("overall_actual", sa.Text(), nullable=True),
        sa.Column("total_score", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=50), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("deviation_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("actual", sa.Text(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reason_missing", sa.Boolean(), nullable=False),
        sa.Column("department", sa.String(length=500), nullable=True),
        sa.Column("unit", sa.String(length=500), nullable=True),
        sa.Column("project", sa.String(length=500), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("level1", sa.String(length=200), nullable=True),
        sa.Column("level2", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["form_id"], ["forms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "deviations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("cause_text", sa.Text(), nullable=False),
        sa.Column("measure_text", sa.Text(), nullable=False),
        sa.Column("points_lost", sa.Float(), nullable=True),
        sa.Column("predicted_code", sa.String(length=40), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("abstained", sa.Boolean(), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=True),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrected_code", sa.String(length=40), nullable=True),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrected_by", sa.String(length=200), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("department", sa.String(length=500), nullable=True),
        sa.Column("unit", sa.String(length=500), nullable=True),
        sa.Column("project", sa.String(length=500), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("level1", sa.String(length=200), nullable=True),
        sa.Column("level2", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["form_id"], ["forms.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicators.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["model_version"],
            ["model_versions.version"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_index("ix_forms_document_id", "forms", ["document_id"])
    op.create_index("ix_indicators_form_id", "indicators", ["form_id"])
    op.create_index("ix_deviations_form_id", "deviations", ["form_id"])
    op.create_index("ix_deviations_indicator_id", "deviations", ["indicator_id"])
    op.create_index("ix_deviations_model_version", "deviations", ["model_version"])
    corrected = sa.text("corrected_code IS NOT NULL")
    op.create_index(
        "ix_deviations_corrected", "deviations", ["corrected_code"], sqlite_where=corrected, postgresql_where=corrected
    )
    op.create_table(
        "form_causes",
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("points_lost", sa.Float(), nullable=True),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=500), nullable=True),
        sa.Column("unit", sa.String(length=500), nullable=True),
        sa.Column("project", sa.String(length=500), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["form_id"], ["forms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("form_id", "code"),
    )
    missing = sa.text("reason_missing")
    for g in GROUPS:
        filters = [f for f in ("year", "department") if f != g]
        op.create_index(f"ix_indicators_missing_{g}", "indicators", [g], sqlite_where=missing, postgresql_where=missing)
        if g in ("level1", "level2"):
            op.create_index(f"ix_deviations_{g}_summary", "deviations", [g, "code", "form_id", *filters, "points_lost"])
            op.create_index(f"ix_deviations_{g}_forms", "deviations", [g, "form_id", "year", "department"])
        else:
            summary = [g, "code", *filters, "n", "points_lost", "first_id"]
            op.create_index(f"ix_form_causes_{g}_summary", "form_causes", summary)


def downgrade() -> None:
    for table in ("form_causes", "deviations", "indicators", "forms", "documents", "model_versions"):
        op.drop_table(table)
