"""The seed file: 11 forms of 上海市交通委员会交通指挥中心, 2023, as PDF-extracted text."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from nlp.forms import Form, parse_forms
from nlp.forms.layout import ALL_LABELS
from tests.fixtures.seed_forms_expected import DEPARTMENT, FORMS, UNIT, expected_count


@pytest.fixture(scope="module")
def seed_forms(seed_file: Path) -> list[Form]:
    return parse_forms(seed_file)


def test_parse_seed_finds_eleven_forms(seed_forms: list[Form]) -> None:
    assert len(seed_forms) == 11
    assert [f.project for f in seed_forms] == [f["project"] for f in FORMS]


@pytest.mark.parametrize("number", range(11))
def test_seed_form_header_and_budget_are_exact(seed_forms: list[Form], number: int) -> None:
    form, expected = seed_forms[number], FORMS[number]
    assert form.project == expected["project"]
    assert form.department == DEPARTMENT
    assert form.unit == UNIT
    assert form.year == 2023
    assert form.total_score == expected["total_score"]
    assert form.grade == expected["grade"]
    budget = form.to_dict()["budget"]
    for key, value in expected["budget"].items():
        assert budget[key] == pytest.approx(value, abs=1e-9), key


@pytest.mark.parametrize("number", range(11))
def test_seed_deviations_match_hand_written_records(seed_forms: list[Form], number: int) -> None:
    got = sorted((d.indicator, d.text) for d in seed_forms[number].deviations)
    assert got == sorted(FORMS[number]["deviations"])


def test_seed_has_one_record_per_indicator_a_text_explains(seed_forms: list[Form]) -> None:
    assert sum(len(f.deviations) for f in seed_forms) == expected_count() == 60
    first = seed_forms[0]
    assert len({d.text for d in first.deviations}) == 1
    assert len({d.indicator for d in first.deviations}) == 6


def test_seed_deviation_text_joined_across_box_breaks(seed_forms: list[Form]) -> None:
    texts = {d.indicator: d.text for d in seed_forms[5].deviations}
    # printed as three boxes: "…业务模" / "式，…提高培" / "训频次。"
    assert texts["热线运行服务培训完成数"].endswith(
        "分批次小规模沟通业务模式，未计入按规定要求的培训。今后加强热线运行培训管理，提高培训频次。"
    )


def test_seed_deviation_texts_have_no_neighbouring_cells_glued_in(seed_forms: list[Form]) -> None:
    names = {i.name for f in seed_forms for i in f.indicators}
    for form in seed_forms:
        for deviation in form.deviations:
            text = deviation.text
            assert not re.search(r"\d+\.\d{2}\s+\d+\.\d{2}", text), text  # 分值 得分
            assert not any(label in text for label in ALL_LABELS), text
            assert not any(text.startswith(name) for name in names), text
            assert "评分等级" not in text and "总分" not in text


def test_seed_points_lost_left_empty_unless_certain(seed_forms: list[Form]) -> None:
    """The text format never shows which value row is a name's; no deviation gets a guess."""
    tied = sum(f.points_tied for f in seed_forms)
    print(f"points_lost tied on the seed: {tied} of {sum(len(f.deviations) for f in seed_forms)}")
    for form in seed_forms:
        for deviation in form.deviations:
            if deviation.points_lost is not None:
                rows = [r for r in form.value_rows if r.weight - r.score == deviation.points_lost]
                assert rows


def test_seed_satisfaction_indicator_tied_when_it_is_the_only_one(seed_forms: list[Form]) -> None:
    last = {i.name: i for i in seed_forms[0].indicators}["单位满意率"]
    assert (last.target, last.actual, last.weight, last.score) == ("≥90.00(%)", "90.00(%)", 10.0, 10.0)


def test_seed_value_rows_add_up_to_total_score(seed_forms: list[Form]) -> None:
    for form in seed_forms:
        assert not [w for w in form.warnings if "add up" in w], form.project
        assert len(form.value_rows) == len(form.indicators)


def test_seed_overall_target_and_actual_are_split(seed_forms: list[Form]) -> None:
    first = seed_forms[0]
    assert first.overall_target == "完成“路网交通监测主机房设施完善工程”项目的基本建设工作。"
    assert first.overall_actual.startswith("完成了“路网交通监测主机房设施完善工程”项目的前期咨询")
    sixth = seed_forms[5]
    assert sixth.overall_target.endswith("构建市民与交通各行业联系的通达顺畅的通道，提升群众满意度。")
    assert sixth.overall_actual.startswith("拥有45名人员为交通热线服务")


def test_seed_form_with_title_after_body_is_read(seed_forms: list[Form]) -> None:
    form = seed_forms[7]  # 信息化建设项目: its page prints the title below the table body
    assert form.project == "信息化建设项目"
    assert {d.indicator for d in form.deviations} == {"系统升级改造完成及时性", "系统运转效能"}


def test_seed_detached_text_placement_is_reported(seed_forms: list[Form]) -> None:
    form = seed_forms[6]
    placed = [d for d in form.deviations if d.placed_by == "wording"]
    assert {d.indicator for d in placed} == {"突发事件应急协调指挥水平", "指数发布系统运营稳定性"}
    assert sum("by its wording" in w for w in form.warnings) == 2


def test_seed_auditor_warning_for_unexplained_lost_points(seed_forms: list[Form]) -> None:
    expo = seed_forms[9]
    assert any("5 value rows lost points but only 2" in w for w in expo.warnings)


def test_parse_seed_takes_well_under_a_second(seed_file: Path) -> None:
    start = time.perf_counter()
    parse_forms(seed_file)
    elapsed = time.perf_counter() - start
    print(f"parsed seed in {elapsed * 1000:.1f} ms")
    assert elapsed < 0.5


def test_seed_text_given_as_a_string_is_parsed(seed_text: str) -> None:
    forms = parse_forms(seed_text)
    assert len(forms) == 11 and forms[0].source == "<text>"


def test_deviation_split_by_a_page_break_is_joined(seed_text: str) -> None:
    """Move the last line of a text to the next page, after that page's value rows."""
    text = seed_text.replace(
        "录制、视频会议等方式对缺席人员\n\n开展培训。\n\n数量指标\n\n质量指标产出指标\n\n\n\n",
        "录制、视频会议等方式对缺席人员\n\n\n\n",
        1,
    ).replace("100 87.9总分\n\n评分等级 良\n\n", "100 87.9总分\n\n评分等级 良\n\n开展培训。\n\n", 1)
    assert text.count("开展培训。") == seed_text.count("开展培训。")
    form = parse_forms(text)[1]
    assert sorted((d.indicator, d.text) for d in form.deviations) == sorted(FORMS[1]["deviations"])
