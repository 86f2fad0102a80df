"""Generated multi-year 自评表 records for the audit findings: a unit's forms year after year, row by row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlp.forms.records import Budget, Deviation, Form, Indicator

DEPARTMENT = "上海市测试局"
UNIT = "上海市测试局信息中心"


@dataclass
class Row:
    """One 三级指标: its 分值 / 得分 (None: not known, as text-format forms often leave them) and its text."""

    indicator: str
    weight: float | None = 10.0
    score: float | None = 8.0
    text: str | None = None


def form(
    project: str,
    year: int,
    rows: Sequence[Row],
    *,
    unit: str = UNIT,
    department: str = DEPARTMENT,
    execution_rate: float | None = 90.0,
) -> Form:
    """A form of `unit` for `year`: one indicator per row, a deviation for every row with a text."""
    indicators = [Indicator("产出指标", "数量指标", r.indicator, "=100%", "90%", r.weight, r.score) for r in rows]
    deviations = [Deviation(r.indicator, r.text, "产出指标", "数量指标") for r in rows if r.text is not None]
    return Form(
        project=project,
        department=department,
        unit=unit,
        year=year,
        budget=Budget(100.0, 100.0, execution_rate, execution_rate, 10.0, None),  # 100 万元: executed = rate
        indicators=indicators,
        deviations=deviations,
        total_score=90.0,
        grade="优",
    )


def years_of(
    project: str, texts_by_year: dict[int, str], *, unit: str = UNIT, indicator: str = "系统运行率"
) -> list[Form]:
    """One form per year of one project, one indicator that lost points, with that year's text."""
    return [form(project, year, [Row(indicator, text=text)], unit=unit) for year, text in sorted(texts_by_year.items())]
