"""Each rule of nlp.findings on generated forms stored through ingest: firing, and not firing where it must not."""

from __future__ import annotations

import pytest

from nlp.findings import find_findings, measure_similarity, set_verdict
from nlp.findings.rules import MET
from nlp.store import NotFoundError, get_document, ingest_forms, reclassify, set_label
from tests.store.conftest import StubModel
from tests.support.findings_forms import UNIT, Row, form, years_of

PASTED = "由于工程复杂，需补充完成地质勘探报告和施工图设计，因此项目于12月才完成工程招标。"
FAULT_2023 = "机电系统出现故障，影响运行。后续将加强系统巡检，保障系统运行。"
FAULT_2024 = "机电系统再次出现故障，影响运行。后续将继续加强系统巡检，保障系统稳定运行。"
FAULT_OTHER_MEASURE = "机电系统出现故障，影响运行。下一步将更换老旧服务器，提高设备完好率。"
FUNDS = "受年底关账影响，资金未能及时支付。"


def _ingest(store, forms, name="a.txt", model=None):
    return ingest_forms(store, forms, model or StubModel(), file_name=name)


def _of(store, rule, **filters):
    return [f for f in find_findings(store, **filters).findings if f.rule == rule]


# 1. pasted explanations


def test_one_text_under_three_indicators_is_pasted_even_when_wrapped_differently(store):
    rows = [Row("设备购置完成率", text=PASTED), Row("工程竣工及时性", text=PASTED.replace("，", "，\n"))]
    rows += [
        Row("设备验收合格率", text=PASTED.replace("。", " 。")),
        Row("满意度", text="用户反馈响应较慢，已督促整改。"),
    ]
    _ingest(store, [form("机房工程", 2023, rows)])
    (found,) = _of(store, "pasted_explanation")
    assert found.title_zh == "同一说明套用于多个指标"
    assert found.indicators == ["设备购置完成率", "工程竣工及时性", "设备验收合格率"]
    assert len(found.deviation_ids) == 3 and found.project == "机房工程" and found.form_id is not None


def test_one_text_under_two_indicators_is_not_pasted(store):
    _ingest(store, [form("机房工程", 2023, [Row("设备购置完成率", text=PASTED), Row("工程竣工及时性", text=PASTED)])])
    assert _of(store, "pasted_explanation") == []


def test_one_text_under_two_projects_of_a_unit_in_a_year_is_pasted_across_projects(store):
    _ingest(
        store,
        [form("机房工程", 2023, [Row("完成率", text=PASTED)]), form("道路工程", 2023, [Row("及时率", text=PASTED)])],
    )
    (found,) = _of(store, "pasted_across_projects")
    assert found.title_zh == "同一说明套用于多个项目" and found.unit == UNIT
    assert found.indicators == ["机房工程：完成率", "道路工程：及时率"] and len(found.related_form_ids) == 1


def test_the_same_text_in_other_units_or_other_years_is_not_pasted_across_projects(store):
    forms = [form("机房工程", 2023, [Row("完成率", text=PASTED)]), form("道路工程", 2024, [Row("及时率", text=PASTED)])]
    forms.append(form("桥梁工程", 2023, [Row("及时率", text=PASTED)], unit="另一个单位"))
    _ingest(store, forms)
    assert _of(store, "pasted_across_projects") == []


# 2. the same promise year after year


def test_measure_similarity_is_high_for_the_same_promise_and_low_for_another():
    same = measure_similarity("后续将加强系统巡检，保障系统运行。", "后续将继续加强系统巡检，保障系统稳定运行。")
    assert same >= 0.7
    assert measure_similarity("2024年底前完成验收。", "2025年底前完成验收。") == 1.0  # the year is not the promise
    assert measure_similarity("后续将加强系统巡检，保障系统运行。", "下一步将更换老旧服务器，提高设备完好率。") < 0.3


def test_the_same_code_and_measure_in_consecutive_years_is_a_repeated_promise(store):
    _ingest(store, years_of("信息化运维", {2023: FAULT_2023, 2024: FAULT_2024}))
    (found,) = _of(store, "repeated_promise")
    assert found.title_zh == "整改措施重复承诺" and found.year == 2024 and found.project == "信息化运维"
    assert "同一项目同一指标" in found.evidence and "系统设备故障" in found.evidence
    assert "2023年 信息化运维：系统运行率" in found.indicators and len(found.deviation_ids) == 2
    assert [f.id for f in _of(store, "repeated_promise", year=2024)] == [found.id]
    assert _of(store, "repeated_promise", year=2023) == []  # a repeat shows in the year it is repeated


def test_a_unit_repeating_across_its_projects_is_found_at_unit_level(store):
    _ingest(store, [*years_of("信息化运维", {2023: FAULT_2023}), *years_of("信息化建设", {2024: FAULT_2024})])
    (found,) = _of(store, "repeated_promise")
    assert found.project is None and "本单位" in found.evidence


@pytest.mark.parametrize(
    "texts",
    [
        {2023: FAULT_2023, 2024: FAULT_OTHER_MEASURE},  # another measure
        {2022: FAULT_2023, 2024: FAULT_2024},  # not consecutive
        {2023: FAULT_2023, 2024: FUNDS + "后续将继续加强系统巡检，保障系统稳定运行。"},  # another cause
    ],
    ids=["other-measure", "gap-year", "other-code"],
)
def test_no_repeated_promise_without_same_code_similar_measure_and_consecutive_years(store, texts):
    _ingest(store, years_of("信息化运维", texts))
    assert _of(store, "repeated_promise") == []


def test_other_units_do_not_repeat_each_others_promises(store):
    _ingest(store, [*years_of("运维", {2023: FAULT_2023}), *years_of("运维", {2024: FAULT_2024}, unit="另一个单位")])
    assert _of(store, "repeated_promise") == []


# 3. reasons that contradict the numbers


def test_funds_blamed_at_full_execution_is_a_contradiction_and_a_correction_removes_it(store):
    _ingest(store, [form("电费支付", 2023, [Row("支付及时率", text=FUNDS)], execution_rate=99.5)])
    (found,) = _of(store, "funding_despite_execution")
    assert found.indicators == ["支付及时率"] and "99.5%" in found.evidence
    set_label(store, found.deviation_ids[0], "schedule", "王芳")  # a human says it is not about funds
    assert _of(store, "funding_despite_execution") == []


@pytest.mark.parametrize("rate", [98.9, None], ids=["below-99", "unknown-rate"])
def test_funds_blamed_below_full_or_unknown_execution_is_no_contradiction(store, rate):
    _ingest(store, [form("电费支付", 2023, [Row("支付及时率", text=FUNDS)], execution_rate=rate)])
    assert _of(store, "funding_despite_execution") == []


def test_target_met_said_while_points_were_lost_is_a_contradiction(store):
    rows = [Row("验收合格率", 10, 7, "年度目标已完成。"), Row("完成率", 10, 9, "各项工作达到预期，后续将继续保持。")]
    _ingest(store, [form("设备采购", 2023, rows)])
    (found,) = _of(store, "met_but_lost")
    assert found.indicators == ["验收合格率", "完成率"]
    assert "已完成" in found.evidence and "扣 3 分" in found.evidence and "达到预期" in found.evidence


@pytest.mark.parametrize(
    "row",
    [
        Row("验收合格率", 10, 10, "年度目标已完成。"),  # nothing lost
        Row("验收合格率", None, None, "年度目标已完成。"),  # points lost unknown: never counted as lost
        Row("验收合格率", 10, 7, "由于供应商延期，项目未完成。"),
        Row("验收合格率", 10, 7, "由于疫情影响，未能达到预期。"),
        Row("验收合格率", 10, 7, "由于供应商延期交货，验收推迟。已完成整改。"),  # a measure, not the target
        Row("验收合格率", 10, 7, "项目已完成招标，但尚未开工。"),  # one step done, not the target
    ],
    ids=["no-loss", "unknown-loss", "not-done", "not-met", "measure", "one-step"],
)
def test_no_met_but_lost_contradiction_without_a_claim_and_a_known_loss(store, row):
    _ingest(store, [form("设备采购", 2023, [row])])
    assert _of(store, "met_but_lost") == []


def test_the_met_pattern_reads_claims_not_negations():
    assert MET.search("目标已完成。") and MET.search("达到预期效果") and MET.search("已完成年度目标任务")
    for text in ("未完成", "尚未达到预期", "未能达到目标", "已完成招标", "已完成整改"):
        assert MET.search(text) is None, text


def test_points_lost_without_a_text_is_found_and_a_text_or_unknown_score_is_not(store):
    rows = [Row("完成率", 10, 6), Row("及时率", 10, 8, "系统卡顿，工单处置延迟。"), Row("满意度", None, None)]
    _ingest(store, [form("热线服务", 2023, rows)])
    (found,) = _of(store, "lost_without_text")
    assert found.title_zh == "指标失分但未说明原因" and found.indicators == ["完成率"]


def test_a_text_where_nothing_was_lost_is_found_and_unknown_loss_is_not(store):
    rows = [Row("完成率", 10, 10, "系统卡顿，工单处置延迟。"), Row("及时率", None, None, "系统卡顿，工单处置延迟。")]
    rows.append(Row("满意度", 10, 9, "用户反馈处置延迟。"))
    _ingest(store, [form("热线服务", 2023, rows)])
    (found,) = _of(store, "text_without_loss")
    assert found.indicators == ["完成率"]


# 4. no real explanation


def test_no_cause_texts_are_counted_per_unit_as_a_rate(store):
    rows = [Row("完成率", text="已完成。"), Row("及时率", text="系统卡顿，工单处置延迟。")]
    rows += [Row("合格率", text="机电系统出现故障。"), Row("覆盖率", text="部分点位施工，不能调查。")]
    clean = form("道路养护", 2023, [Row("完成率", text="系统卡顿。")], unit="另一个单位")
    _ingest(store, [form("热线服务", 2023, rows), clean])
    (found,) = _of(store, "no_cause_rate")
    assert found.unit == UNIT and found.count == 1 and found.rate == 0.25 and "25.0%" in found.evidence
    units = {u.unit: u for u in find_findings(store).units}
    assert (units[UNIT].no_cause, units[UNIT].texts) == (1, 4) and units["另一个单位"].no_cause_rate == 0.0


# verdicts


def test_a_verdict_is_kept_with_who_and_when_and_survives_reclassification(store):
    _ingest(store, [form("机房工程", 2023, [Row(name, text=PASTED) for name in ("甲", "乙", "丙")])])
    (found,) = _of(store, "pasted_explanation")
    marked = set_verdict(store, found.id, "confirmed", "审计员李明")
    assert (marked.verdict, marked.verdict_zh, marked.verdict_by) == ("confirmed", "已核实", "审计员李明")
    reclassify(store, StubModel("stub-2"), force=True)
    (again,) = _of(store, "pasted_explanation")
    assert again.id == found.id and again.verdict_zh == "已核实" and again.verdict_at == marked.verdict_at
    set_verdict(store, found.id, "rejected", "王芳")
    assert _of(store, "pasted_explanation")[0].verdict_zh == "不成立"
    set_verdict(store, found.id, None, "王芳")
    assert _of(store, "pasted_explanation")[0].verdict is None


def test_a_verdict_on_an_unknown_finding_or_with_an_unknown_value_is_refused(store):
    _ingest(store, [form("机房工程", 2023, [Row(name, text=PASTED) for name in ("甲", "乙", "丙")])])
    with pytest.raises(NotFoundError, match="not found"):
        set_verdict(store, "0" * 20, "confirmed", "王芳")
    (found,) = _of(store, "pasted_explanation")
    with pytest.raises(ValueError, match="unknown verdict"):
        set_verdict(store, found.id, "maybe", "王芳")
    with pytest.raises(ValueError, match="who"):
        set_verdict(store, found.id, "confirmed", " ")


def test_findings_follow_the_filters_and_name_the_document(store):
    result = _ingest(store, [form("机房工程", 2023, [Row(n, text=PASTED) for n in ("甲", "乙", "丙")])])
    _ingest(
        store, [form("机房工程", 2024, [Row(n, text=PASTED) for n in ("甲", "乙", "丙")], department="别的局")], "b.txt"
    )
    assert [f.year for f in _of(store, "pasted_explanation", year=2023)] == [2023]
    assert [f.department for f in _of(store, "pasted_explanation", department="别的局")] == ["别的局"]
    (found,) = _of(store, "pasted_explanation", year=2023)
    assert found.document_id == result.document_id
    form_ids = [f.id for f in get_document(store, result.document_id).form_list]
    assert found.form_id in form_ids
