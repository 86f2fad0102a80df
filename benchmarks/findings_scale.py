"""Audit findings at scale: fill a database with generated deviations (as benchmarks/summary_scale.py does) and time
nlp.findings over all of them.

Run: python benchmarks/findings_scale.py [--rows 1000000] [--units 2000] [--years 5] [--url sqlite:///PATH] [--keep]
The fill is summary_scale's (2,000 units in 40 departments, 8 projects each, 5 years, one unexplained indicator per
form), then made to look like forms with findings: every text gets a 项目-specific tail (so texts are mostly
distinct, as in real forms), 40 % of them an improvement measure drawn from 200 templates, and the forms an 执行率 of
85–100 %. Prints the time of find_findings unfiltered (first run, then best of three), per year and per department,
with the number of findings per rule; the target is under 10 s for 1,000,000 deviations.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func, select, text  # noqa: E402
from summary_scale import arguments, generated_store, timed  # noqa: E402

from nlp.findings import find_findings  # noqa: E402
from nlp.store import Store  # noqa: E402
from nlp.store.models import DeviationRow  # noqa: E402

VERBS = [
    "后续将加强",
    "下一步将完善",
    "今后将持续优化",
    "后续将督促落实",
    "下一步将严格执行",
    "今后将进一步规范",
    "后续将认真做好",
    "下一年度将提前谋划",
    "后续将建立健全",
    "今后将切实强化",
]
OBJECTS = [
    "系统巡检和日常维护",
    "项目前期准备工作",
    "预算执行进度管理",
    "人员培训和考核",
    "与承办单位的沟通协调",
    "采购计划的编制",
    "合同履约管理",
    "绩效目标的设定",
    "数据采集质量控制",
    "应急处置流程",
    "设备更新和备品备件储备",
    "工程进度的跟踪督办",
    "第三方服务的监督",
    "宣传推广工作",
    "资金支付流程",
    "台账资料的整理归档",
    "内部控制制度",
    "满意度调查工作",
    "信息发布审核",
    "安全隐患排查",
]
MEASURES = [f"{v}{o}，确保按期完成年度目标。" for v in VERBS for o in OBJECTS]


def shape(store: Store) -> None:
    """Give the generated deviations distinct texts, measures and the forms an 执行率 (in place, a few UPDATEs)."""
    cases = " ".join(f"WHEN {i} THEN '{m}'" for i, m in enumerate(MEASURES))
    with store.engine.begin() as c:
        c.execute(text("UPDATE deviations SET text = text || '（' || project || '）' WHERE text != '无'"))
        c.execute(
            text(
                f"UPDATE deviations SET measure_text = CASE (id * 7919) % {len(MEASURES)} {cases} END WHERE id % 5 < 2"
            )
        )
        c.execute(text("UPDATE deviations SET text = text || '。' || measure_text WHERE measure_text != ''"))
        c.execute(text("UPDATE forms SET execution_rate = 85 + (id * 31) % 16"))


def main() -> None:
    with generated_store(arguments(__doc__), shape) as store:
        with store.sessions() as s:
            department = s.scalar(select(DeviationRow.department).limit(1))
            year = s.scalar(select(func.max(DeviationRow.year)))
        cases = [
            ("all", {}),
            (f"--year {year}", {"year": year}),
            (f"--department {department}", {"department": department}),
        ]
        print(f"{'findings':40} {'first':>8} {'best of 3':>10} {'findings':>9}")
        worst = 0.0
        for name, kwargs in cases:
            first, best, result = timed(lambda kw=kwargs: find_findings(store, **kw))
            worst = max(worst, first)
            print(f"{name:40} {first:7.2f}s {best:9.2f}s {len(result.findings):9,}")
            if not kwargs:
                per_rule = Counter(f.rule for f in result.findings)
                print("  per rule: " + ", ".join(f"{rule} {n:,}" for rule, n in per_rule.most_common()))
        print(f"slowest first run: {worst:.2f} s (target < 10 s)")


if __name__ == "__main__":
    main()
