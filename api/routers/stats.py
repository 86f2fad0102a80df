"""GET /v1/stats/causes: cause-frequency summaries per department, unit, project, year, level."""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import StoreDep
from nlp.store.stats import summarise

router = APIRouter(prefix="/stats", tags=["stats"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/causes", summary="Cause frequencies per group: count, share, points lost, forms, an example")
def causes(
    store: StoreDep,
    group_by: Literal["department", "unit", "project", "year", "level1", "level2"] = "department",
    year: int | None = Query(None, ge=1900, le=2200),
    department: str | None = Query(None, max_length=200),
    format: Literal["json", "csv", "xlsx"] = "json",
    headers: Literal["zh", "code"] = Query(
        "zh", description="CSV/Excel column headers: 中文 (zh, the default) or the code names (code)"
    ),
) -> Any:
    """Rows (group × cause, human corrections win, `other` and `no_cause` kept) and per-group totals.

    CSV starts with a UTF-8 BOM so that Excel on Windows reads the Chinese; the code column (代码) is always there."""
    summary = summarise(store, by=group_by, year=year, department=department)
    zh = headers == "zh"
    if format == "csv":
        return Response(
            "\ufeff" + summary.to_frame(zh).to_csv(index=False),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="piancha-causes-{group_by}.csv"'},
        )
    if format == "xlsx":
        buffer = io.BytesIO()
        summary.to_excel(buffer, zh)
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
