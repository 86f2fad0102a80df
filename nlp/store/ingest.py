"""parse → classify → store, one transaction per document; and re-running a newer model over what is stored."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from nlp.errors import FormParseError, TextError
from nlp.forms.records import Form
from nlp.store.errors import StoreError
from nlp.store.models import DeviationRow, DocumentRow, FormRow, IndicatorRow, ModelVersionRow, now
from nlp.store.rollup import refresh_form_causes
from nlp.store.session import Store
from nlp.taxonomy import ABSTAIN, NO_CAUSE
from nlp.text import MAX_TEXT_CHARS, check_text

if TYPE_CHECKING:
    from nlp.classify.inference import CauseModel, Prediction

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """What ingesting one file did: the document it is stored as, and whether it was new."""

    document_id: int
    file_name: str
    sha256: str
    created: bool
    forms: int
    deviations: int
    warnings: list[str] = field(default_factory=list)


@dataclass
class ReclassifyResult:
    """What re-running a model over the stored deviations did."""

    model_version: str | None
    examined: int
    changed: int
    corrected_kept: int


def _has_text(text: str | None) -> bool:
    """True when a text says anything at all (an over-long one does; it is refused later, not dropped)."""
    try:
        check_text((text or "")[:MAX_TEXT_CHARS])
    except TextError:
        return False
    return True


@dataclass(frozen=True)
class Verdict:
    """What is stored of one deviation text: the model's answer, or why there is none.

    `refusal` says why a text could not be classified (too long): it is stored as abstained and reported;
    `given` is False for a deviation without any text, stored as no_cause and never as an explanation."""

    code: str
    confidence: float | None
    abstained: bool
    cause_text: str = ""
    measure_text: str = ""
    classified: bool = False
    refusal: str | None = None
    given: bool = True

    @classmethod
    def of(cls, prediction: Prediction) -> Verdict:
        """The model's answer for a text."""
        p = prediction
        return cls(p.label, p.confidence, p.abstained, p.cause_text, p.measure_text, classified=True)

    @classmethod
    def refused(cls, reason: str) -> Verdict:
        """A text that cannot be classified: counted, shown as abstained."""
        return cls(ABSTAIN, 0.0, True, refusal=reason)


NO_TEXT = Verdict(NO_CAUSE, None, False, given=False)
"""The verdict of a deviation with no text at all."""


def _classify(model: CauseModel, texts: Sequence[str]) -> dict[str, Verdict]:
    """Each distinct text → its verdict: the model's prediction, or the reason it cannot be classified (too long)."""
    results: dict[str, Verdict] = {}
    valid = []
    for text in dict.fromkeys(texts):
        try:
            check_text(text)
        except TextError as exc:
            results[text] = Verdict.refused(str(exc))
        else:
            valid.append(text)
    for text, prediction in zip(valid, model.classify_batch(valid, evidence=0) if valid else []):
        results[text] = Verdict.of(prediction)
    return results


def _register_model(session: Session, model: CauseModel) -> str | None:
    """The model's version, with a model_versions row for it (added in this transaction if new)."""
    if model.version is None:
        return None
    if session.get(ModelVersionRow, model.version) is None:
        meta = getattr(model, "metadata", {}) or {}
        details = {k: meta[k] for k in ("classifier", "created_at", "abstain_threshold") if k in meta}
        session.add(ModelVersionRow(version=model.version, registered_at=now(), details=details))
        session.flush()
    return model.version


def _link(form: Form) -> list[int | None]:
    """For each deviation of a form, the position of the indicator it explains (same name, same parents)."""
    used: set[int] = set()
    links: list[int | None] = []
    for d in form.deviations:
        candidates = [
            i
            for i, ind in enumerate(form.indicators)
            if ind.name == d.indicator
            and (d.level1 is None or ind.level1 == d.level1)
            and (d.level2 is None or ind.level2 == d.level2)
        ]
        free = [i for i in candidates if i not in used]
        chosen = free[0] if free else (candidates[0] if candidates else None)
        if chosen is not None:
            used.add(chosen)
        links.append(chosen)
    return links


INDICATOR_FIELDS = ("name", "level1", "level2", "target", "actual", "weight", "score")
"""What an indicators row copies of a parsed Indicator."""
FORM_FIELDS = ("project", "department", "unit", "year", "overall_target", "overall_actual", "total_score", "grade")
"""What a forms row copies of a parsed Form (beside its budget, warnings and counts)."""
BUDGET_COLUMNS = {
    "budget_initial": "initial",
    "budget_full_year": "full_year",
    "budget_executed": "executed",
    "execution_rate": "execution_rate",
    "budget_weight": "weight",
    "budget_score": "score",
}
"""The forms row's budget columns and the Budget fields they hold."""


def _copied(record: Any, names: Sequence[str]) -> dict[str, Any]:
    """The named attributes of a parsed record, as column values of the same names."""
    return {name: getattr(record, name) for name in names}


def _form_columns(form: Form, position: int) -> FormRow:
    """The form's own row: what it says about the project, its budget and the warnings of its reading."""
    budget = {column: getattr(form.budget, name) for column, name in BUDGET_COLUMNS.items()}
    return FormRow(
        position=position,
        **_copied(form, FORM_FIELDS),
        **budget,
        warnings=list(form.warnings),
        deviation_count=len(form.deviations),
    )


def _indicator_rows(form: Form, group: dict[str, Any]) -> list[IndicatorRow]:
    """One row per 三级指标, in reading order; missing reasons are flagged once the deviations are placed."""
    return [
        IndicatorRow(position=i, **_copied(ind, INDICATOR_FIELDS), reason_missing=False, **group)
        for i, ind in enumerate(form.indicators)
    ]


@dataclass
class _Placement:
    """Which indicators the deviations of one form explain, and whose points lost were already counted."""

    explained: set[int] = field(default_factory=set)
    charged: set[int] = field(default_factory=set)


def _deviation_row(
    form: Form,
    i: int,
    link: int | None,
    indicators: list[IndicatorRow],
    verdict: Verdict,
    model_version: str | None,
    placement: _Placement,
    group: dict[str, Any],
) -> DeviationRow:
    """One deviation as stored: its verdict, points lost (an indicator's count once) and the indicator it explains."""
    d = form.deviations[i]
    indicator = indicators[link] if link is not None else None
    lost = d.points_lost
    if lost is None and link is not None and link not in placement.charged:
        lost = form.indicators[link].points_lost
        placement.charged.add(link)
    if link is not None and verdict.given:
        placement.explained.add(link)
    version = model_version if verdict.classified else None
    return DeviationRow(
        position=i,
        indicator=d.indicator,
        indicator_row=indicator,
        text=d.text or "",
        cause_text=verdict.cause_text,
        measure_text=verdict.measure_text,
        points_lost=lost,
        predicted_code=verdict.code,
        confidence=verdict.confidence,
        abstained=verdict.abstained,
        model_version=version,
        classified_at=now() if version else None,
        code=verdict.code,
        level1=d.level1 if d.level1 is not None else (indicator.level1 if indicator is not None else None),
        level2=d.level2 if d.level2 is not None else (indicator.level2 if indicator is not None else None),
        **group,
    )


def _form_row(form: Form, position: int, model_version: str | None, verdicts: dict[str, Verdict]) -> FormRow:
    """One parsed form as rows: the form, its indicators (missing reasons flagged) and its deviations."""
    group = {"department": form.department, "unit": form.unit, "project": form.project, "year": form.year}
    row = _form_columns(form, position)
    indicators = _indicator_rows(form, group)
    placement = _Placement()
    for i, (d, link) in enumerate(zip(form.deviations, _link(form))):
        verdict = verdicts[d.text] if _has_text(d.text) else NO_TEXT
        row.deviations.append(_deviation_row(form, i, link, indicators, verdict, model_version, placement, group))
    for i, (ind, parsed) in enumerate(zip(indicators, form.indicators)):
        lost = parsed.points_lost
        ind.reason_missing = bool(lost is not None and lost > 0 and i not in placement.explained)
    row.indicators.extend(indicators)
    flagged = sum(i.reason_missing for i in indicators)
    row.indicators.extend(_untied_missing(form, flagged, len(indicators), group))
    return row


def _untied_missing(form: Form, flagged: int, position: int, group: dict[str, Any]) -> list[IndicatorRow]:
    """Lossy value rows beyond the texts given, when the reader could not tie every value row to a name.

    PDF text often lists 分值/得分 rows apart from the 三级指标 names (Form.value_rows). The form still shows
    how many rows lost points; as in nlp.forms.checks.audit, those beyond the number of explained indicators
    are missing reasons. The ones not already flagged on a named indicator are stored unnamed; which lossy
    rows they are is not known, so the last ones stand for them.
    """
    lossy = [r for r in form.value_rows if (r.points_lost or 0) > 0]
    explained = len({d.indicator for d in form.deviations if _has_text(d.text)})
    extra = max(0, len(lossy) - explained) - flagged
    unexplained = lossy[len(lossy) - extra :] if extra > 0 else []
    return [
        IndicatorRow(
            position=position + k, **(_copied(r, INDICATOR_FIELDS) | {"name": ""}), reason_missing=True, **group
        )
        for k, r in enumerate(unexplained)
    ]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _existing(store: Store, sha256: str) -> IngestResult | None:
    """The no-op result for bytes already stored, or None."""
    with store.sessions() as session:
        doc = session.scalar(select(DocumentRow).where(DocumentRow.sha256 == sha256))
        if doc is None:
            return None
        forms = session.scalar(select(func.count()).where(FormRow.document_id == doc.id)) or 0
        deviations = session.scalar(
            select(func.count()).select_from(DeviationRow).join(FormRow).where(FormRow.document_id == doc.id)
        )
    message = (
        f"{doc.file_name}: already ingested as document {doc.id} (same sha256); nothing done / 文件已导入，未重复导入"
    )
    return IngestResult(doc.id, doc.file_name, sha256, False, forms, deviations or 0, [message])


def ingest_forms(
    store: Store,
    forms: Sequence[Form],
    model: CauseModel,
    *,
    file_name: str,
    sha256: str | None = None,
    size_bytes: int = 0,
) -> IngestResult:
    """Classify already-parsed forms and store them as one document, in one transaction."""
    if sha256 is None:
        sha256 = _digest(json.dumps([f.to_dict() for f in forms], ensure_ascii=False, sort_keys=True).encode())
    existing = _existing(store, sha256)
    if existing is not None:
        log.info("%s", existing.warnings[0])
        return existing
    verdicts = _classify(model, [d.text for f in forms for d in f.deviations if _has_text(d.text)])
    warnings = [w for f in forms for w in f.warnings]
    for n, form in enumerate(forms, start=1):
        for d in form.deviations:
            refusal = verdicts[d.text].refusal if d.text in verdicts else None
            if refusal is not None:
                warnings.append(f"{file_name}, form {n} ({form.project}), indicator {d.indicator}: {refusal}")
    for attempt in (1, 2):
        try:
            with store.transaction() as session:
                version = _register_model(session, model)
                doc = DocumentRow(
                    file_name=file_name,
                    sha256=sha256,
                    size_bytes=size_bytes,
                    ingested_at=now(),
                    model_version=version,
                    warnings=warnings,
                )
                doc.forms.extend(_form_row(form, i, version, verdicts) for i, form in enumerate(forms))
                session.add(doc)
                session.flush()
                refresh_form_causes(session, [f.id for f in doc.forms])
                document_id = doc.id
            break
        except IntegrityError:
            # Another process stored the same file or registered the same model version meanwhile.
            existing = _existing(store, sha256)
            if existing is not None:
                return existing
            if attempt == 2:
                raise StoreError(f"{file_name}: could not be stored (conflicting write) / 文件入库失败") from None
        except SQLAlchemyError as exc:
            raise StoreError(
                f"{file_name}: could not be stored, nothing was written: {exc} / 文件入库失败，未写入任何数据"
            ) from None
    deviations = sum(len(f.deviations) for f in forms)
    log.info("%s: stored as document %d (%d forms, %d deviations)", file_name, document_id, len(forms), deviations)
    return IngestResult(document_id, file_name, sha256, True, len(forms), deviations, warnings)


def _parse(data: bytes, file_name: str, time_limit: float | None = None, memory_mb: int | None = None) -> list[Form]:
    """The forms of a file's bytes, parsed by nlp.forms (in a child process when there is a time limit)."""
    import nlp.forms  # the forms reader; resolved at call time so tests can stand in for it

    if time_limit is None:
        forms = nlp.forms.read_upload(data, file_name)
    else:
        from nlp.forms.isolated import run_isolated

        forms = run_isolated(
            nlp.forms.read_upload, data, file_name, what=file_name, time_limit=time_limit, memory_mb=memory_mb
        )
    if not forms:
        raise FormParseError(f"{file_name}: no 项目支出绩效自评表 found / 未找到自评表")
    for form in forms:
        form.source = file_name
    return forms


def ingest_file(
    store: Store,
    source: Path | str | bytes,
    model: CauseModel,
    *,
    file_name: str | None = None,
    time_limit: float | None = None,
    memory_mb: int | None = None,
) -> IngestResult:
    """Parse, classify and store one file (a path, or uploaded bytes and their name); the same bytes again: no-op.

    With a `time_limit` (seconds) the file is read in a child process that is stopped after that long, and
    that may use at most `memory_mb` MiB (nlp.forms.isolated): what a server does with uploads.
    """
    if isinstance(source, bytes):
        if not file_name:
            raise StoreError("uploaded bytes need a file name / 上传内容需要文件名")
        data = source
    else:
        path = Path(source)
        if not path.is_file():
            raise FormParseError(f"{path}: no such file / 文件不存在")
        data, file_name = path.read_bytes(), file_name or path.name
    sha256 = _digest(data)
    existing = _existing(store, sha256)
    if existing is not None:
        log.info("%s", existing.warnings[0])
        return existing
    forms = _parse(data, file_name, time_limit, memory_mb)
    return ingest_forms(store, forms, model, file_name=file_name, sha256=sha256, size_bytes=len(data))


def reclassify(
    store: Store,
    model: CauseModel,
    *,
    force: bool = False,
    batch_size: int = 2000,
    progress: Callable[[int, int], Any] | None = None,
) -> ReclassifyResult:
    """Re-run `model` over stored deviations with text (human corrections stay); one commit per batch, resumable."""
    with store.transaction() as session:
        version = _register_model(session, model)
    todo = select(
        DeviationRow.id,
        DeviationRow.form_id,
        DeviationRow.text,
        DeviationRow.predicted_code,
        DeviationRow.corrected_code,
    )
    todo = todo.where(DeviationRow.text != "")
    if not force and version is not None:
        todo = todo.where((DeviationRow.model_version.is_(None)) | (DeviationRow.model_version != version))
    with store.sessions() as session:
        total = session.scalar(select(func.count()).select_from(todo.subquery())) or 0
    examined = changed = kept = 0
    last_id = 0
    while True:
        with store.transaction() as session:
            rows = session.execute(
                todo.where(DeviationRow.id > last_id).order_by(DeviationRow.id).limit(batch_size)
            ).all()
            if not rows:
                break
            verdicts = _classify(model, [r.text for r in rows])
            updates = []
            for r in rows:
                verdict = verdicts[r.text]
                if verdict.refusal is not None:
                    continue
                changed += verdict.code != r.predicted_code
                kept += r.corrected_code is not None
                updates.append(
                    {
                        "id": r.id,
                        "predicted_code": verdict.code,
                        "confidence": verdict.confidence,
                        "abstained": verdict.abstained,
                        "cause_text": verdict.cause_text,
                        "measure_text": verdict.measure_text,
                        "model_version": version,
                        "classified_at": now(),
                        "code": r.corrected_code or verdict.code,
                    }
                )
            if updates:
                session.execute(update(DeviationRow), updates)
                refresh_form_causes(session, {r.form_id for r in rows})
            examined += len(rows)
            last_id = rows[-1].id
        if progress is not None:
            progress(examined, total)
    log.info(
        "reclassified %d deviations with model %s: %d changed, %d corrections kept", examined, version, changed, kept
    )
    return ReclassifyResult(version, examined, changed, kept)
