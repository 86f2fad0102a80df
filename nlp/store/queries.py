"""Reading stored documents, correcting labels by hand, and exporting the corrections for retraining."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from nlp.errors import LabelDataError, TextError
from nlp.labelling.review import SOURCE_COLUMNS
from nlp.store.errors import NotFoundError
from nlp.store.models import DeviationRow, DocumentRow, FormRow, now
from nlp.store.rollup import refresh_form_causes, refresh_project_summary
from nlp.store.session import Store
from nlp.taxonomy import load_taxonomy
from nlp.text import check_text

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


UNNAMED = "（未对应到三级指标的扣分行）"
"""How a missing reason shows when the reader could not tie the lossy value row to an indicator name."""


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; every stored one is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


@dataclass
class DeviationInfo:
    """One stored deviation: text, prediction, correction and the effective code."""

    id: int
    indicator: str
    level1: str | None
    level2: str | None
    text: str
    cause_text: str
    measure_text: str
    points_lost: float | None
    predicted_code: str
    confidence: float | None
    abstained: bool
    model_version: str | None
    corrected_code: str | None
    corrected_at: datetime | None
    corrected_by: str | None
    code: str
    label_zh: str

    @classmethod
    def of(cls, row: DeviationRow) -> DeviationInfo:
        """From a stored row."""
        values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name != "label_zh"}
        values["corrected_at"] = _utc(row.corrected_at)
        return cls(**values, label_zh=load_taxonomy().name_zh(row.code))


@dataclass
class FormInfo:
    """One stored form with its deviations and the indicators that lost points without a reason."""

    id: int
    project: str
    department: str | None
    unit: str | None
    year: int | None
    total_score: float | None
    grade: str | None
    deviations: list[DeviationInfo] = field(default_factory=list)
    missing_reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class DocumentInfo:
    """One ingested file."""

    id: int
    file_name: str
    sha256: str
    size_bytes: int
    ingested_at: datetime
    model_version: str | None
    forms: int
    deviations: int
    warnings: list[str]


@dataclass
class DocumentDetail(DocumentInfo):
    """One ingested file with its forms (`form_list`)."""

    form_list: list[FormInfo] = field(default_factory=list)


def _counts(store: Store, document_ids: list[int]) -> dict[int, tuple[int, int]]:
    """document id → (forms, deviations)."""
    with store.sessions() as session:
        forms = dict(
            session.execute(
                select(FormRow.document_id, func.count())
                .where(FormRow.document_id.in_(document_ids))
                .group_by(FormRow.document_id)
            ).all()
        )
        deviations = dict(
            session.execute(
                select(FormRow.document_id, func.count(DeviationRow.id))
                .join(DeviationRow, DeviationRow.form_id == FormRow.id)
                .where(FormRow.document_id.in_(document_ids))
                .group_by(FormRow.document_id)
            ).all()
        )
    return {i: (forms.get(i, 0), deviations.get(i, 0)) for i in document_ids}


def _info(doc: DocumentRow, counts: tuple[int, int]) -> dict:
    return dict(
        id=doc.id,
        file_name=doc.file_name,
        sha256=doc.sha256,
        size_bytes=doc.size_bytes,
        ingested_at=_utc(doc.ingested_at),
        model_version=doc.model_version,
        forms=counts[0],
        deviations=counts[1],
        warnings=list(doc.warnings or []),
    )


def list_documents(store: Store, *, limit: int = 100, offset: int = 0) -> list[DocumentInfo]:
    """Ingested files, newest first."""
    with store.sessions() as session:
        docs = session.scalars(select(DocumentRow).order_by(DocumentRow.id.desc()).limit(limit).offset(offset)).all()
    counts = _counts(store, [d.id for d in docs])
    return [DocumentInfo(**_info(d, counts[d.id])) for d in docs]


def get_document(store: Store, document_id: int) -> DocumentDetail:
    """One ingested file with its forms and deviations; NotFoundError when there is no such id."""
    with store.sessions() as session:
        doc = session.scalar(
            select(DocumentRow)
            .where(DocumentRow.id == document_id)
            .options(
                selectinload(DocumentRow.forms).selectinload(FormRow.deviations),
                selectinload(DocumentRow.forms).selectinload(FormRow.indicators),
            )
        )
        if doc is None:
            raise NotFoundError(f"document {document_id}: not found / 文档不存在")
        forms = [
            FormInfo(
                id=f.id,
                project=f.project,
                department=f.department,
                unit=f.unit,
                year=f.year,
                total_score=f.total_score,
                grade=f.grade,
                deviations=[DeviationInfo.of(d) for d in f.deviations],
                missing_reasons=[i.name or UNNAMED for i in f.indicators if i.reason_missing],
                warnings=list(f.warnings or []),
            )
            for f in doc.forms
        ]
        counts = (len(forms), sum(len(f.deviations) for f in forms))
        return DocumentDetail(**_info(doc, counts), form_list=forms)


def delete_document(store: Store, document_id: int) -> None:
    """Remove an ingested file and everything parsed from it; NotFoundError when there is no such id."""
    with store.transaction() as session:
        doc = session.get(DocumentRow, document_id)
        if doc is None:
            raise NotFoundError(f"document {document_id}: not found / 文档不存在")
        projects = session.scalars(select(FormRow.project).where(FormRow.document_id == document_id).distinct()).all()
        session.delete(doc)
        session.flush()  # the database cascades to forms, indicators, deviations and form_causes
        refresh_project_summary(session, projects)
    log.info("deleted document %d (%s)", document_id, doc.file_name)


def get_deviation(store: Store, deviation_id: int) -> DeviationInfo:
    """One stored deviation; NotFoundError when there is no such id."""
    with store.sessions() as session:
        row = session.get(DeviationRow, deviation_id)
        if row is None:
            raise NotFoundError(f"deviation {deviation_id}: not found / 偏差记录不存在")
        return DeviationInfo.of(row)


def set_label(store: Store, deviation_id: int, code: str | None, who: str) -> DeviationInfo:
    """Record a human's code for a deviation (None removes the correction); it overrides the prediction."""
    return set_labels(store, deviation_id, code, who, same_text=False)[0]


def set_labels(
    store: Store, deviation_id: int, code: str | None, who: str, *, same_text: bool = True
) -> list[DeviationInfo]:
    """Record a human's code for a deviation and, with `same_text`, every deviation of its document with the same text.

    The requested deviation comes first in the answer; None removes the corrections."""
    codes = load_taxonomy().codes
    if code is not None and code not in codes:
        raise LabelDataError(
            f"deviation {deviation_id}: unknown code {code!r}; valid codes: {', '.join(codes)} / 未知代码"
        )
    if not who or not who.strip():
        raise LabelDataError(f"deviation {deviation_id}: say who corrects the label / 需要填写修改人")
    with store.transaction() as session:
        row = session.get(DeviationRow, deviation_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"deviation {deviation_id}: not found / 偏差记录不存在")
        rows = [row]
        if same_text and row.text.strip():
            document_id = session.get(FormRow, row.form_id).document_id
            others = session.scalars(
                select(DeviationRow)
                .join(FormRow, DeviationRow.form_id == FormRow.id)
                .where(FormRow.document_id == document_id, DeviationRow.text == row.text, DeviationRow.id != row.id)
                .order_by(DeviationRow.id)
                .with_for_update()
            ).all()
            rows += list(others)
        for r in rows:
            r.corrected_code = code
            r.corrected_at = now() if code is not None else None
            r.corrected_by = who.strip() if code is not None else None
            r.code = code if code is not None else r.predicted_code
        session.flush()
        refresh_form_causes(session, [r.form_id for r in rows])
        infos = [DeviationInfo.of(r) for r in rows]
    log.info("deviations %s labelled %s by %s", [i.id for i in infos], code, who)
    return infos


EXPORT_EXTRA = ["deviation_id", "predicted", "model_version", "corrected_by", "corrected_at"]
"""Columns an export carries after the labelled-data columns (nlp.training.corpus.COLUMNS)."""


def export_labels(store: Store) -> pd.DataFrame:
    """Every human correction as labelled data (text, label, …) that `piancha train` reads back.

    One row per text: when the same text (under several indicators or forms) was corrected to different codes, the
    latest correction wins, so conflicting corrections never block a retraining; `correction_conflicts` lists them.
    """
    import pandas as pd  # pandas and nlp.training.corpus load on the first export, not with the service

    from nlp.training.corpus import COLUMNS

    query = (
        select(DeviationRow, FormRow.position, DocumentRow.file_name)
        .join(FormRow, DeviationRow.form_id == FormRow.id)
        .join(DocumentRow, FormRow.document_id == DocumentRow.id)
        .where(DeviationRow.corrected_code.is_not(None))
        .order_by(DeviationRow.id)
    )
    with store.sessions() as session:
        rows = [
            {
                "text": d.text,
                "label": d.corrected_code,
                "secondary": "",
                "source": "piancha-store",
                "sector": d.department or "",
                "origin": f"{file_name}, form {position + 1} ({d.project}), indicator {d.indicator}",
                "deviation_id": d.id,
                "predicted": d.predicted_code,
                "model_version": d.model_version,
                "corrected_by": d.corrected_by,
                "corrected_at": _utc(d.corrected_at).isoformat() if d.corrected_at else None,
            }
            for d, position, file_name in session.execute(query).all()
        ]
    frame = pd.DataFrame(rows, columns=[*COLUMNS, *EXPORT_EXTRA])
    latest_last = frame.sort_values(["corrected_at", "deviation_id"], na_position="first", kind="stable")
    return latest_last.drop_duplicates("text", keep="last").sort_values("deviation_id").reset_index(drop=True)


def correction_conflicts(store: Store) -> pd.DataFrame:
    """Texts corrected to more than one code (text, codes, deviations): the latest correction is the one trained on."""
    import pandas as pd

    query = select(DeviationRow.text, DeviationRow.corrected_code, DeviationRow.id).where(
        DeviationRow.corrected_code.is_not(None)
    )
    with store.sessions() as session:
        frame = pd.DataFrame(session.execute(query).all(), columns=["text", "code", "deviation_id"])
    grouped = frame.groupby("text").agg(codes=("code", lambda c: sorted(set(c))), deviations=("deviation_id", list))
    return grouped[grouped["codes"].map(len) > 1].reset_index()


def stored_texts(store: Store, department: str | None = None) -> pd.DataFrame:
    """Stored deviations that carry no human correction, with their project, indicator and department."""
    import pandas as pd

    query = (
        select(
            DeviationRow.id,
            DeviationRow.text,
            DeviationRow.project,
            DeviationRow.indicator,
            DeviationRow.department,
        )
        .where(DeviationRow.corrected_code.is_(None))
        .order_by(DeviationRow.id)
    )
    if department:
        query = query.where(or_(DeviationRow.department == department, DeviationRow.unit == department))
    with store.sessions() as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame(
        [
            {
                "text": text,
                "project": project or "",
                "indicator": indicator or "",
                "department": dept or "",
                "deviation_id": str(i),
            }
            for i, text, project, indicator, dept in rows
            if _classifiable(text, f"deviation {i}")
        ],
        columns=SOURCE_COLUMNS,
    )
    log.info("%d uncorrected stored deviations%s", len(frame), f" of {department}" if department else "")
    return frame


def _classifiable(text: str | None, where: str) -> bool:
    try:
        check_text(text, where=where)
    except TextError as exc:
        log.warning("skipped: %s", exc)
        return False
    return True
