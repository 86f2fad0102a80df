"""The department report read back with openpyxl: its sheets, its native charts, and numbers that match the statistics."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from nlp.findings import find_findings
from nlp.report import SHEETS, UNKNOWN, write_department_report
from nlp.report.workbook import ReportError
from nlp.store import ingest_forms
from nlp.store.stats import summarise
from tests.store.conftest import StubModel, hand_built_seed
from tests.support.findings_forms import DEPARTMENT, Row, form

PASTED = "由于工程复杂，需补充完成地质勘探报告和施工图设计，因此项目于12月才完成工程招标。"


def _stored(store) -> None:
    ingest_forms(store, hand_built_seed(), StubModel(), file_name="seed.txt")
    rows = [Row(name, text=PASTED) for name in ("甲", "乙", "丙")]
    rows.append(Row("满意度", None, None, "系统卡顿，工单处置延迟。"))  # points lost unknown
    ingest_forms(store, [form("机房工程", 2023, rows, unit="只有未知扣分的单位")], StubModel(), file_name="b.txt")
    ingest_forms(store, [form("机房工程", 2023, rows)], StubModel(), file_name="c.txt")


def _table(sheet, header_row: int = 1) -> list[dict]:
    values = list(sheet.iter_rows(min_row=header_row, values_only=True))
    header = values[0]
    return [dict(zip(header, row)) for row in values[1:]]


def test_the_report_has_its_sheets_charts_and_the_statistics_numbers(store, tmp_path: Path):
    _stored(store)
    department = "上海市交通委员会"
    path = tmp_path / "report.xlsx"
    write_department_report(store, path, department, 2023)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS
    overview = book["概览"]
    assert len(overview._charts) == 2  # causes and findings, as Excel bar charts
    assert {c.title.tx.rich.p[0].r[0].t for c in overview._charts} == {"各原因类别的偏差条数", "各类审计发现条数"}

    summary = summarise(store, by="department", department=department, year=2023)
    cells = {row[0]: row[1] for row in overview.iter_rows(min_row=3, max_col=2, values_only=True) if row[0]}
    assert cells["偏差条数"] == summary.groups[0].deviations
    assert cells["失分未说明原因的指标数"] == summary.groups[0].missing_reasons
    counted = {row[0]: row[1] for row in overview.iter_rows(min_row=3, max_col=2, values_only=True)}
    for r in summary.rows:
        assert counted[r.label_zh] == r.count

    by_unit = summarise(store, by="unit", department=department, year=2023)
    causes = _table(book["各单位原因"])
    assert [(c["实施单位"], c["代码"], c["次数"]) for c in causes] == [
        (r.group, r.label, r.count) for r in by_unit.rows
    ]

    findings = find_findings(store, department=department, year=2023)
    listed = _table(book["审计发现"])
    assert [f["编号"] for f in listed] == [f.id for f in findings.findings] and listed
    deviations = _table(book["偏差明细"])
    assert len(deviations) == summary.groups[0].deviations
    assert all(d["代码"] and d["原因类别"] for d in deviations)
    assert all(isinstance(d["置信度"], float) or d["置信度"] == UNKNOWN for d in deviations)


def test_unknown_points_lost_show_as_unknown_not_zero(store, tmp_path: Path):
    _stored(store)
    path = tmp_path / "report.xlsx"
    write_department_report(store, path, DEPARTMENT)
    book = openpyxl.load_workbook(path)
    causes = [c for c in _table(book["各单位原因"]) if c["实施单位"] == "只有未知扣分的单位"]
    system = next(c for c in causes if c["代码"] == "system")
    assert system["扣分"] == UNKNOWN  # 分值/得分 unknown: "—", never 0
    lost = {d["三级指标"]: d["扣分"] for d in _table(book["偏差明细"]) if d["实施单位"] == "只有未知扣分的单位"}
    assert lost["满意度"] == UNKNOWN and lost["甲"] == 2


def test_a_department_with_no_forms_is_refused_naming_it(store, tmp_path: Path):
    _stored(store)
    with pytest.raises(ReportError, match="没有该部门"):
        write_department_report(store, tmp_path / "r.xlsx", "不存在的部门", 2023)
