"""Reading forms from a grid of cells (PDF ruled tables, Excel sheets) in the template layout."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nlp.errors import FormParseError
from nlp.forms.layout import (
    BUDGET_KEYS,
    DEPARTMENT_LABELS,
    SPLIT_SUFFIX,
    UNIT_LABELS,
    join_cause_measure,
    name_label,
    require_parts,
    template_of_title,
)
from nlp.forms.numbers import join_wrapped, parse_number, squeeze_spaces
from nlp.forms.records import Budget, Deviation, Form, Indicator

Grid = list[list[str | None]]

_INDICATOR_KEYS = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "年度指标值": "target",
    "实际完成值": "actual",
    "分值": "weight",
    "得分": "score",
    "偏差原因": "deviation",
    "改进措施": "measure",
}
_YEAR = re.compile(r"(\d{4})\s*年度")


def clean_cell(value: object) -> str | None:
    """A cell's text with wrapped lines joined and 分散对齐 spaces removed; None stays None.

    None marks a cell covered by a merged cell (pdfplumber); "" is a cell that is empty.
    """
    if value is None:
        return None
    return squeeze_spaces(join_wrapped(str(value).split("\n")))


def split_grid(grid: Grid) -> list[Grid]:
    """Cut a grid into forms; a new form starts at a title or name row (项目名称, 部门（单位）名称, …) after a name."""
    forms: list[Grid] = []
    current: Grid = []
    has_project = False
    for row in grid:
        is_title = any(c and "绩效自评表" in c for c in row)
        is_project = any(c and name_label(c) for c in row)
        if (is_title or is_project) and has_project:
            forms.append(current)
            current, has_project = [], False
        has_project = has_project or is_project
        current.append(row)
    if current:
        forms.append(current)
    return forms


def _value_after(row: list[str | None], label: str) -> str | None:
    for idx, cell in enumerate(row):
        if cell and cell.startswith(label):
            inline = cell[len(label) :].strip(" ：:")
            if inline:
                return inline
            for other in row[idx + 1 :]:
                if other and other != cell:
                    return other
    return None


@dataclass
class _GridForm:
    """What one form's rows have said so far, and which columns hold what."""

    where: str
    source: str
    project: str | None = None
    department: str | None = None
    unit: str | None = None
    year: int | None = None
    grade: str | None = None
    title: str | None = None
    total: float | None = None
    budget: Budget = field(default_factory=Budget)
    budget_cols: dict[int, str] = field(default_factory=dict)
    overall_cols: tuple[int, int] | None = None
    target: str | None = None
    actual: str | None = None
    ind_cols: dict[str, int] = field(default_factory=dict)
    indicators: list[Indicator] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    above: dict[str, str | None] = field(default_factory=dict)
    """The indicator row above: 一级/二级/偏差原因/改进措施 cells covered by a merged cell (None) take its values."""

    # -- one step per kind of row; each says whether the row was its kind ----------------
    def title_row(self, row: list[str | None], cells: list[str]) -> bool:
        title = next((c for c in cells if "自评表" in c), None)
        if title is None or self.title is not None:
            return False
        self.title = title
        return True

    def project_row(self, row: list[str | None], cells: list[str]) -> bool:
        label = next((name_label(c) for c in cells if name_label(c)), None)
        if self.project is not None or label is None:
            return False
        self.project = _value_after(row, label)
        return True

    def department_row(self, row: list[str | None], cells: list[str]) -> bool:
        department = next((w for w in DEPARTMENT_LABELS if any(c.startswith(w) for c in cells)), None)
        if department is None:
            return False
        self.department = _value_after(row, department)
        unit = next((w for w in UNIT_LABELS if any(c.startswith(w) for c in cells)), None)
        self.unit = _value_after(row, unit) if unit else None
        return True

    def budget_header_row(self, row: list[str | None], cells: list[str]) -> bool:
        if self.budget_cols or not any(c.startswith(("年初预算数", "全年预算数")) for c in cells):
            return False
        for idx, cell in enumerate(cells):
            for word, key in BUDGET_KEYS.items():
                if cell.startswith(word) and idx not in self.budget_cols:
                    self.budget_cols[idx] = key
        return True

    def budget_row(self, row: list[str | None], cells: list[str]) -> bool:
        if not self.budget_cols or not any(c.startswith("年度资金总额") for c in cells):
            return False
        for idx, key in self.budget_cols.items():
            if idx < len(cells):
                setattr(self.budget, key, parse_number(cells[idx]))
        return True

    def overall_header_row(self, row: list[str | None], cells: list[str]) -> bool:
        target = next((i for i, c in enumerate(cells) if c.startswith("预期目标")), None)
        actual = next((i for i, c in enumerate(cells) if c.startswith("实际完成情况")), None)
        if target is None or actual is None:
            return False
        self.overall_cols = (target, actual)
        return True

    def overall_row(self, row: list[str | None], cells: list[str]) -> bool:
        if not self.overall_cols or self.target is not None or self.ind_cols:
            return False
        target, actual = self.overall_cols
        self.target = row[target] if target < len(row) else None
        self.actual = row[actual] if actual < len(row) else None
        return True

    def indicator_header_row(self, row: list[str | None], cells: list[str]) -> bool:
        joined = "".join(cells)
        if "一级指标" not in joined or "三级指标" not in joined:
            return False
        for idx, cell in enumerate(cells):
            for word, key in _INDICATOR_KEYS.items():
                if cell.startswith(word) and key not in self.ind_cols:
                    self.ind_cols[key] = idx
        return True

    def total_row(self, row: list[str | None], cells: list[str]) -> bool:
        if not any(c.startswith(("总分", "评分等级")) for c in cells):
            return False
        numbers = [n for n in (parse_number(c) for c in cells) if n is not None]
        if any(c.startswith("总分") for c in cells) and numbers:
            self.total = numbers[1] if len(numbers) > 1 and numbers[0] == 100 else numbers[0]
        self.grade = _value_after(row, "评分等级") or self.grade
        return True

    def indicator_row(self, row: list[str | None], cells: list[str]) -> bool:
        if "name" not in self.ind_cols:
            return False
        values = {key: (row[idx] if idx < len(row) else None) for key, idx in self.ind_cols.items()}
        for key in ("level1", "level2", "deviation", "measure"):
            if values.get(key) is None and key in self.ind_cols:
                values[key] = self.above.get(key)
        self.above = values
        values = {key: (value or None) for key, value in values.items()}
        name = values.get("name")
        if not name:
            return True
        indicator = Indicator(
            level1=values.get("level1"),
            level2=values.get("level2"),
            name=name,
            target=values.get("target"),
            actual=values.get("actual"),
            weight=parse_number(values.get("weight")),
            score=parse_number(values.get("score")),
        )
        self.indicators.append(indicator)
        text = join_cause_measure(values.get("deviation"), values.get("measure"))
        if text:
            lost = indicator.points_lost
            self.deviations.append(
                Deviation(
                    indicator=name,
                    text=text,
                    level1=indicator.level1,
                    level2=indicator.level2,
                    points_lost=lost,
                    placed_by="same row",
                )
            )
        return True

    STEPS = (
        title_row,
        project_row,
        department_row,
        budget_header_row,
        budget_row,
        overall_header_row,
        indicator_header_row,
        overall_row,
        total_row,
        indicator_row,
    )
    """What a row can be, tried in this order."""

    def read(self, row: list[str | None]) -> None:
        """Take one row: the title's year wherever it stands, then the first step that knows the row."""
        cells = [c or "" for c in row]
        if not any(cells):
            return
        if self.year is None:
            match = _YEAR.search("".join(cells))
            if match:
                self.year = int(match.group(1))
        for step in self.STEPS:
            if step(self, row, cells):
                return

    def form(self) -> Form:
        """The Form, or FormParseError naming the first part it cannot do without."""
        require_parts(
            self.where,
            self.project,
            self.budget.full_year is not None or self.budget.initial is not None,
            bool(self.indicators),
            self.total,
        )
        assert self.project is not None and self.total is not None
        template = template_of_title(self.title, self.where) if self.title else "project"
        if "measure" in self.ind_cols:
            template += SPLIT_SUFFIX
        return Form(
            template=template,
            project=self.project,
            department=self.department,
            unit=self.unit,
            year=self.year,
            budget=self.budget,
            overall_target=self.target,
            overall_actual=self.actual,
            indicators=self.indicators,
            deviations=self.deviations,
            total_score=self.total,
            grade=self.grade,
            source=self.source,
        )


def read_grid(grid: Grid, source: str, number: int) -> Form:
    """Parse one form's grid row by row; raise FormParseError naming what is missing."""
    state = _GridForm(where=f"{source}: form {number}", source=source)
    for row in grid:
        state.read(row)
    return state.form()


_TEMPLATE_WORDS = ("绩效自评表", "项目名称", "年初预算数", "三级指标", "绩效指标")


def _looks_like_a_form(grid: Grid) -> bool:
    """Whether a grid has any of the template's own words, so that what it lacks is worth naming."""
    return any(cell and any(word in cell for word in _TEMPLATE_WORDS) for row in grid for cell in row)


def read_grids(grids: list[Grid], source: str) -> list[Form]:
    """Parse the forms of several grids (sheets or pages); broken forms become warnings."""
    forms: list[Form] = []
    broken: list[str] = []
    number = 0
    for grid in grids:
        for part in split_grid(grid):
            if not _looks_like_a_form(part):
                continue  # another table of the file (a cover, a list of attachments)
            number += 1
            try:
                forms.append(read_grid(part, source, number))
            except FormParseError as exc:
                broken.append(str(exc))
    if not forms:
        if broken:
            raise FormParseError("; ".join(broken))
        raise FormParseError(f"{source}: no 财政项目支出绩效自评表 found / 未找到绩效自评表")
    for message in broken:
        for form in forms:
            form.warnings.append(f"skipped a broken form / 跳过无法读取的表: {message}")
    return forms
