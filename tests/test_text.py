"""Normalisation, cause/measure split and text checks on real seed texts."""

from __future__ import annotations

import pytest

from nlp.errors import TextError
from nlp.text import MAX_TEXT_CHARS, check_text, normalise, split_cause_measure

# As the PDF extraction of the seed file wraps them (page break included).
WRAPPED_SCHEDULE = (
    "由于工程复杂，需补充完成地质勘\n探报告和施工图设计，因此项目于\n12月才完成工程招标，至年底尚未\n"
    "开工。后续计划于2024年正式进场\n开工，并计划于9月底前完成土建和\n装饰装修工程，10月底前完成机电\n\n设备安装调试。"
)
WRAPPED_STAFFING = (
    "部分人员由于产、病、事假、公休\n等原因未及时培训。之后通过视频\n录制、视频会议等方式对缺席人员\n\n开展培训。"
)


def test_normalise_joins_pdf_wraps_and_page_breaks_inside_a_text():
    text = normalise(WRAPPED_SCHEDULE)
    assert "\n" not in text and " " not in text
    assert "地质勘探报告" in text and "机电设备安装调试。" in text


def test_seed_text_in_the_file_is_found_whole_after_normalising(seed_text):
    joined = normalise(seed_text)
    assert normalise(WRAPPED_STAFFING) in joined


def test_normalise_unifies_full_and_half_width_forms():
    assert normalise("资金执行率为７８％,主要原因是尾款１，３７２．００万元未支付(待验收);") == (
        "资金执行率为78%，主要原因是尾款1,372.00万元未支付（待验收）；"
    )
    assert normalise("  系统  卡顿  ") == "系统卡顿"
    assert normalise("上午10:30起网络中断:原因未明") == "上午10:30起网络中断：原因未明"


def test_split_separates_cause_from_the_following_measure():
    split = split_cause_measure(normalise(WRAPPED_SCHEDULE))
    assert split.cause.startswith("由于工程复杂") and split.cause.endswith("至年底尚未开工。")
    assert split.measure.startswith("后续计划于2024年正式进场开工")
    staffing = split_cause_measure(normalise(WRAPPED_STAFFING))
    assert staffing.cause == "部分人员由于产、病、事假、公休等原因未及时培训。"
    assert staffing.measure.startswith("之后通过视频录制")


def test_split_of_seed_example_with_done_measure():
    split = split_cause_measure("年底考核有4人不合格，已进行再培训再考核。")
    assert split.cause == "年底考核有4人不合格"
    assert split.measure == "已进行再培训再考核。"


@pytest.mark.parametrize(
    "text",
    ["下一步将加强项目管理，提高资金使用效率。", "今后将进一步完善绩效目标设置。"],
)
def test_measure_only_text_has_no_cause_and_the_model_reads_the_measure(text):
    split = split_cause_measure(text)
    assert split.cause == ""
    assert split.for_model == text


def test_text_without_measure_is_all_cause():
    text = "由于各项上位管理法律法规仍在制订过程中"
    assert split_cause_measure(text).cause == text
    assert split_cause_measure(text).measure == ""


def test_clause_starting_with_jiang_inside_a_cause_is_not_taken_for_a_measure():
    text = "因上级部门将该项目调整至下年度实施，本年未开展"
    assert split_cause_measure(text).measure == ""


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", "。，；！", "--//"])
def test_empty_or_punctuation_only_text_is_refused(bad):
    with pytest.raises(TextError, match="empty or only whitespace/punctuation"):
        check_text(bad)


@pytest.mark.parametrize("text", ["𠀀", "𪚥𪚥", "\U0002b740", "\U0002f800", "\U0003134a", "㐀"])
def test_text_in_cjk_extensions_b_to_g_is_content_not_punctuation(text):
    assert check_text(text) == text


def test_wraps_between_extension_b_characters_are_joined():
    assert normalise("𠀀𠀁\n𡈼𪚥") == "𠀀𠀁𡈼𪚥"


def test_text_over_the_column_limit_is_refused_not_truncated():
    with pytest.raises(TextError, match=f"2001 characters, more than the limit of {MAX_TEXT_CHARS}"):
        check_text("由" * 2001)
    assert check_text("由" * 2000) == "由" * 2000


def test_non_string_is_refused_with_where_named():
    with pytest.raises(TextError, match="texts\\[3\\]: expected a string"):
        check_text(None, where="texts[3]")


def test_a_restated_shortfall_is_set_apart_when_a_cause_follows():
    split = split_cause_measure(
        normalise("森林抚育面积完成率76%，低于年度目标，主要是三季度连续降雨，作业队伍无法进山。")
    )
    assert split.restatement == "森林抚育面积完成率76%，低于年度目标"
    assert split.cause == "主要是三季度连续降雨，作业队伍无法进山。" == split.for_model
    listed = split_cause_measure("资金执行率仅41%，原因：一是施工图反复修改；二是招标流标。下一步将加快进度。")
    assert listed.restatement == "资金执行率仅41%" and listed.cause.startswith("原因：一是施工图")
    assert listed.measure == "下一步将加快进度。"
    assert split_cause_measure("实际完成12个，较目标少3个，系供应商交货延迟所致。").cause == "系供应商交货延迟所致。"


@pytest.mark.parametrize(
    "text",
    ["完成率95%，略低于目标。", "部分人员由于产、病、事假等原因未及时培训。", "由于设计变更，开工推迟。"],
)
def test_without_a_restatement_before_a_cause_marker_the_whole_text_is_the_cause(text):
    split = split_cause_measure(text)
    assert split.restatement == "" and split.cause == text


def test_a_restatement_followed_only_by_a_measure_is_what_the_model_reads():
    split = split_cause_measure("执行率偏低，今后将加快支出进度。")
    assert split.restatement == "" and split.for_model == "执行率偏低"
