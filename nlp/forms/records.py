"""The records a 项目支出绩效自评表 turns into: form, budget, indicators, deviations."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Budget:
    """项目资金（万元）: 年初预算数, 全年预算数, 全年执行数, 执行率(%), 分值, 得分."""

    initial: float | None = None
    full_year: float | None = None
    executed: float | None = None
    execution_rate: float | None = None
    weight: float | None = None
    score: float | None = None


@dataclass
class Indicator:
    """One 三级指标 row: its 一级/二级 parents, target, actual, 分值 and 得分."""

    level1: str | None
    level2: str | None
    name: str
    target: str | None = None
    actual: str | None = None
    weight: float | None = None
    score: float | None = None

    @property
    def points_lost(self) -> float | None:
        """分值 − 得分, rounded to 4 places; None when either is missing (unknown, never 0)."""
        return None if self.weight is None or self.score is None else round(self.weight - self.score, 4)


@dataclass
class Deviation:
    """One 偏差原因分析及改进措施 text as it explains one 三级指标."""

    indicator: str
    text: str
    level1: str | None = None
    level2: str | None = None
    points_lost: float | None = None
    placed_by: str | None = None


@dataclass
class Form:
    """One 财政项目支出绩效自评表."""

    project: str
    department: str | None
    unit: str | None
    year: int | None
    budget: Budget = field(default_factory=Budget)
    overall_target: str | None = None
    overall_actual: str | None = None
    indicators: list[Indicator] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    total_score: float | None = None
    grade: str | None = None
    warnings: list[str] = field(default_factory=list)
    source: str | None = None
    value_rows: list[Indicator] = field(default_factory=list)
    template: str = "project"
    """Which 自评表: project (项目支出), department (部门（单位）整体支出), transfer (中央对地方转移支付区域);
    "-split" added when 偏差原因分析 and 改进措施 are two columns (their texts are joined into one)."""

    @property
    def points_tied(self) -> int:
        """How many deviations carry points_lost (value row tied to the indicator with certainty)."""
        return sum(1 for d in self.deviations if d.points_lost is not None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape documented in README (keys other tools rely on)."""
        return asdict(self)
