"""Reading forms from a grid of cells (PDF ruled tables, Excel sheets) in the template layout."""

from __future__ import annotations

import re

from nlp.errors import FormParseError
from nlp.forms.layout import BUDGET_KEYS, require_parts
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
    """Cut a grid into forms; a new form starts at a title or 项目名称 row after a 项目名称."""
    forms: list[Grid] = []
    current: Grid = []
    has_project = False
    for row in grid:
        is_title = any(c and "绩效自评表" in c for c in row)
        is_project = any(c and c.startswith("项目名称") for c in row)
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


def read_grid(grid: Grid, source: str, number: int) -> Form:
    """Parse one form's grid; raise FormParseError naming what is missing."""
    where = f"{source}: form {number}"
    project = department = unit = grade = None
    year = None
    total = None
    budget = Budget()
    budget_cols: dict[int, str] = {}
    overall_cols: tuple[int, int] | None = None
    target = actual = None
    ind_cols: dict[str, int] = {}
    indicators: list[Indicator] = []
    deviations: list[Deviation] = []
    above: dict[str, str | None] = {}
    for row in grid:
        cells = [c or "" for c in row]
        if not any(cells):
            continue
        joined = "".join(cells)
        if year is None and _YEAR.search(joined):
            year = int(_YEAR.search(joined).group(1))  # type: ignore[union-attr]
        if project is None and any(c.startswith("项目名称") for c in cells):
            project = _value_after(row, "项目名称")
            continue
        if any(c.startswith("主管部门") for c in cells):
            department = _value_after(row, "主管部门")
            unit = _value_after(row, "实施单位")
            continue
        if "年初预算数" in joined and not budget_cols:
            for idx, cell in enumerate(cells):
                for word, key in BUDGET_KEYS.items():
                    if cell.startswith(word) and idx not in budget_cols:
                        budget_cols[idx] = key
            continue
        if any(c.startswith("年度资金总额") for c in cells) and budget_cols:
            for idx, key in budget_cols.items():
                if idx < len(cells):
                    setattr(budget, key, parse_number(cells[idx]))
            continue
        if "预期目标" in joined and "实际完成情况" in joined:
            overall_cols = (
                next(i for i, c in enumerate(cells) if c.startswith("预期目标")),
                next(i for i, c in enumerate(cells) if c.startswith("实际完成情况")),
            )
            continue
        if overall_cols and target is None and not ind_cols:
            target = row[overall_cols[0]] if overall_cols[0] < len(row) else None
            actual = row[overall_cols[1]] if overall_cols[1] < len(row) else None
            continue
        if "一级指标" in joined and "三级指标" in joined:
            for idx, cell in enumerate(cells):
                for word, key in _INDICATOR_KEYS.items():
                    if cell.startswith(word) and key not in ind_cols:
                        ind_cols[key] = idx
            continue
        if any(c.startswith("总分") or c.startswith("评分等级") for c in cells):
            numbers = [parse_number(c) for c in cells if parse_number(c) is not None]
            if any(c.startswith("总分") for c in cells) and numbers:
                total = numbers[1] if len(numbers) > 1 and numbers[0] == 100 else numbers[0]
            grade = _value_after(row, "评分等级") or grade
            continue
        if ind_cols and "name" in ind_cols:
            values = {key: (row[idx] if idx < len(row) else None) for key, idx in ind_cols.items()}
            for key in ("level1", "level2", "deviation"):
                if values.get(key) is None and key in ind_cols:
                    values[key] = above.get(key)
            above = values
            values = {key: (value or None) for key, value in values.items()}
            name = values.get("name")
            if not name:
                continue
            indicator = Indicator(
                level1=values.get("level1"),
                level2=values.get("level2"),
                name=name,
                target=values.get("target"),
                actual=values.get("actual"),
                weight=parse_number(values.get("weight")),
                score=parse_number(values.get("score")),
            )
            indicators.append(indicator)
            text = values.get("deviation")
            if text:
                lost = indicator.points_lost
                deviations.append(
                    Deviation(
                        indicator=name,
                        text=text,
                        level1=indicator.level1,
                        level2=indicator.level2,
                        points_lost=lost,
                        placed_by="same row",
                    )
                )
    require_parts(
        where,
        project,
        budget.full_year is not None or budget.initial is not None,
        bool(indicators),
        total,
    )
    assert project is not None and total is not None
    return Form(
        project=project,
        department=department,
        unit=unit,
        year=year,
        budget=budget,
        overall_target=target,
        overall_actual=actual,
        indicators=indicators,
        deviations=deviations,
        total_score=total,
        grade=grade,
        source=source,
    )


def read_grids(grids: list[Grid], source: str) -> list[Form]:
    """Parse the forms of several grids (sheets or pages); broken forms become warnings."""
    forms: list[Form] = []
    broken: list[str] = []
    number = 0
    for grid in grids:
        for part in split_grid(grid):
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
