"""Audit findings read off the stored deviations: explanations pasted under many indicators or projects, the same
cause and nearly the same improvement measure promised year after year (Sørensen–Dice of character bigrams ≥ 0.7),
reasons that contradict the numbers (funds blamed at 执行率 ≥ 99 %, "已完成" while points were lost, points lost with
no text, a text where nothing was lost; unknown points lost never fire a rule) and the share of texts that give no
real cause, per unit. Findings are computed from the store on request, so they follow every ingest, correction and
reclassification; an analyst's verdict (已核实 / 不成立) is kept by the finding's stable id.

find_findings(store, department="上海市交通委员会", year=2023)   # one call does the job
set_verdict(store, finding.id, "confirmed", "王芳")
"""

from typing import Any

from nlp.findings.records import RULES_ZH, VERDICTS_ZH, Finding, Findings, UnitCount

_LAZY = {
    "FindingsError": "compute",
    "find_findings": "compute",
    "findings_frame": "compute",
    "set_verdict": "compute",
    "units_frame": "compute",
    "write_findings_excel": "compute",
    "RULES": "rules",
    "MEASURE_SIMILARITY": "similarity",
    "measure_similarity": "similarity",
    "Verdict": "verdicts",
    "VerdictError": "verdicts",
}
"""What loads pandas (and NumPy) on first use, not when the service or the command line starts."""


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"nlp.findings.{_LAZY[name]}"), name)


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
