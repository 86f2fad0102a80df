"""GET /v1/reports/department.xlsx: the department report (summary with charts, causes, findings, deviations)."""

from __future__ import annotations

import io
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import StoreDep
from api.routers.stats import XLSX

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get(
    "/department.xlsx",
    summary="The department report: one workbook an auditor can forward",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
def department(
    store: StoreDep,
    department: str = Query(..., min_length=1, max_length=200, description="the 主管部门"),
    year: int | None = Query(None, ge=1900, le=2200),
) -> Response:
    """Sheets 概览 (totals, causes and findings, with Excel charts), 各单位原因 (points lost unknown: —),
    审计发现, 偏差明细 (codes and confidence). A department with no stored forms is 422."""
    from nlp.report import write_department_report  # openpyxl and pandas, on first use

    buffer = io.BytesIO()
    write_department_report(store, buffer, department, year)
    name = f"piancha-report-{department}{'' if year is None else f'-{year}'}.xlsx"
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename=\"department.xlsx\"; filename*=UTF-8''{quote(name)}"},
    )
