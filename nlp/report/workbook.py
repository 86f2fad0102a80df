"""Building the department report workbook with openpyxl (charts are Excel's own, drawn by Excel from the cells)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from nlp.errors import PianchaError
from nlp.findings import RULES_ZH, Findings, find_findings, findings_frame
from nlp.store import Store
from nlp.store.models import DeviationRow
from nlp.store.stats import Summary, summarise
from nlp.taxonomy import load_taxonomy

log = logging.getLogger(__name__)

SHEETS = ["概览", "各单位原因", "审计发现", "偏差明细"]
"""The sheets, in order."""
UNKNOWN = "—"
"""What a cell shows when a number is unknown (never 0)."""
_BOLD = Font(bold=True)


class ReportError(PianchaError, ValueError):
    """A report that cannot be made (no such department)."""


def _cell(value: Any) -> Any:
    """A value as a cell holds it: unknown (None / NaN) as UNKNOWN."""
    if value is None or (isinstance(value, float) and value != value):
        return UNKNOWN
    return value


def _put_table(sheet: Worksheet, top: int, left: int, header: list[str], rows: list[list[Any]]) -> int:
    """A header row and rows from (top, left); returns the row after the table."""
    for j, name in enumerate(header):
        sheet.cell(row=top, column=left + j, value=name).font = _BOLD
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            sheet.cell(row=top + i, column=left + j, value=_cell(value))
    return top + len(rows) + 1


def _bar_chart(sheet: Worksheet, title: str, top: int, left: int, n: int, anchor: str, y_title: str) -> None:
    """A bar chart of the column right of `left`, labelled by column `left`, rows top+1 … top+n."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.y_axis.title = y_title
    chart.legend = None
    chart.height, chart.width = max(6.0, 0.6 * n + 2), 16.0
    data = Reference(sheet, min_col=left + 1, min_row=top, max_row=top + n)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=left, min_row=top + 1, max_row=top + n))
    sheet.add_chart(chart, anchor)


def _widths(sheet: Worksheet, widths: list[int]) -> None:
    for j, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = width


def _overview(sheet: Worksheet, department: str, year: int | None, summary: Summary, result: Findings) -> None:
    """Totals, the causes (with a chart) and the findings per rule (with a chart)."""
    group = summary.groups[0]
    sheet["A1"] = f"{department} {'' if year is None else f'{year}年度 '}偏差原因分析报告"
    sheet["A1"].font = Font(bold=True, size=14)
    totals = [
        ["偏差条数", group.deviations],
        ["表单数", group.forms],
        ["扣分合计（已知部分）", group.points_lost],
        ["扣分未知的偏差条数", group.points_lost_unknown],
        ["失分未说明原因的指标数", group.missing_reasons],
        ["未说明真实原因的偏差条数", group.no_cause],
        ["弃权条数", group.abstained],
        ["审计发现条数", len(result.findings)],
    ]
    after = _put_table(sheet, 3, 1, ["项目", "数值"], totals)
    causes_top = after + 1
    causes = [[r.label_zh, r.count, r.points_lost, r.share] for r in summary.rows]
    after = _put_table(sheet, causes_top, 1, ["原因类别", "次数", "扣分", "占比"], causes)
    for i in range(len(causes)):
        sheet.cell(row=causes_top + 1 + i, column=4).number_format = "0.0%"
    rules_top = after + 1
    per_rule = [[title, sum(f.rule == rule for f in result.findings)] for rule, title in RULES_ZH.items()]
    _put_table(sheet, rules_top, 1, ["审计发现", "条数"], per_rule)
    if causes:
        _bar_chart(sheet, "各原因类别的偏差条数", causes_top, 1, len(causes), "F3", "条数")
    _bar_chart(sheet, "各类审计发现条数", rules_top, 1, len(per_rule), "F24", "条数")
    _widths(sheet, [30, 12, 12, 10])


def _causes_per_unit(sheet: Worksheet, by_unit: Summary) -> None:
    header = ["实施单位", "原因类别", "代码", "次数", "占比", "扣分", "表单数", "示例"]
    rows = [
        [r.group or "（未填）", r.label_zh, r.label, r.count, r.share, r.points_lost, r.forms, r.example]
        for r in by_unit.rows
    ]
    _put_table(sheet, 1, 1, header, rows)
    for i in range(len(rows)):
        sheet.cell(row=2 + i, column=5).number_format = "0.0%"
    _widths(sheet, [30, 14, 14, 8, 8, 8, 8, 60])


def _frame_sheet(sheet: Worksheet, frame: pd.DataFrame, widths: list[int]) -> None:
    frame = frame.astype(object).where(frame.notna(), None)
    _put_table(sheet, 1, 1, list(frame.columns), frame.values.tolist())
    _widths(sheet, widths)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=False, vertical="top")


def _name_zh(code: str) -> str:
    try:
        return load_taxonomy().name_zh(code)
    except KeyError:  # a code a later taxonomy dropped: shown by its code
        return code


DEVIATION_HEADERS = {
    "id": "偏差编号",
    "unit": "实施单位",
    "project": "项目",
    "year": "年度",
    "indicator": "三级指标",
    "text": "偏差原因分析及改进措施",
    "code": "代码",
    "label_zh": "原因类别",
    "predicted_code": "模型判定代码",
    "confidence": "置信度",
    "corrected_by": "人工更正人",
    "points_lost": "扣分",
}


def _deviations(store: Store, department: str, year: int | None) -> pd.DataFrame:
    """Every deviation of the department (and year): where, the text, the effective code and the model's confidence."""
    d = DeviationRow
    columns = [c for c in DEVIATION_HEADERS if c != "label_zh"]
    query = select(*(getattr(d, c) for c in columns)).where(d.department == department).order_by(d.id)
    if year is not None:
        query = query.where(d.year == year)
    with store.engine.connect() as connection:
        frame = pd.DataFrame(connection.execute(query).all(), columns=columns)
    frame.insert(7, "label_zh", [_name_zh(c) for c in frame["code"]])
    return frame.rename(columns=DEVIATION_HEADERS)


def department_report(store: Store, department: str, year: int | None = None) -> Workbook:
    """The report of one 主管部门 (and year) as an openpyxl Workbook, sheets SHEETS."""
    summary = summarise(store, by="department", department=department, year=year)
    if not summary.groups:
        where = department if year is None else f"{department}, {year}"
        raise ReportError(f"no stored forms of {where} / 没有该部门（年度）的自评表数据")
    by_unit = summarise(store, by="unit", department=department, year=year)
    result = find_findings(store, department=department, year=year)
    book = Workbook()
    overview = book.active
    overview.title = SHEETS[0]
    _overview(overview, department, year, summary, result)
    _causes_per_unit(book.create_sheet(SHEETS[1]), by_unit)
    _frame_sheet(book.create_sheet(SHEETS[2]), findings_frame(result, zh=True), [22, 20, 22, 16, 30, 30, 8])
    _frame_sheet(book.create_sheet(SHEETS[3]), _deviations(store, department, year), [10, 30, 30, 8, 22, 60])
    log.info("department report %s %s: %d findings", department, year, len(result.findings))
    return book


def write_department_report(
    store: Store, target: str | Path | BinaryIO, department: str, year: int | None = None
) -> None:
    """Write the department report as .xlsx to a path or a binary file."""
    department_report(store, department, year).save(target)
