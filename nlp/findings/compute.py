"""Findings computed from what is stored, on request: so they always reflect the latest ingest, label and reclassify."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from nlp.errors import PianchaError
from nlp.findings._load import StoredData, load
from nlp.findings.records import RULES_ZH, Finding, Findings, UnitCount
from nlp.findings.rules import RULES
from nlp.findings.verdicts import Verdict, read_verdicts, record_verdict
from nlp.store import NotFoundError, Store
from nlp.taxonomy import NO_CAUSE

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

COLUMNS = [
    "id",
    "rule",
    "title_zh",
    "department",
    "unit",
    "project",
    "year",
    "form_id",
    "document_id",
    "indicators",
    "deviation_ids",
    "evidence",
    "text",
    "related_form_ids",
    "count",
    "rate",
    "verdict",
    "verdict_zh",
    "verdict_by",
    "verdict_at",
]
COLUMNS_ZH = {
    "id": "编号",
    "rule": "规则",
    "title_zh": "审计发现",
    "department": "主管部门",
    "unit": "实施单位",
    "project": "项目",
    "year": "年度",
    "form_id": "表单编号",
    "document_id": "文档编号",
    "indicators": "涉及指标",
    "deviation_ids": "偏差编号",
    "evidence": "依据",
    "text": "相关文本",
    "related_form_ids": "相关表单",
    "count": "条数",
    "rate": "比例",
    "verdict": "核实结论代码",
    "verdict_zh": "核实结论",
    "verdict_by": "核实人",
    "verdict_at": "核实时间",
}


class FindingsError(PianchaError, ValueError):
    """Findings asked for in a way that cannot be answered (an unknown rule)."""


def _only_year(data: StoredData, year: int) -> StoredData:
    return StoredData(
        data.deviations[data.deviations["year"] == year],
        data.forms[data.forms["year"] == year],
        data.missing[data.missing["form_id"].isin(data.forms.loc[data.forms["year"] == year, "form_id"])],
    )


def _unit_counts(data: StoredData, findings: list[Finding]) -> list[UnitCount]:
    """Findings per unit and rule, with each unit's texts and no_cause rate."""
    d = data.deviations
    texts = d.loc[d["has_text"].to_numpy(dtype=bool), ["unit", "code"]]
    per_unit = (
        texts.assign(no_cause=texts["code"] == NO_CAUSE)
        .groupby("unit", dropna=False)
        .agg(texts=("code", "size"), no_cause=("no_cause", "sum"))
    )
    departments = dict(zip(data.forms["unit"], data.forms["department"]))
    by_rule: dict[Any, Counter] = defaultdict(Counter)
    for f in findings:
        by_rule[f.unit][f.rule] += 1
    units = sorted(set(by_rule) | set(data.forms["unit"]), key=lambda u: (u is None or u != u, u or ""))
    out = []
    for unit in units:
        key = None if unit != unit else unit  # NaN from pandas → None
        n_texts = int(per_unit["texts"].get(unit, 0)) if unit in per_unit.index else 0
        n_bad = int(per_unit["no_cause"].get(unit, 0)) if unit in per_unit.index else 0
        counts = by_rule.get(unit, Counter())
        out.append(
            UnitCount(
                department=departments.get(unit),
                unit=key,
                total=sum(counts.values()),
                by_rule={rule: counts.get(rule, 0) for rule in RULES_ZH},
                texts=n_texts,
                no_cause=n_bad,
                no_cause_rate=n_bad / n_texts if n_texts else None,
            )
        )
    return out


def find_findings(
    store: Store, *, department: str | None = None, year: int | None = None, rules: list[str] | None = None
) -> Findings:
    """Every finding under the filters (a year: findings of that year; a repeated promise ending in it), verdicts
    attached, and the counts per unit. Computed from the stored rows now: human corrections win."""
    chosen = list(RULES) if rules is None else rules
    unknown = [r for r in chosen if r not in RULES]
    if unknown:
        raise FindingsError(f"unknown rule {unknown[0]!r}; choose from {', '.join(RULES)} / 未知的审计规则")
    data = load(store, department=department, years=None if year is None else (year - 1, year))
    this_year = data if year is None else _only_year(data, year)
    documents = dict(zip(data.forms["form_id"], data.forms["document_id"]))
    verdicts = read_verdicts(store)
    findings: list[Finding] = []
    for rule in chosen:
        found = RULES[rule](data if rule == "repeated_promise" else this_year)
        for f in found:
            if f.document_id is None and f.form_id is not None:
                f.document_id = int(documents[f.form_id])
            given = verdicts.get(f.id)
            if given is not None:
                f.verdict, f.verdict_zh, f.verdict_by, f.verdict_at = (
                    given.verdict,
                    given.verdict_zh,
                    given.who,
                    given.at,
                )
        findings.extend(found)
    log.info("findings (department %s, year %s): %d", department, year, len(findings))
    return Findings(department, year, findings, _unit_counts(this_year, findings))


def set_verdict(store: Store, finding_id: str, verdict: str | None, who: str, note: str | None = None) -> Finding:
    """Mark a finding 已核实 (`confirmed`) or 不成立 (`rejected`), or remove the mark (None); the finding as it is
    now. NotFoundError when no current finding has that id."""
    current = next((f for f in find_findings(store).findings if f.id == finding_id), None)
    if current is None:
        raise NotFoundError(f"finding {finding_id}: not found among the current findings / 审计发现不存在")
    given: Verdict | None = record_verdict(store, finding_id, current.rule, verdict, who, note)
    current.verdict = given.verdict if given else None
    current.verdict_zh = given.verdict_zh if given else None
    current.verdict_by = given.who if given else None
    current.verdict_at = given.at if given else None
    return current


def findings_frame(findings: Findings, zh: bool = False) -> pd.DataFrame:
    """One row per finding (lists joined with 、); with `zh`, Chinese column headers."""
    import pandas as pd

    rows = []
    for f in findings.findings:
        row = f.to_dict()
        for name in ("indicators", "deviation_ids", "related_form_ids"):
            row[name] = "、".join(map(str, row[name]))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.rename(columns=COLUMNS_ZH) if zh else frame


UNIT_COLUMNS_ZH = {
    "department": "主管部门",
    "unit": "实施单位",
    "total": "审计发现合计",
    **RULES_ZH,
    "texts": "偏差说明条数",
    "no_cause": "未说明真实原因条数",
    "no_cause_rate": "未说明真实原因比例",
}


def units_frame(findings: Findings, zh: bool = False) -> pd.DataFrame:
    """The counts per unit, one column per rule; with `zh`, Chinese headers."""
    import pandas as pd

    rows = [
        {
            "department": u.department,
            "unit": u.unit,
            "total": u.total,
            **u.by_rule,
            "texts": u.texts,
            "no_cause": u.no_cause,
            "no_cause_rate": u.no_cause_rate,
        }
        for u in findings.units
    ]
    frame = pd.DataFrame(rows, columns=list(UNIT_COLUMNS_ZH))
    return frame.rename(columns=UNIT_COLUMNS_ZH) if zh else frame


def write_findings_excel(findings: Findings, target: Any, zh: bool = True) -> None:
    """The findings (sheet 审计发现) and the counts per unit (各单位) as .xlsx."""
    import pandas as pd

    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        findings_frame(findings, zh).to_excel(writer, sheet_name="审计发现", index=False)
        units_frame(findings, zh).to_excel(writer, sheet_name="各单位", index=False)
