"""GET /v1/stats/causes: cause-frequency summaries per department, unit, project, year, level."""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.deps import get_store
from nlp.stats import summarise
from nlp.store import Store

router = APIRouter(prefix="/v1/stats", tags=["stats"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/causes", summary="Cause frequencies per group: count, share, points lost, forms, an example")
def causes(
    group_by: Literal["department", "unit", "project", "year", "level1", "level2"] = "department",
    year: int | None = Query(None, ge=1900, le=2200),
    department: str | None = Query(None, max_length=200),
    format: Literal["json", "csv", "xlsx"] = "json",
    store: Store = Depends(get_store),
) -> Any:
    """Rows (group × cause, human corrections win, `other` and `no_cause` kept) and per-group totals."""
    summary = summarise(store, by=group_by, year=year, department=department)
    if format == "csv":
        return Response(
            summary.to_frame().to_csv(index=False),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="piancha-causes-{group_by}.csv"'},
        )
    if format == "xlsx":
        buffer = io.BytesIO()
        summary.to_excel(buffer)
        return Response(
            buffer.getvalue(),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="piancha-causes-{group_by}.xlsx"'},
        )
    return {
        "group_by": group_by,
        "year": year,
        "department": department,
        "rows": [asdict(r) for r in summary.rows],
        "groups": [asdict(g) for g in summary.groups],
    }
