"""form_causes: deviations rolled up per (form, effective code), refreshed whenever a form's deviations change."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from nlp.store.models import DeviationRow, FormCauseRow

_CHUNK = 500


def refresh_form_causes(session: Session, form_ids: Iterable[int]) -> None:
    """Recompute the rolled-up rows of these forms from their deviations (inside the caller's transaction)."""
    ids = sorted(set(form_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        session.execute(delete(FormCauseRow).where(FormCauseRow.form_id.in_(chunk)))
        d = DeviationRow
        rolled = (
            select(
                d.form_id,
                d.code,
                func.count(),
                func.sum(d.points_lost),
                func.min(d.id),
                func.min(d.department),
                func.min(d.unit),
                func.min(d.project),
                func.min(d.year),
            )
            .where(d.form_id.in_(chunk))
            .group_by(d.form_id, d.code)
        )
        columns = ["form_id", "code", "n", "points_lost", "first_id", "department", "unit", "project", "year"]
        session.execute(insert(FormCauseRow).from_select(columns, rolled))
