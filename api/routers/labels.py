"""POST /v1/labels (a human correction), DELETE /v1/labels/{id} (undo it), GET /v1/labels (the corrections)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.deps import StoreDep, require_api_key
from api.schemas import MAX_ID, LabelRequest
from nlp.store import export_labels, set_label, set_labels

router = APIRouter(prefix="/labels", tags=["labels"])


@router.post("", dependencies=[Depends(require_api_key)], summary="Correct the code of a stored deviation")
def correct(body: LabelRequest, store: StoreDep) -> dict[str, Any]:
    """The correction overrides the prediction in statistics and is used by the next retraining.

    The answer is the corrected deviation plus `touched` (how many deviations changed) and `deviation_ids`."""
    infos = set_labels(store, body.deviation_id, body.label, body.who or "api", same_text=body.apply_to_same_text)
    return {**asdict(infos[0]), "touched": len(infos), "deviation_ids": [i.id for i in infos]}


@router.get("", summary="Every human correction as labelled data (text, label, …)")
def corrections(store: StoreDep, format: str = Query("json", pattern="^(json|csv)$")) -> Any:
    frame = export_labels(store)
    if format == "csv":
        return Response(
            frame.to_csv(index=False),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="piancha-labels.csv"'},
        )
    return frame.to_dict("records")


@router.delete(
    "/{deviation_id}",
    dependencies=[Depends(require_api_key)],
    summary="Remove the human correction of a stored deviation: the model's code counts again",
)
def undo(store: StoreDep, deviation_id: int = Path(ge=1, le=MAX_ID)) -> dict[str, Any]:
    """The deviation as it is now, its code back to the prediction; an unknown id is 404."""
    return asdict(set_label(store, deviation_id, None, "api"))
