"""PDF and Excel forms in the template layout, built in the tests from the seed's own values."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.forms import Form, parse_forms
from tests.fixtures.seed_forms_expected import DEPARTMENT, FORMS, TEMPLATE_ROWS, UNIT
from tests.forms.builders import build_pdf, build_text_pdf, build_xlsx

PROJECTS = list(TEMPLATE_ROWS)


@pytest.fixture(scope="module")
def xlsx_forms(tmp_path_factory: pytest.TempPathFactory) -> list[Form]:
    return parse_forms(build_xlsx(tmp_path_factory.mktemp("xlsx") / "forms.xlsx", PROJECTS))


@pytest.fixture(scope="module")
def pdf_forms(tmp_path_factory: pytest.TempPathFactory) -> list[Form]:
    return parse_forms(build_pdf(tmp_path_factory.mktemp("pdf") / "forms.pdf", PROJECTS))


def _check_against_seed(forms: list[Form]) -> None:
    assert [f.project for f in forms] == PROJECTS
    for form in forms:
        expected = next(f for f in FORMS if f["project"] == form.project)
        spec = TEMPLATE_ROWS[form.project]
        assert (form.department, form.unit, form.year) == (DEPARTMENT, UNIT, 2023)
        assert (form.total_score, form.grade) == (expected["total_score"], expected["grade"])
        for key, value in expected["budget"].items():
            assert getattr(form.budget, key) == pytest.approx(value), key
        assert form.overall_target == spec["target"]
        assert form.overall_actual == spec["actual"]
        rows = [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators]
        assert rows == [r[:7] for r in spec["rows"]]
        assert sorted((d.indicator, d.text) for d in form.deviations) == sorted(expected["deviations"])
        for deviation in form.deviations:
            row = next(r for r in spec["rows"] if r[2] == deviation.indicator)
            assert deviation.points_lost == pytest.approx(row[5] - row[6])
            assert (deviation.level1, deviation.level2) == row[:2]
        assert form.warnings == []


def test_xlsx_in_template_layout_is_read_like_the_seed(xlsx_forms: list[Form]) -> None:
    _check_against_seed(xlsx_forms)


def test_xlsx_merged_deviation_cell_gives_one_record_per_indicator(xlsx_forms: list[Form]) -> None:
    assert len(xlsx_forms[0].deviations) == 6  # one merged cell over six rows


def test_pdf_ruled_tables_are_read_like_the_seed(pdf_forms: list[Form]) -> None:
    _check_against_seed(pdf_forms)


def test_pdf_ties_every_points_lost(pdf_forms: list[Form]) -> None:
    assert all(d.points_lost is not None for f in pdf_forms for d in f.deviations)


def test_pdf_without_ruled_tables_falls_back_to_text_reader(tmp_path: Path, seed_text: str) -> None:
    forms = parse_forms(build_text_pdf(tmp_path / "text.pdf", seed_text))
    assert len(forms) == 11
    for form, expected in zip(forms, FORMS):
        assert sorted((d.indicator, d.text) for d in form.deviations) == sorted(expected["deviations"])


def test_xlsx_auditor_checks_report_bad_sums_and_rate(tmp_path: Path) -> None:
    import openpyxl

    path = build_xlsx(tmp_path / "one.xlsx", ["信息化运维项目"])
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == "92.34":
                cell.value = "95.00"
            if cell.value == "86.23":
                cell.value = "88.23"
            if cell.value == "健全有效":  # this indicator now loses points with no text
                sheet.cell(row=cell.row, column=8, value="12.00")
    workbook.save(path)
    warnings = parse_forms(path)[0].warnings
    assert any("执行率 95" in w for w in warnings)
    assert any("not 总分 88.23" in w for w in warnings)
    assert any("长效管理机制建设情况 lost 3 points but has no deviation text" in w for w in warnings)
