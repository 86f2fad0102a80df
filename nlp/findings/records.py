"""What a finding is: the rule that fired, where (unit, form, indicators), the evidence, an analyst's verdict."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

RULES_ZH = {
    "pasted_explanation": "同一说明套用于多个指标",
    "pasted_across_projects": "同一说明套用于多个项目",
    "repeated_promise": "整改措施重复承诺",
    "funding_despite_execution": "归因资金但预算执行率达标",
    "met_but_lost": "称已完成目标但指标失分",
    "lost_without_text": "指标失分但未说明原因",
    "text_without_loss": "指标未失分却填写偏差说明",
    "no_cause_rate": "未说明真实原因",
}
"""Every rule's code and its Chinese title, in the order findings are listed."""

VERDICTS_ZH = {"confirmed": "已核实", "rejected": "不成立"}
"""An analyst's verdict on a finding: its code and what the screen shows."""


def finding_id(rule: str, *parts: object) -> str:
    """A stable id: a hash of the rule and what the finding is about (the form, the indicators, the unit, years)."""
    key = "\x1f".join([rule, *("" if p is None else str(p) for p in parts)])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


@dataclass(slots=True)
class Finding:
    """One audit finding: which rule, where, which indicators and deviations, and the evidence in Chinese."""

    id: str
    rule: str
    title_zh: str
    department: str | None
    unit: str | None
    project: str | None
    year: int | None
    form_id: int | None
    """The form it is about (for a rule over several forms: the latest one); None for a unit-level finding."""
    document_id: int | None
    indicators: list[str]
    deviation_ids: list[int]
    evidence: str
    """What was seen, as a Chinese sentence with the numbers."""
    text: str = ""
    """The text concerned (the pasted text, the repeated measure, an example)."""
    related_form_ids: list[int] = field(default_factory=list)
    """Other forms the finding stands on (the earlier year of a repeated promise, the other projects of a paste)."""
    count: int | None = None
    rate: float | None = None
    """no_cause_rate: share of the unit's texts that give no real cause."""
    verdict: str | None = None
    verdict_zh: str | None = None
    verdict_by: str | None = None
    verdict_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (the verdict time as ISO text)."""
        out = asdict(self)
        out["verdict_at"] = self.verdict_at.isoformat() if self.verdict_at else None
        return out


@dataclass(slots=True)
class UnitCount:
    """How many findings one unit has, per rule, and its rate of texts with no real cause."""

    department: str | None
    unit: str | None
    total: int
    by_rule: dict[str, int]
    texts: int
    """Deviations with a text, in the unit (under the filters)."""
    no_cause: int
    no_cause_rate: float | None
    """no_cause / texts; None when the unit has no text."""


@dataclass
class Findings:
    """The findings under some filters, and the counts per unit."""

    department: str | None = None
    year: int | None = None
    findings: list[Finding] = field(default_factory=list)
    units: list[UnitCount] = field(default_factory=list)
