"""Store fixtures: a fresh database per test on SQLite (always) and PostgreSQL (when a URL is given)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from nlp.classify.inference import Prediction, Ranked
from nlp.forms.records import Budget, Deviation, Form, Indicator
from nlp.store import Store, open_store
from nlp.taxonomy import ABSTAIN, load_taxonomy
from nlp.text import split_cause_measure

PG_ENV = "PIANCHA_TEST_DATABASE_URL"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""SQLite always; PostgreSQL in the `postgres` tier (`pytest -m postgres`, with PIANCHA_TEST_DATABASE_URL)."""


def _pg_schema_url(base: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards (tests never share tables)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database on `backend`; PostgreSQL is skipped with the reason when no URL is given."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'piancha.sqlite'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f'PostgreSQL not tested: set {PG_ENV} (eval "$(bash .ci/postgres.sh)")')
    yield from _pg_schema_url(base)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database's URL, once per backend."""
    yield from database_url(request.param, tmp_path)


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    """An open store on an empty database, once per backend."""
    with open_store(url) as s:
        yield s


RULES = [
    ("招标", "procurement"),
    ("故障", "system"),
    ("卡顿", "system"),
    ("关账", "funding"),
    ("资金", "funding"),
    ("考核", "staffing"),
    ("承办单位", "coordination"),
    ("施工", "external"),
    ("法律法规", "policy"),
    ("机制", "management"),
    ("错误", "work_quality"),
    ("关注人数", "effect_lag"),
    ("延迟", "schedule"),
    ("工程复杂", "schedule"),
    ("已完成", "no_cause"),
]


class StubModel:
    """A stand-in classifier with keyword rules: fast, deterministic, abstains when no rule fires."""

    def __init__(self, version: str = "stub-1", rules: Sequence[tuple[str, str]] = RULES) -> None:
        self.version = version
        self.rules = list(rules)
        self.metadata = {"classifier": "stub"}
        self.calls = 0

    def classify_batch(self, texts: Sequence[str], top: int = 3, evidence: int = 8) -> list[Prediction]:
        from nlp.text import check_text, normalise

        self.calls += 1
        taxonomy = load_taxonomy()
        out = []
        for i, t in enumerate(texts):
            check_text(t, where=f"texts[{i}]")
            label = next((code for cue, code in self.rules if cue in t), None)
            split = split_cause_measure(normalise(t))
            code = label or ABSTAIN
            confidence = 0.9 if label else 0.2
            out.append(
                Prediction(
                    label=code,
                    label_zh=taxonomy.name_zh(code),
                    confidence=confidence,
                    abstained=label is None,
                    ranking=[Ranked(code, taxonomy.name_zh(code), confidence)],
                    cause_text=split.cause,
                    measure_text=split.measure,
                    model_version=self.version,
                )
            )
        return out


@pytest.fixture
def stub_model() -> StubModel:
    return StubModel()


SEED_PROJECTS = [
    "城市维护工程项目",
    "城市维护养护项目",
    "交通行业安全生产监督及应急管理经费",
    "交通设施管理经费",
    "交通文明行业创建和宣传经费",
    "热线服务保障经费",
    "推进交通行业运行保障及发展经费",
    "信息化建设项目",
    "信息化运维项目",
    "中国国际进口博览会运营保障经费",
    "综合交通管理经费",
]
SEED_TEXTS = [
    "由于工程复杂，需补充完成地质勘探报告和施工图设计，因此项目于12月才完成工程招标，至年底尚未开工。",
    "年底考核有4人不合格，已进行再培训再考核",
    "受年底关账影响，最后一个月份的电费账单需在新一年度完成支付",
    "机电系统出现过一次二级故障",
    "因为应急事件涉及承办单位较多，部分承办单位处置不及时",
    "内场机电设施养护管理机制需进一步细化",
    "演练没有准备充足，故延迟开展",
    "由于有些路段养护施工，导致部分点位不能调查数据",
    "由于各项上位管理法律法规仍在制订过程中",
    "部分报告细节信息检查出错误",
    "由于目前新媒体账号运营时间不长，关注人数基数不高",
    "翻派单过程中，系统卡顿或人为判断失误",
    "个别项目推进节奏与预期略有差异",
]


def hand_built_seed() -> list[Form]:
    """The seed's 11 forms as records, built by hand (a stand-in for nlp.forms.parse_forms)."""
    forms = []
    k = 0
    for n, project in enumerate(SEED_PROJECTS):
        indicators, deviations = [], []
        for j in range(2 + n % 3):
            level1, level2 = ("产出指标", "数量指标") if j % 2 == 0 else ("效益指标", "社会效益指标")
            name = f"{project[:4]}指标{j + 1}"
            indicators.append(Indicator(level1, level2, name, "=100%", "90%", weight=10.0, score=8.5 - j))
            deviations.append(Deviation(name, SEED_TEXTS[k % len(SEED_TEXTS)], level1, level2, points_lost=1.5 + j))
            k += 1
        # one indicator per form that lost points and says nothing
        indicators.append(
            Indicator("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "85%", weight=10.0, score=9.0)
        )
        indicators.append(Indicator("产出指标", "时效指标", "及时率", "=100%", "100%", weight=10.0, score=10.0))
        forms.append(
            Form(
                project=project,
                department="上海市交通委员会",
                unit="上海市交通委员会交通指挥中心",
                year=2023,
                budget=Budget(144.0, 109.0, 44.93, 41.22, 10.0, 4.12),
                indicators=indicators,
                deviations=deviations,
                total_score=88.0,
                grade="良",
            )
        )
    return forms


SILENT_PROJECT = "只缺说明的项目"


def silent_form() -> Form:
    """A form whose one indicator lost points and says nothing: a group with a missing reason and no deviation."""
    lossy = Indicator("产出指标", "数量指标", "完成率", weight=10, score=5)
    return Form(SILENT_PROJECT, "部门甲", "单位甲", 2023, indicators=[lossy])


def parse_seed(path: Path) -> list[Form]:
    """The seed's forms: parsed by nlp.forms once that reader exists, else the hand-built stand-in."""
    try:
        from nlp.forms import parse_forms
    except ImportError:
        return hand_built_seed()
    return parse_forms(path)


@pytest.fixture
def seed_forms(seed_file: Path) -> list[Form]:
    return parse_seed(seed_file)


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, to compare a database before and after."""
    from nlp.store.models import Base

    with store.engine.connect() as c:
        return {t.name: sorted(map(tuple, c.execute(t.select()).all()), key=repr) for t in Base.metadata.sorted_tables}
