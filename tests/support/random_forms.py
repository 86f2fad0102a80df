"""Hypothesis strategies for random 自评表 Form records and the layouts they are rendered in."""

from __future__ import annotations

from hypothesis import strategies as st

from nlp.forms.records import Budget, Deviation, Form, Indicator
from tests.support.render import Layout

_SUBJECTS = [
    "设备购置",
    "工程竣工",
    "设备验收",
    "机房设施",
    "监控人员",
    "业务培训",
    "电费支付",
    "情报板信息发布",
    "第三方服务验收",
    "系统运行",
    "道路养护",
    "数据采集",
    "档案整理",
    "平台建设",
    "应急演练",
    "车辆维护",
]
_SUFFIXES = ["完成率", "合格率", "及时率", "覆盖率", "完成数", "及时性", "到岗率", "满意度", "数量", "完好率"]
# Characters of ordinary explanations; no digits (value rows) and no template words.
_CHARS = "工作计划开展后续将加强管理部分人员由于原因未及时完成系统故障修复督促单位落实整改提高质量进度安排调整预算执行"
_PUNCT = "，，，。；、"
_GRADES = ["优", "良", "中", "差"]


@st.composite
def chinese_text(draw: st.DrawFn, min_size: int = 5, max_size: int = 300) -> str:
    """A deviation text of min_size..max_size characters: clauses with commas, ending in 。."""
    size = draw(st.integers(min_size, max_size))
    out: list[str] = []
    while len(out) < size - 1:
        clause = draw(st.integers(2, 14))
        out.extend(draw(st.sampled_from(_CHARS)) for _ in range(clause))
        if len(out) < size - 1:
            out.append(draw(st.sampled_from(_PUNCT)))
    text = "".join(out[: size - 1]).rstrip("，；、。") + "。"
    return text if len(text) >= min_size else text[:-1] + "工作。"


@st.composite
def random_form(draw: st.DrawFn) -> Form:
    """A consistent form: 1–25 indicators, some without text, some texts repeated under several."""
    count = draw(st.integers(1, 25))
    names = draw(
        st.lists(
            st.tuples(st.sampled_from(_SUBJECTS), st.sampled_from(_SUFFIXES)).map("".join),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    # The template puts the 满意度指标 block last.
    names.sort(key=lambda name: "满意" in name)
    pool = draw(st.lists(chinese_text(), min_size=1, max_size=5, unique=True))
    indicators: list[Indicator] = []
    deviations: list[Deviation] = []
    for name in names:
        weight = float(draw(st.integers(2, 15)))
        has_text = draw(st.booleans())
        lost = float(draw(st.integers(1, int(weight)))) / 2 if has_text else 0.0
        pct = "%" if not name.endswith(("数", "量")) else "次"
        indicators.append(
            Indicator(None, None, name, f"=100.00({pct})", f"{100 - lost:.2f}({pct})", weight, weight - lost)
        )
        if has_text:
            deviations.append(Deviation(indicator=name, text=draw(st.sampled_from(pool))))
    full_year = float(draw(st.integers(1, 5000)))
    executed = round(full_year * draw(st.integers(10, 100)) / 100, 2)
    rate = round(100 * executed / full_year, 2)
    budget = Budget(float(draw(st.integers(1, 5000))), full_year, executed, rate, 10.0, round(rate / 10, 2))
    total = round(sum(i.score or 0 for i in indicators) + (budget.score or 0), 2)
    return Form(
        project=draw(st.sampled_from(_SUBJECTS)) + "项目",
        department=draw(st.sampled_from(["上海市交通委员会", "上海市水务局", "上海市绿化和市容管理局"])),
        unit=draw(st.sampled_from(["上海市交通委员会交通指挥中心", "上海市水文总站", "上海市林业总站"])),
        year=draw(st.integers(2018, 2030)),
        budget=budget,
        indicators=indicators,
        deviations=deviations,
        total_score=total,
        grade=draw(st.sampled_from(_GRADES)),
    )


@st.composite
def random_layout(draw: st.DrawFn, count: int, min_wrap: int = 8, max_wrap: int = 30) -> Layout:
    """A wrap width, page breaks at random rows and the box cuts pdfminer might make."""
    indexes = st.sets(st.integers(0, max(count - 1, 0)), max_size=count)
    return Layout(
        wrap=draw(st.integers(min_wrap, max_wrap)),
        page_breaks=sorted(draw(st.sets(st.integers(1, max(count - 1, 1)), max_size=3))),
        next_box=draw(indexes),
        last_line_apart=draw(indexes),
        title_first=draw(st.booleans()),
    )
