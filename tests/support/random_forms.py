"""Random 自评表 Form records and the layouts they are rendered in: plain functions of a `random.Random`
(for benchmarks) and hypothesis strategies over them (for tests).

Each strategy draws one seeded generator and builds the whole form from it: drawing every
character and number through hypothesis took about 0.1 s per form, more than parsing it.
A fixed hypothesis seed still gives the same forms."""

from __future__ import annotations

import random

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


_LEVELS = {
    "产出指标": ["数量指标", "质量指标", "时效指标"],
    "效益指标": ["社会效益指标", "可持续影响指标"],
    "满意度指标": ["服务对象满意度指标"],
}


def make_text(rng: random.Random, min_size: int = 5, max_size: int = 300) -> str:
    """A deviation text of min_size..max_size characters: clauses with commas, ending in 。."""
    size = rng.randint(min_size, max_size)
    out: list[str] = []
    while len(out) < size - 1:
        out.extend(rng.choices(_CHARS, k=rng.randint(2, 14)))
        if len(out) < size - 1:
            out.append(rng.choice(_PUNCT))
    text = "".join(out[: size - 1]).rstrip("，；、。") + "。"
    return text if len(text) >= min_size else text[:-1] + "工作。"


def make_form(rng: random.Random, template: str = "project") -> Form:
    """A consistent form of `template`: 1–25 indicators, some without text, some texts repeated under several.

    A department-wide form (部门（单位）整体支出) names a unit where others name a project and has no 实施单位."""
    count = rng.randint(1, 25)
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(_SUBJECTS) + rng.choice(_SUFFIXES)
        if name not in names:
            names.append(name)
    # The template puts the 满意度指标 block last.
    names.sort(key=lambda name: "满意" in name)
    pool = list(dict.fromkeys(make_text(rng) for _ in range(rng.randint(1, 5))))
    indicators: list[Indicator] = []
    deviations: list[Deviation] = []
    for name in names:
        level1 = "满意度指标" if "满意" in name else rng.choice(["产出指标", "效益指标"])
        level2 = rng.choice(_LEVELS[level1])
        weight = float(rng.randint(2, 15))
        has_text = rng.random() < 0.5
        lost = rng.randint(1, int(weight)) / 2 if has_text else 0.0
        pct = "%" if not name.endswith(("数", "量")) else "次"
        indicators.append(
            Indicator(level1, level2, name, f"=100.00({pct})", f"{100 - lost:.2f}({pct})", weight, weight - lost)
        )
        if has_text:
            deviations.append(Deviation(indicator=name, text=rng.choice(pool), points_lost=lost))
    full_year = float(rng.randint(1, 5000))
    executed = round(full_year * rng.randint(10, 100) / 100, 2)
    rate = round(100 * executed / full_year, 2)
    budget = Budget(float(rng.randint(1, 5000)), full_year, executed, rate, 10.0, round(rate / 10, 2))
    total = round(sum(i.score or 0 for i in indicators) + (budget.score or 0), 2)
    units = ["上海市交通委员会交通指挥中心", "上海市水文总站", "上海市林业总站"]
    base = template.removesuffix("-split")
    names = {
        "project": [s + "项目" for s in _SUBJECTS],
        "department": units,
        "transfer": ["农村公路养护资金", "水利发展资金", "林业改革发展资金"],
    }
    project = rng.choice(names[base])
    return Form(
        template=template,
        project=project,
        department=rng.choice(["上海市交通委员会", "上海市水务局", "上海市绿化和市容管理局"]),
        unit=None if base == "department" else rng.choice(units),
        year=rng.randint(2018, 2030),
        budget=budget,
        indicators=indicators,
        deviations=deviations,
        total_score=total,
        grade=rng.choice(_GRADES),
    )


def make_layout(rng: random.Random, count: int, min_wrap: int = 8, max_wrap: int = 30) -> Layout:
    """A wrap width, page breaks at random rows and the box cuts pdfminer might make."""

    def some(indexes: range, most: int) -> set[int]:
        return set(rng.sample(indexes, rng.randint(0, min(most, len(indexes))))) if len(indexes) else set()

    return Layout(
        wrap=rng.randint(min_wrap, max_wrap),
        page_breaks=sorted(some(range(1, count), 3)),
        next_box=some(range(count), count),
        last_line_apart=some(range(count), count),
        title_first=rng.random() < 0.5,
    )


def header(form: Form) -> tuple:
    """What a round trip must give back of a form's header: names, year, budget, 总分, 评分等级."""
    b = form.budget
    return (
        form.project,
        form.department,
        form.unit,
        form.year,
        (b.initial, b.full_year, b.executed, b.execution_rate, b.weight, b.score),
        form.total_score,
        form.grade,
    )


def _rng(draw: st.DrawFn) -> random.Random:
    return random.Random(draw(st.integers(0, 2**32 - 1)))


@st.composite
def chinese_text(draw: st.DrawFn, min_size: int = 5, max_size: int = 300) -> str:
    """Strategy: a deviation text (see `make_text`)."""
    return make_text(_rng(draw), min_size, max_size)


@st.composite
def random_form(draw: st.DrawFn) -> Form:
    """Strategy: a consistent form (see `make_form`)."""
    return make_form(_rng(draw))


@st.composite
def random_layout(draw: st.DrawFn, count: int, min_wrap: int = 8, max_wrap: int = 30) -> Layout:
    """Strategy: a layout for a form of `count` indicators (see `make_layout`)."""
    return make_layout(_rng(draw), count, min_wrap, max_wrap)
