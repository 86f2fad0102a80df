"""Round trip: a Form rendered as PDF-extracted text at any wrap width parses back to the same record."""

from __future__ import annotations

import gc
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from nlp.errors import FormParseError
from nlp.forms import Form, parse_forms
from nlp.forms.records import Budget, Deviation, Indicator
from tests.fixtures.seed_forms_expected import DEPARTMENT, FORMS, UNIT
from tests.support.random_forms import header, make_form, make_layout, random_form, random_layout
from tests.support.render import Layout, render_text, wrap_text

_SETTINGS = settings(max_examples=500, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


_header = header


def _deviations(form: Form) -> list[tuple[str, str]]:
    return sorted((d.indicator, d.text) for d in form.deviations)


def assert_round_trip(form: Form, layout: Layout) -> None:
    """Parsing the rendered form gives its header, its names and each text whole under its 三级指标."""
    text = render_text(form, layout)
    parsed = parse_forms(text)
    assert len(parsed) == 1, text
    got = parsed[0]
    assert _header(got) == _header(form)
    assert [i.name for i in got.indicators] == [i.name for i in form.indicators], text
    assert _deviations(got) == _deviations(form), text
    truth = {i.name: i.weight - i.score for i in form.indicators if i.weight is not None and i.score is not None}
    wrong = [(d.indicator, d.points_lost) for d in got.deviations if d.points_lost not in (None, truth[d.indicator])]
    assert not wrong, f"points lost tied wrongly: {wrong}\n{text}"


@st.composite
def _form_and_layout(draw: st.DrawFn) -> tuple[Form, Layout]:
    form = draw(random_form())
    return form, draw(random_layout(len(form.indicators)))


def test_random_forms_round_trip_through_text_at_any_wrap() -> None:
    """500 random forms (fixed seed) at wraps 8–30, paged and boxed at random: every one parses back whole."""
    failures: list[str] = []

    @seed(14)
    @_SETTINGS
    @given(_form_and_layout())
    def run(case: tuple[Form, Layout]) -> None:
        try:
            assert_round_trip(*case)
        except AssertionError as exc:
            failures.append(str(exc)[:2000])

    run()
    gc.collect()  # hypothesis leaves a large heap; a later timing test should time parsing, not a collection
    assert not failures, f"{len(failures)}/500 random forms do not round-trip; the first:\n{failures[0]}"


def _seed_form(number: int, parsed: Form) -> Form:
    """The seed form as the hand-written records say, its names in the order the seed prints them (满意度 last)."""
    expected = FORMS[number]
    explained = {name for name, _ in expected["deviations"]}
    names = sorted((i.name for i in parsed.indicators), key=lambda name: "满意" in name)  # the 满意度 block is last
    indicators = [
        Indicator(None, None, name, "=100.00(%)", "90.00(%)", 10.0, 8.0 if name in explained else 10.0)
        for name in names
    ]
    return Form(
        project=expected["project"],
        department=DEPARTMENT,
        unit=UNIT,
        year=2023,
        budget=Budget(**expected["budget"]),
        indicators=indicators,
        deviations=[Deviation(name, text) for name, text in expected["deviations"]],
        total_score=expected["total_score"],
        grade=expected["grade"],
    )


@pytest.mark.parametrize("wrap", [8, 12, 20, 30])
def test_seed_re_rendered_at_other_wraps_parses_back(seed_file: Path, wrap: int) -> None:
    parsed = parse_forms(seed_file)
    whole = 0
    for number, form in enumerate(parsed):
        record = _seed_form(number, form)
        count = len(record.indicators)
        layout = Layout(
            wrap=wrap,
            page_breaks=list(range(7, count, 7)),
            next_box={i for i in range(count) if i % 3 == 1},
            last_line_apart=set(range(count)),
        )
        assert_round_trip(record, layout)
        whole += len(record.deviations)
    assert whole == 60


def test_wrap_text_keeps_numbers_whole() -> None:
    assert wrap_text("计划于2024年开工", 4) == ["计划于", "2024年开", "工"]


@pytest.mark.parametrize("template", ["department", "transfer"])
def test_other_templates_round_trip_through_text_and_are_recorded(template: str) -> None:
    """50 forms each of 部门（单位）整体支出 and 中央对地方转移支付区域 at wraps 8–30."""
    rng = random.Random(template)
    for _ in range(50):
        form = make_form(rng, template)
        layout = make_layout(rng, len(form.indicators))
        assert_round_trip(form, layout)
        assert parse_forms(render_text(form, layout))[0].template == template


def test_an_unknown_template_in_text_is_a_clear_error() -> None:
    form = make_form(random.Random(3))
    text = render_text(form).replace("财政项目支出绩效自评表", "政府采购绩效自评表")
    with pytest.raises(FormParseError, match="<text>: form 1: unknown template 「政府采购绩效自评表"):
        parse_forms(text)
