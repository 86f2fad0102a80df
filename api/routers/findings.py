"""GET /v1/findings (the audit findings, filtered like the statistics), POST /v1/findings/verdicts (已核实 / 不成立)."""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.deps import StoreDep, require_api_key
from api.routers.stats import XLSX
from api.schemas import VerdictRequest
from nlp.findings import RULES_ZH

router = APIRouter(prefix="/findings", tags=["findings"])
Rule = Literal[tuple(RULES_ZH)]  # type: ignore[valid-type]


@router.get("", summary="Audit findings: pasted texts, repeated promises, reasons against the numbers, no real cause")
def findings(
    store: StoreDep,
    year: int | None = Query(None, ge=1900, le=2200),
    department: str | None = Query(None, max_length=200),
    rule: list[Rule] | None = Query(None, description="only these rules (repeat the parameter for several)"),
    limit: int = Query(1000, ge=1, le=100_000, description="at most this many findings in the JSON answer"),
    offset: int = Query(0, ge=0, le=10_000_000),
    format: Literal["json", "csv", "xlsx"] = "json",
    headers: Literal["zh", "code"] = Query(
        "zh", description="CSV/Excel column headers: 中文 (zh, the default) or the code names (code)"
    ),
) -> Any:
    """Computed from the stored deviations now (human corrections win), with any analyst's verdict; `units`: the
    findings per unit and rule and each unit's share of texts with no real cause. CSV and Excel hold every finding."""
    from nlp.findings import find_findings, findings_frame, write_findings_excel  # pandas, on first use

    result = find_findings(store, department=department, year=year, rules=list(rule) if rule else None)
    zh = headers == "zh"
    if format == "csv":
        return Response(
            "\ufeff" + findings_frame(result, zh).to_csv(index=False),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="piancha-findings.csv"'},
        )
    if format == "xlsx":
        buffer = io.BytesIO()
        write_findings_excel(result, buffer, zh)
        return Response(
            buffer.getvalue(),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="piancha-findings.xlsx"'},
        )
    return {
        "department": department,
        "year": year,
        "total": len(result.findings),
        "rules": RULES_ZH,
        "units": [asdict(u) for u in result.units],
        "findings": [f.to_dict() for f in result.findings[offset : offset + limit]],
    }


@router.post("/verdicts", dependencies=[Depends(require_api_key)], summary="Mark a finding 已核实 or 不成立")
def verdict(body: VerdictRequest, store: StoreDep) -> dict[str, Any]:
    """Kept with who and when by the finding's id, so it stays after the findings are computed again; `verdict:
    null` removes it. An id that is not among the current findings is 404."""
    from nlp.findings import set_verdict

    return set_verdict(store, body.finding_id, body.verdict, body.who or "api", body.note).to_dict()
