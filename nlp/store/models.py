"""The tables: model versions, documents, forms, indicators and deviations."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy import text as sql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

GROUP_COLUMNS = ("department", "unit", "project", "year", "level1", "level2")
"""What a summary can group by; deviations and indicators carry them all, written at ingest."""
FORM_COLUMNS = ("department", "unit", "project", "year")
"""The groupings a whole form falls into; form_causes rolls deviations up to (form, code) for them."""


def now() -> datetime:
    """The current time in UTC (what every stored timestamp uses)."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """The declarative base of every table."""


class ModelVersionRow(Base):
    """A classifier version that has labelled at least one stored deviation."""

    __tablename__ = "model_versions"

    version: Mapped[str] = mapped_column(String(100), primary_key=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DocumentRow(Base):
    """One ingested file, known by the sha256 of its bytes."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    model_version: Mapped[str | None] = mapped_column(ForeignKey("model_versions.version"))
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)

    forms: Mapped[list[FormRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True, order_by="FormRow.position"
    )


class FormRow(Base):
    """One 财政项目支出绩效自评表 of a document, with its budget block."""

    __tablename__ = "forms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    project: Mapped[str] = mapped_column(String(500))
    department: Mapped[str | None] = mapped_column(String(500))
    unit: Mapped[str | None] = mapped_column(String(500))
    year: Mapped[int | None] = mapped_column(Integer)
    budget_initial: Mapped[float | None] = mapped_column(Float)
    budget_full_year: Mapped[float | None] = mapped_column(Float)
    budget_executed: Mapped[float | None] = mapped_column(Float)
    execution_rate: Mapped[float | None] = mapped_column(Float)
    budget_weight: Mapped[float | None] = mapped_column(Float)
    budget_score: Mapped[float | None] = mapped_column(Float)
    overall_target: Mapped[str | None] = mapped_column(Text)
    overall_actual: Mapped[str | None] = mapped_column(Text)
    total_score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(50))
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    deviation_count: Mapped[int] = mapped_column(Integer, default=0)
    """How many deviations the form has (summaries count forms per group from here, not from 1M deviations)."""

    document: Mapped[DocumentRow] = relationship(back_populates="forms")
    indicators: Mapped[list[IndicatorRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="IndicatorRow.position"
    )
    deviations: Mapped[list[DeviationRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="DeviationRow.position"
    )


def _summary_columns(group: str, table: str) -> list[str]:
    """A covering index for one grouping: the group, the code, the filters and what is aggregated."""
    filters = [f for f in ("year", "department") if f != group]
    if table == "deviations":
        return [group, "code", "form_id", *filters, "points_lost"]
    return [group, "code", *filters, "n", "points_lost", "first_id"]


class _GroupColumns:
    """The form's and indicator's grouping fields, copied onto the row so summaries need no join."""

    department: Mapped[str | None] = mapped_column(String(500))
    unit: Mapped[str | None] = mapped_column(String(500))
    project: Mapped[str | None] = mapped_column(String(500))
    year: Mapped[int | None] = mapped_column(Integer)
    level1: Mapped[str | None] = mapped_column(String(200))
    level2: Mapped[str | None] = mapped_column(String(200))


REASON_MISSING = sql("reason_missing")
"""The partial indexes' condition. A query must say exactly this to use them: SQLite does not read
`reason_missing = 1` or `IS 1` (what SQLAlchemy writes for the column) as implying it, and scans the table."""


class IndicatorRow(_GroupColumns, Base):
    """One 三级指标 with its 分值 and 得分; `reason_missing` when it lost points with no deviation text."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    target: Mapped[str | None] = mapped_column(Text)
    actual: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    reason_missing: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = tuple(
        Index(f"ix_indicators_missing_{g}", g, sqlite_where=REASON_MISSING, postgresql_where=REASON_MISSING)
        for g in GROUP_COLUMNS
    )


class DeviationRow(_GroupColumns, Base):
    """One 偏差原因分析及改进措施 text: prediction, human correction and the effective `code`."""

    __tablename__ = "deviations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    cause_text: Mapped[str] = mapped_column(Text, default="")
    measure_text: Mapped[str] = mapped_column(Text, default="")
    points_lost: Mapped[float | None] = mapped_column(Float)
    predicted_code: Mapped[str] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    abstained: Mapped[bool] = mapped_column(Boolean, default=False)
    model_version: Mapped[str | None] = mapped_column(ForeignKey("model_versions.version"), index=True)
    classified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    corrected_code: Mapped[str | None] = mapped_column(String(40))
    corrected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    corrected_by: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40))
    """The effective code: the human correction when there is one, else the prediction."""

    indicator_row: Mapped[IndicatorRow | None] = relationship()

    __table_args__ = (
        *(Index(f"ix_deviations_{g}_summary", *_summary_columns(g, "deviations")) for g in ("level1", "level2")),
        *(Index(f"ix_deviations_{g}_forms", g, "form_id", "year", "department") for g in ("level1", "level2")),
        Index(
            "ix_deviations_corrected",
            "corrected_code",
            sqlite_where=sql("corrected_code IS NOT NULL"),
            postgresql_where=sql("corrected_code IS NOT NULL"),
        ),
        Index(  # the few deviations whose points lost are unknown, counted per group by every summary
            "ix_deviations_lost_unknown",
            "id",
            sqlite_where=sql("points_lost IS NULL"),
            postgresql_where=sql("points_lost IS NULL"),
        ),
    )


class FormCauseRow(Base):
    """Deviations rolled up per (form, effective code); kept in step by every write, read by form-level summaries."""

    __tablename__ = "form_causes"

    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    points_lost: Mapped[float | None] = mapped_column(Float)
    first_id: Mapped[int] = mapped_column(Integer)
    """The lowest deviation id of the cell: where a summary takes its example text."""
    department: Mapped[str | None] = mapped_column(String(500))
    unit: Mapped[str | None] = mapped_column(String(500))
    project: Mapped[str | None] = mapped_column(String(500))
    year: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = tuple(
        Index(f"ix_form_causes_{g}_summary", *_summary_columns(g, "form_causes")) for g in FORM_COLUMNS
    )


class ProjectSummaryRow(Base):
    """The unfiltered by-project summary's rows, stored as summarise returns them; kept in step by every write.

    With 16,000 projects a summary by project has over 200,000 rows: reading them ready-made (shares and
    rounded points computed at write time, in order) is what keeps it under a second. Projects are never NULL
    (forms.project is NOT NULL and every row below a form copies it).
    """

    __tablename__ = "project_summary_rows"

    project: Mapped[str] = mapped_column(String(500), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    """The row's place in its project: by count, highest first, then by code."""
    code: Mapped[str] = mapped_column(String(40))
    n: Mapped[int] = mapped_column(Integer)
    share: Mapped[float] = mapped_column(Float)
    points_lost: Mapped[float | None] = mapped_column(Float)
    """Rounded to 2 places, as a summary shows it; NULL when none of the deviations has known points lost."""
    forms: Mapped[int] = mapped_column(Integer)
    example: Mapped[str] = mapped_column(Text)

    __table_args__ = {"sqlite_with_rowid": False}  # SQLite keeps the rows in (project, rank) order


class ProjectTotalRow(Base):
    """The unfiltered by-project summary's group totals, one row per project; `causes`: how many rows it has."""

    __tablename__ = "project_totals"

    project: Mapped[str] = mapped_column(String(500), primary_key=True)
    causes: Mapped[int] = mapped_column(Integer)
    deviations: Mapped[int] = mapped_column(Integer)
    forms: Mapped[int] = mapped_column(Integer)
    points_lost: Mapped[float | None] = mapped_column(Float)
    missing_reasons: Mapped[int] = mapped_column(Integer)
    abstained: Mapped[int] = mapped_column(Integer)
    abstain_rate: Mapped[float] = mapped_column(Float)
    no_cause: Mapped[int] = mapped_column(Integer)

    __table_args__ = {"sqlite_with_rowid": False}


class FindingVerdictRow(Base):
    """An analyst's verdict on an audit finding (已核实 / 不成立), kept by the finding's stable id.

    Findings are computed from the stored deviations on request (nlp.findings); the id is a hash of the rule and
    what the finding is about, so a verdict still applies after the findings are computed again."""

    __tablename__ = "finding_verdicts"

    finding_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    verdict: Mapped[str] = mapped_column(String(20))
    """`confirmed` (已核实) or `rejected` (不成立)."""
    who: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
