"""Audit findings read off the stored deviations: explanations pasted under many indicators or projects, the same
cause and nearly the same improvement measure promised year after year (Sørensen–Dice of character bigrams ≥ 0.7),
reasons that contradict the numbers (funds blamed at 执行率 ≥ 99 %, "已完成" while points were lost, points lost with
no text, a text where nothing was lost; unknown points lost never fire a rule) and the share of texts that give no
real cause, per unit. Findings are computed from the store on request, so they follow every ingest, correction and
reclassification; an analyst's verdict (已核实 / 不成立) is kept by the finding's stable id.

find_findings(store, department="上海市交通委员会", year=2023)   # one call does the job
set_verdict(store, finding.id, "confirmed", "王芳")
"""

from nlp.findings.compute import (
    FindingsError,
    find_findings,
    findings_frame,
    set_verdict,
    units_frame,
    write_findings_excel,
)
from nlp.findings.records import RULES_ZH, VERDICTS_ZH, Finding, Findings, UnitCount
from nlp.findings.rules import RULES
from nlp.findings.similarity import MEASURE_SIMILARITY, measure_similarity
from nlp.findings.verdicts import Verdict, VerdictError

__all__ = [
    "MEASURE_SIMILARITY",
    "RULES",
    "RULES_ZH",
    "VERDICTS_ZH",
    "Finding",
    "Findings",
    "FindingsError",
    "UnitCount",
    "Verdict",
    "VerdictError",
    "find_findings",
    "findings_frame",
    "measure_similarity",
    "set_verdict",
    "units_frame",
    "write_findings_excel",
]
