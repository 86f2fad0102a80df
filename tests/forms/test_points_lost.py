"""points_lost in the PDF-extracted text format: tied where the page leaves one possibility, else null."""

from __future__ import annotations

from nlp.forms import Form, parse_forms
from nlp.forms.records import Budget, Deviation, Indicator
from tests.support.render import Layout, render_text


def _form(rows: list[tuple[str, str, float, float, bool]]) -> Form:
    """A one-page form of (name, target, weight, score, has text) rows."""
    indicators = [Indicator(None, None, name, target, target.lstrip("="), w, s) for name, target, w, s, _ in rows]
    deviations = [Deviation(name, f"{name[:2]}工作未按计划完成，后续将加强管理。") for name, *_, text in rows if text]
    total = sum(s for *_, s, _ in rows) + 9.0
    return Form(
        "道路养护项目",
        "上海市水务局",
        "上海市水文总站",
        2024,
        Budget(10, 10, 9, 90, 10, 9),
        [],
        None,
        indicators,
        deviations,
        total,
        "良",
    )


def _lost(form: Form) -> dict[str, float | None]:
    parsed = parse_forms(render_text(form, Layout(wrap=14)))[0]
    return {d.indicator: d.points_lost for d in parsed.deviations}


def test_a_rate_and_a_count_that_lost_points_are_tied_by_their_units() -> None:
    form = _form(
        [
            ("设备验收合格率", "=100.00(%)", 10, 8, True),
            ("业务培训完成数", "=4.00(次)", 6, 5, True),
            ("档案整理及时性", "=100.00(%)", 5, 5, False),
        ]
    )
    # 合格率 must own a % row, so it owns the one that lost 2; the count owns the other.
    assert _lost(form) == {"设备验收合格率": 2.0, "业务培训完成数": 1.0}


def test_one_losing_row_among_rows_that_lost_nothing_goes_to_the_one_name_with_a_text() -> None:
    form = _form(
        [
            ("设备验收合格率", "=100.00(%)", 10, 10, False),
            ("应急演练完成情况", "=100.00(%)", 6, 4.5, True),
            ("档案整理及时性", "=100.00(%)", 5, 5, False),
        ]
    )
    assert _lost(form) == {"应急演练完成情况": 1.5}


def test_two_losses_two_names_either_way_stay_unknown() -> None:
    form = _form(
        [
            ("应急演练完成情况", "=100.00(%)", 10, 8, True),
            ("档案整理及时性", "=100.00(%)", 6, 5, True),
        ]
    )
    assert _lost(form) == {"应急演练完成情况": None, "档案整理及时性": None}


def test_a_text_where_no_row_lost_points_leaves_the_page_unknown() -> None:
    form = _form(
        [
            ("应急演练完成情况", "=100.00(%)", 10, 8, True),
            ("档案整理及时性", "=100.00(%)", 6, 6, True),
            ("设备验收合格率", "=100.00(%)", 6, 6, False),
        ]
    )
    # Two texts, one losing row: one of the texts explains a row that lost nothing, and which is not certain.
    assert _lost(form) == {"应急演练完成情况": None, "档案整理及时性": None}
