"""Summary speed at scale: fill a database with generated deviations and time every summary.

Run: python benchmarks/summary_scale.py [--rows 1000000] [--units 2000] [--years 5] [--url sqlite:///PATH] [--keep]
Generates `rows` deviations (and their indicators, plus one unexplained indicator per form) spread over
`units` units in 40 departments and `years` years, written straight into the tables as ingest would write them.
Prints the fill time, the database size, and each summary's time (first run, then best of three);
the target on SQLite is under 1 s per summary.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text  # noqa: E402

from nlp.store import Store, open_store  # noqa: E402
from nlp.store.models import DeviationRow, DocumentRow, FormRow, IndicatorRow, ModelVersionRow  # noqa: E402
from nlp.store.rollup import refresh_form_causes  # noqa: E402
from nlp.store.stats import BY, summarise  # noqa: E402
from nlp.taxonomy import ABSTAIN, load_taxonomy  # noqa: E402

DEPARTMENTS = 40
PROJECTS_PER_UNIT = 8
VERSION = "bench-1"
CAUSES = [
    "由于工程复杂，需补充完成地质勘探报告和施工图设计，因此项目于12月才完成工程招标",
    "年底考核有{n}人不合格，已进行再培训再考核",
    "受年底关账影响，最后一个月份的电费账单需在新一年度完成支付",
    "机电系统出现过{n}次二级故障，后续将加强巡检",
    "因为应急事件涉及承办单位较多，部分承办单位处置不及时",
    "由于有些路段养护施工，导致{n}个点位不能调查数据",
    "由于各项上位管理法律法规仍在制订过程中",
    "部分报告细节信息检查出错误{n}处，今后将加强审核",
    "由于目前新媒体账号运营时间不长，关注人数基数不高",
    "服务对象申请人数少于预期{n}人，补贴按实际发放",
    "无",
]


def fill(store: Store, rows: int, units: int, years: int, seed: int = 7) -> None:
    """Write `rows` generated deviations (with forms, indicators and documents) in batches."""
    rng = random.Random(seed)
    codes = [*load_taxonomy().codes, ABSTAIN]
    weights = [12, 9, 14, 6, 5, 4, 7, 8, 5, 3, 6, 5, 4, 7, 5]
    per_unit_year = rows // (units * years)
    extra = rows - per_unit_year * units * years
    now = time.time()
    from datetime import datetime, timezone

    stamp = datetime.fromtimestamp(now, timezone.utc)
    with store.engine.begin() as c:
        c.execute(insert(ModelVersionRow), [{"version": VERSION, "registered_at": stamp, "details": {}}])
    form_id = indicator_id = deviation_id = 0
    doc_id = 0
    for year in range(2024 - years + 1, 2025):
        forms, indicators, deviations = [], [], []
        for u in range(units):
            department = f"第{u % DEPARTMENTS + 1:02d}委办局"
            unit = f"{department}第{u + 1:04d}单位"
            doc_id += 1
            documents = [
                {
                    "id": doc_id,
                    "file_name": f"{unit}_{year}.pdf",
                    "sha256": f"{doc_id:064x}",
                    "size_bytes": 250_000,
                    "ingested_at": stamp,
                    "model_version": VERSION,
                    "warnings": [],
                }
            ]
            n_devs = per_unit_year + (1 if u < extra // years else 0)
            for p in range(PROJECTS_PER_UNIT):
                form_id += 1
                project = f"{unit}项目{p + 1}"
                group = {"department": department, "unit": unit, "project": project, "year": year}
                share = n_devs // PROJECTS_PER_UNIT + (1 if p < n_devs % PROJECTS_PER_UNIT else 0)
                forms.append(
                    {
                        "id": form_id,
                        "document_id": doc_id,
                        "position": p,
                        "warnings": [],
                        "deviation_count": share,
                        **group,
                    }
                )
                for k in range(share + 1):
                    indicator_id += 1
                    level1 = ("产出指标", "效益指标", "满意度指标")[k % 3]
                    level2 = f"{level1[:2]}二级{k % 4}"
                    weight = 10.0
                    score = round(rng.uniform(5, 10), 2)
                    missing = k == share  # one indicator per form lost points and says nothing
                    indicators.append(
                        {
                            "id": indicator_id,
                            "form_id": form_id,
                            "position": k,
                            "name": f"指标{k + 1}",
                            "weight": weight,
                            "score": score if not missing else 8.0,
                            "reason_missing": missing,
                            "level1": level1,
                            "level2": level2,
                            **group,
                        }
                    )
                    if missing:
                        continue
                    deviation_id += 1
                    code = rng.choices(codes, weights)[0]
                    corrected = rng.choice(codes[:-1]) if rng.random() < 0.01 else None
                    body = rng.choice(CAUSES).format(n=rng.randint(1, 9))
                    deviations.append(
                        {
                            "id": deviation_id,
                            "form_id": form_id,
                            "indicator_id": indicator_id,
                            "position": k,
                            "indicator": f"指标{k + 1}",
                            "text": body,
                            "cause_text": body,
                            "measure_text": "",
                            "points_lost": round(weight - score, 2) if rng.random() < 0.8 else None,
                            "predicted_code": code,
                            "confidence": round(rng.random(), 4),
                            "abstained": code == ABSTAIN,
                            "model_version": VERSION,
                            "corrected_code": corrected,
                            "corrected_by": "bench" if corrected else None,
                            "code": corrected or code,
                            "level1": level1,
                            "level2": level2,
                            **group,
                        }
                    )
            with store.engine.begin() as c:
                c.execute(insert(DocumentRow), documents)
        with store.engine.begin() as c:
            c.execute(insert(FormRow), forms)
            c.execute(insert(IndicatorRow), indicators)
            c.execute(insert(DeviationRow), deviations)
        with store.transaction() as session:  # the roll-ups (form_causes, the stored project summary), as ingest
            refresh_form_causes(session, [f["id"] for f in forms])
        print(f"  {year}: {len(forms)} forms, {len(indicators)} indicators, {len(deviations)} deviations", flush=True)


def size_of(store: Store) -> str:
    """The database's size on disk (SQLite: the file plus its WAL; PostgreSQL: pg_database_size)."""
    if store.dialect == "sqlite":
        path = Path(store.engine.url.database)
        total = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    else:
        with store.engine.connect() as c:
            total = c.scalar(text("SELECT pg_database_size(current_database())"))
    return f"{total / 2**20:,.0f} MiB"


def timed(call, repeat: int = 3) -> tuple[float, float, object]:
    """(first, best of `repeat`) seconds, and the result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return times[0], min(times), result


def arguments(description: str | None) -> argparse.Namespace:
    """The scale benchmarks' command line: --rows, --units, --years, --url, --keep."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--url", help="database URL (default: a new SQLite file in a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the generated SQLite file")
    return parser.parse_args()


@contextmanager
def generated_store(args: argparse.Namespace, shape: Callable[[Store], None] | None = None) -> Iterator[Store]:
    """The database of --url (filled by `fill`, then `shape`, when empty) or a new temporary one; its size and the
    machine's load printed; a temporary file removed afterwards unless --keep."""
    tmp = tempfile.mkdtemp(prefix="piancha-bench-")
    url = args.url or f"sqlite:///{tmp}/bench.sqlite"
    with open_store(url) as store:
        with store.sessions() as s:
            existing = s.scalar(select(func.count()).select_from(DeviationRow))
        if existing:
            print(f"{store.url}: {existing:,} deviations already there; timing them")
        else:
            print(f"filling {store.url} with {args.rows:,} deviations, {args.units} units, {args.years} years")
            start = time.perf_counter()
            fill(store, args.rows, args.units, args.years)
            if shape is not None:
                shape(store)
            print(f"filled in {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            with store.engine.begin() as c:
                c.execute(text("ANALYZE"))
            print(f"ANALYZE in {time.perf_counter() - start:.1f} s")
        print(f"database size: {size_of(store)}")
        yield store
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"machine: {os.cpu_count()} CPUs, load average {load} (other work on the machine slows every number)")
    if args.url is None and not args.keep:
        for p in Path(tmp).glob("*"):
            p.unlink()
        Path(tmp).rmdir()
    elif args.url is None:
        print(f"kept {tmp}/bench.sqlite")


def main() -> None:
    args = arguments(__doc__)
    with generated_store(args) as store:
        year = 2024
        with store.sessions() as s:
            department = s.scalar(select(DeviationRow.department).limit(1))
        cases = [(f"--by {by}", {"by": by}) for by in BY]
        cases += [
            (f"--by unit --year {year}", {"by": "unit", "year": year}),
            (f"--by project --department {department}", {"by": "project", "department": department}),
            (
                f"--by level2 --year {year} --department {department}",
                {"by": "level2", "year": year, "department": department},
            ),
        ]
        print(f"{'summary':55} {'first':>8} {'best of 3':>10} {'groups':>7} {'rows':>7} {'deviations':>11}")
        worst = 0.0
        for name, kwargs in cases:
            first, best, summary = timed(lambda kw=kwargs: summarise(store, **kw))
            worst = max(worst, first)
            total = sum(g.deviations for g in summary.groups)
            print(f"{name:55} {first:7.3f}s {best:9.3f}s {len(summary.groups):7} {len(summary.rows):7} {total:11,}")
        print(f"slowest first run: {worst:.3f} s (target < 1 s on SQLite)")


if __name__ == "__main__":
    main()
