"""Round trip through the template grid: random forms written as .xlsx, .xls, .docx and ruled PDF parse back.

A grid ties every value row to its 三级指标, so points_lost comes back for every deviation. The
default run reads a few hundred forms in all; `-m slow` reads 500 per format (fixed seeds).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from nlp.forms import Form, parse_forms
from tests.support.random_forms import header, make_form
from tests.support.render import RENDERERS

# Forms per format in the default run, about 5 s each on this 2-core machine when it is busy (write + read);
# `-m slow` reads 500 of each (measured 10 s .xls, 52 s .xlsx, 156 s .docx, 673 s PDF at a load average of 6).
FAST = {".xls": 500, ".xlsx": 60, ".docx": 20, ".pdf": 8}


def _summary(form: Form) -> tuple:
    return (
        header(form),
        [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators],
        sorted((d.indicator, d.text, d.points_lost) for d in form.deviations),
    )


def assert_grid_round_trip(suffix: str, count: int, tmp_path: Path) -> None:
    rng = random.Random(f"grid{suffix}")
    forms = [make_form(rng) for _ in range(count)]
    path = RENDERERS[suffix](forms, tmp_path / f"forms{suffix}")
    parsed = parse_forms(path)
    assert len(parsed) == count
    wrong = [n for n, (got, form) in enumerate(zip(parsed, forms)) if _summary(got) != _summary(form)]
    assert not wrong, (
        f"{len(wrong)}/{count} forms differ; the first, form {wrong[0] + 1}:\n{_summary(parsed[wrong[0]])}"
    )


@pytest.mark.parametrize("suffix", sorted(FAST))
def test_random_forms_round_trip_through_the_template_grid(suffix: str, tmp_path: Path) -> None:
    assert_grid_round_trip(suffix, FAST[suffix], tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", sorted(FAST))
def test_500_random_forms_round_trip_through_the_template_grid(suffix: str, tmp_path: Path) -> None:
    assert_grid_round_trip(suffix, 500, tmp_path)


TEMPLATES = ["project-split", "department", "department-split", "transfer", "transfer-split"]


@pytest.mark.parametrize("suffix", sorted(FAST))
@pytest.mark.parametrize("template", TEMPLATES)
def test_other_templates_round_trip_and_are_recorded(template: str, suffix: str, tmp_path: Path) -> None:
    rng = random.Random(f"{template}{suffix}")
    forms = [make_form(rng, template) for _ in range(3)]
    parsed = parse_forms(RENDERERS[suffix](forms, tmp_path / f"{template}{suffix}"))
    assert [f.template for f in parsed] == [template] * 3
    assert [_summary(f) for f in parsed] == [_summary(f) for f in forms]
    assert all(f.to_dict()["template"] == template for f in parsed)


def test_a_split_form_joins_cause_and_measure_into_one_text(tmp_path: Path) -> None:
    form = make_form(random.Random(9), "project-split")
    form.deviations = form.deviations[:1]
    form.deviations[0].text = "部分设备到货延迟，影响了进度。后续将加强与供应商的沟通。"
    (parsed,) = parse_forms(RENDERERS[".xlsx"]([form], tmp_path / "split.xlsx"))
    assert [d.text for d in parsed.deviations] == ["部分设备到货延迟，影响了进度。后续将加强与供应商的沟通。"]


def test_an_unknown_template_is_a_clear_error(tmp_path: Path) -> None:
    from nlp.errors import FormParseError

    form = make_form(random.Random(4))
    path = RENDERERS[".xlsx"]([form], tmp_path / "other.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(path)
    book.worksheets[0]["A1"] = "政府采购绩效自评表"
    book.save(path)
    with pytest.raises(FormParseError, match="other.xlsx: form 1: unknown template 「政府采购绩效自评表」"):
        parse_forms(path)
