"""Cause summaries: counts add up, corrections override, abstentions and missing reasons are shown."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import pytest

from nlp.forms.records import Deviation, Form, Indicator
from nlp.store import get_document, ingest_forms, open_store, set_label
from nlp.store.stats import BY, Summary, SummaryError, summarise
from tests.store.conftest import (
    PG_ENV,
    SILENT_PROJECT,
    StubModel,
    database_url,
    hand_built_seed,
    parse_seed,
    silent_form,
)
from tests.support.expected import SUMMARY_COLUMNS


@pytest.fixture
def seeded(store, stub_model):
    """The store with the seed ingested; returns (store, forms)."""
    forms = hand_built_seed()
    ingest_forms(store, forms, stub_model, file_name="seed.txt")
    return store, forms


def test_summary_by_project_has_eleven_groups_adding_up_to_the_deviations(seeded) -> None:
    store, forms = seeded
    summary = summarise(store, by="project")
    assert len(summary.groups) == 11
    assert sum(r.count for r in summary.rows) == sum(len(f.deviations) for f in forms)
    assert [g.group for g in summary.groups] == sorted(f.project for f in forms)


def test_summary_by_department_has_one_group_with_the_same_total(seeded) -> None:
    store, forms = seeded
    summary = summarise(store, by="department")
    assert [g.group for g in summary.groups] == ["上海市交通委员会"]
    assert summary.groups[0].deviations == sum(r.count for r in summary.rows) == sum(len(f.deviations) for f in forms)
    assert summary.groups[0].forms == 11


def test_shares_sum_to_one_and_codes_are_sorted_by_count(seeded) -> None:
    store, _ = seeded
    for by in BY:
        summary = summarise(store, by=by)
        for g in summary.groups:
            rows = [r for r in summary.rows if r.group == g.group]
            assert sum(r.share for r in rows) == (pytest.approx(1.0) if g.deviations else 0)
            assert [r.count for r in rows] == sorted((r.count for r in rows), reverse=True)
            assert sum(r.count for r in rows) == g.deviations


def test_rows_carry_name_points_forms_and_an_example(seeded) -> None:
    store, forms = seeded
    summary = summarise(store, by="department")
    schedule = next(r for r in summary.rows if r.label == "schedule")
    assert schedule.label_zh == "进度滞后"
    assert "工程复杂" in schedule.example or "延迟" in schedule.example
    points = sum(d.points_lost for f in forms for d in f.deviations)
    assert sum(r.points_lost for r in summary.rows) == pytest.approx(points)
    assert summary.groups[0].points_lost == pytest.approx(points)
    assert list(asdict(summary.rows[0]))[:8] == SUMMARY_COLUMNS


def test_a_human_correction_moves_the_row_to_its_code(seeded) -> None:
    store, _ = seeded
    before = {r.label: r.count for r in summarise(store, by="department").rows}
    doc = get_document(store, 1)
    dev = next(d for f in doc.form_list for d in f.deviations if d.code == "staffing")
    set_label(store, dev.id, "management", "王芳")
    after = {r.label: r.count for r in summarise(store, by="department").rows}
    assert after["staffing"] == before["staffing"] - 1
    assert after["management"] == before.get("management", 0) + 1


def test_abstained_no_cause_and_missing_reasons_are_counted_not_dropped(store, stub_model) -> None:
    form = Form(
        "项目甲",
        "部门甲",
        "单位甲",
        2023,
        indicators=[
            Indicator("产出指标", "数量指标", "完成率", weight=10, score=6),
            Indicator("产出指标", "质量指标", "合格率", weight=10, score=7),  # lost points, no text
            Indicator("效益指标", "社会效益指标", "满意度", weight=10, score=10),
        ],
        deviations=[
            Deviation("完成率", "个别项目推进节奏与预期略有差异"),  # no rule fires: abstained
            Deviation("满意度", "已完成"),  # no_cause
            Deviation("其他", "/"),  # no text at all: no_cause
        ],
    )
    ingest_forms(store, [form], stub_model, file_name="a.txt")
    summary = summarise(store, by="project")
    counts = {r.label: r.count for r in summary.rows}
    assert counts == {"other": 1, "no_cause": 2}
    (g,) = summary.groups
    assert (g.deviations, g.abstained, g.no_cause, g.missing_reasons) == (3, 1, 2, 1)
    assert g.abstain_rate == pytest.approx(1 / 3)
    assert next(r for r in summary.rows if r.label == "other").label_zh == "其他"
    by_level2 = {g.group: g.missing_reasons for g in summarise(store, by="level2").groups}
    assert by_level2["质量指标"] == 1  # a group with no deviation at all still shows its missing reason


def test_filters_by_year_and_department(store, stub_model) -> None:
    forms = hand_built_seed()
    forms[0].year, forms[1].department = 2022, "上海市财政局"
    ingest_forms(store, forms, stub_model, file_name="seed.txt")
    assert [g.group for g in summarise(store, by="year").groups] == ["2022", "2023"]
    only_2022 = summarise(store, by="project", year=2022)
    assert [g.group for g in only_2022.groups] == [forms[0].project]
    assert only_2022.groups[0].missing_reasons == 1
    finance = summarise(store, by="department", department="上海市财政局")
    assert [g.group for g in finance.groups] == ["上海市财政局"]
    assert summarise(store, by="unit", year=1999).groups == []


def test_an_unknown_grouping_is_refused(store) -> None:
    with pytest.raises(SummaryError, match="cannot summarise by 'city'; choose one of department, unit"):
        summarise(store, by="city")


def test_flat_records_have_the_documented_keys_and_every_group(store, stub_model) -> None:
    ingest_forms(store, [*hand_built_seed()[:2], silent_form()], stub_model, file_name="a.txt")
    summary = summarise(store, by="project")
    records = summary.to_records()
    assert list(records[0])[:8] == ["group", "label", "label_zh", "count", "share", "points_lost", "forms", "example"]
    silent = [r for r in records if r["group"] == SILENT_PROJECT]
    assert silent == [{**silent[0], "count": 0, "label": None, "missing_reasons": 1}]
    assert list(summary.to_frame().columns[:8]) == list(records[0])[:8]


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"PostgreSQL not tested: set {PG_ENV}")
def test_the_same_summary_on_sqlite_and_postgresql_is_identical(tmp_path: Path, seed_file: Path) -> None:
    forms = parse_seed(seed_file)
    results = []
    for backend in ("sqlite", "postgresql"):
        for url in database_url(backend, tmp_path):
            with open_store(url) as store:
                model = StubModel()
                ingest_forms(store, forms, model, file_name="seed.txt")
                ingest_forms(store, hand_built_seed(), model, file_name="hand.txt")
                set_label(store, 3, "policy", "王芳")
                results.append({by: summarise(store, by=by) for by in BY})
    sqlite, postgresql = results
    for by in BY:
        assert sqlite[by] == postgresql[by], by
        assert sqlite[by].rows


def test_seed_ingested_with_the_trained_model_adds_up(tmp_path: Path, seed_file: Path, model) -> None:
    forms = parse_seed(seed_file)
    with open_store(f"sqlite:///{tmp_path / 'seed.sqlite'}") as store:
        result = ingest_forms(store, forms, model, file_name=seed_file.name)
        assert result.forms == 11
        by_project = summarise(store, by="project")
        assert len(by_project.groups) == 11
        assert sum(r.count for r in by_project.rows) == result.deviations == sum(len(f.deviations) for f in forms)
        by_department = summarise(store, by="department")
        assert [g.group for g in by_department.groups] == ["上海市交通委员会"]
        assert by_department.groups[0].deviations == result.deviations
        assert {r.label for r in by_department.rows} <= {*model.classes_, "other"}


def _from_scratch(store, by: str) -> list[tuple]:
    """The summary's rows recomputed with pandas straight from the deviations table."""
    import pandas as pd

    frame = pd.read_sql_table("deviations", store.engine)
    frame["group"] = frame[by].map(lambda v: None if pd.isna(v) else str(v))
    cells = frame.groupby(["group", "code"], dropna=False).agg(
        count=("id", "size"), forms=("form_id", "nunique"), lost=("points_lost", "sum"), first=("id", "min")
    )
    text = frame.set_index("id")["text"]
    return sorted(
        (g, c, r["count"], r["forms"], round(r["lost"], 2), text[r["first"]]) for (g, c), r in cells.iterrows()
    )


def test_the_form_roll_up_stays_in_step_with_every_write(store, stub_model) -> None:
    from nlp.store import delete_document, reclassify

    first = ingest_forms(store, hand_built_seed(), stub_model, file_name="a.txt")
    forms = hand_built_seed()
    for f in forms:
        f.unit = "另一单位"
    second = ingest_forms(store, forms, stub_model, file_name="b.txt")
    steps = [
        lambda: set_label(store, 2, "policy", "王芳"),
        lambda: set_label(store, 1, "policy", "王芳"),
        lambda: set_label(store, 2, None, "王芳"),
        lambda: reclassify(store, StubModel("stub-2", rules=[("考核", "external"), ("资金", "system")])),
        lambda: delete_document(store, first.document_id),
        lambda: set_label(
            store, get_document(store, second.document_id).form_list[0].deviations[0].id, "funding", "李雷"
        ),
    ]
    for step in steps:
        step()
        for by in BY:
            got = summarise(store, by=by)
            assert sorted((r.group, r.label, r.count, r.forms, r.points_lost, r.example) for r in got.rows) == (
                _from_scratch(store, by)
            )
        assert summarise(store, by="project") == _computed(store, "project")


def _computed(store, by: str, year: int | None = None, department: str | None = None) -> Summary:
    """The summary aggregated at read time, never the stored by-project one."""
    from nlp.store.stats import _computed_summary

    with store.engine.connect() as connection:
        rows, groups = _computed_summary(connection, by, year, department)
    return Summary(by=by, year=year, department=department, rows=rows, groups=groups)


def test_the_stored_project_summary_is_the_one_computed_at_read_time(store, stub_model) -> None:
    forms = hand_built_seed()
    forms[0].year, forms[1].department = 2022, "上海市财政局"
    forms[2].project = forms[3].project  # two forms of one project
    silent = silent_form()
    ingest_forms(store, [*forms, silent], stub_model, file_name="a.txt")
    again = hand_built_seed()[:4]  # the same projects a second time, other codes
    ingest_forms(store, again, StubModel("stub-2", rules=[("考核", "external")]), file_name="b.txt")
    stored = summarise(store, by="project")
    assert stored == _computed(store, "project")
    assert [g.group for g in stored.groups] == sorted({f.project for f in [*forms, *again, silent]})
    only_missing = next(g for g in stored.groups if g.group == SILENT_PROJECT)  # no deviation: still a group
    assert (only_missing.deviations, only_missing.forms, only_missing.missing_reasons) == (0, 0, 1)
    for g in stored.groups:
        rows = [(r.count, r.label) for r in stored.rows if r.group == g.group]
        assert rows == sorted(rows, key=lambda r: (-r[0], r[1]))


def test_project_groups_follow_python_order_whatever_the_database_collation(store, stub_model) -> None:
    projects = ["ab", "a-c", "B项目", "a项目", "Ab", "项目乙", "项目甲"]
    forms = hand_built_seed()[: len(projects)]
    for f, project in zip(forms, projects):
        f.project = project
    ingest_forms(store, forms, stub_model, file_name="a.txt")
    stored = summarise(store, by="project")
    assert [g.group for g in stored.groups] == sorted(projects)
    assert [r.group for r in stored.rows] == sorted(r.group for r in stored.rows)
    assert stored == _computed(store, "project")


def test_summarise_turns_the_garbage_collector_back_on_only_if_it_was(seeded) -> None:
    import gc

    store, _ = seeded
    assert gc.isenabled()
    summarise(store, by="project")
    assert gc.isenabled()
    gc.disable()
    try:
        summarise(store, by="unit")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_two_writers_on_one_project_wait_for_each_other(store, stub_model) -> None:
    """A label set while another transaction refreshes the same project waits for it, then counts both."""
    import threading

    from nlp.store.rollup import refresh_project_summary

    forms = hand_built_seed()
    result = ingest_forms(store, forms, stub_model, file_name="a.txt")
    deviation = get_document(store, result.document_id).form_list[0].deviations[0]
    failed: list[BaseException] = []

    def label() -> None:
        try:
            set_label(store, deviation.id, "policy", "王芳")
        except BaseException as exc:  # reported below, in the test's thread
            failed.append(exc)

    with store.transaction() as session:
        refresh_project_summary(session, [forms[0].project])  # holds the project until it commits
        writer = threading.Thread(target=label)
        writer.start()
        writer.join(timeout=2)
        assert writer.is_alive()  # waiting, not failing or writing past this transaction
    writer.join(timeout=60)
    assert not failed, failed
    assert summarise(store, by="project") == _computed(store, "project")
    assert any(r.label == "policy" for r in summarise(store, by="project").rows if r.group == forms[0].project)


def test_a_stored_project_summary_out_of_step_is_a_clear_store_error(seeded) -> None:
    """A row of project_summary_rows gone behind the writers' backs (a hand edit, a half-restored backup) is
    reported by name rather than answered with a wrong summary; computed summaries still answer."""
    from sqlalchemy import delete

    from nlp.store import StoreError
    from nlp.store.models import ProjectSummaryRow

    store, _ = seeded
    with store.engine.begin() as c:
        c.execute(delete(ProjectSummaryRow).where(ProjectSummaryRow.rank == 0))
    with pytest.raises(StoreError, match="project_summary_rows is not in step with project_totals"):
        summarise(store, by="project")
    assert summarise(store, by="project", year=2023).groups  # filtered summaries are computed, not stored


def test_unknown_points_lost_stay_unknown_and_are_counted(store, stub_model) -> None:
    forms = hand_built_seed()
    for f in forms:
        for d in f.deviations:
            d.points_lost = None  # 分值/得分 not known for the deviation
        for i in f.indicators:
            i.score = None
    ingest_forms(store, forms, stub_model, file_name="unknown.txt")
    deviations = sum(len(f.deviations) for f in forms)
    for by, filters in (("project", {}), ("project", {"year": forms[0].year}), ("department", {})):
        summary = summarise(store, by=by, **filters)
        assert all(r.points_lost is None for r in summary.rows), by
        assert all(g.points_lost is None for g in summary.groups), by
        assert sum(g.points_lost_unknown for g in summary.groups) == deviations, by
    frame = summarise(store, by="project").to_frame()
    assert frame["points_lost"].isna().all() and frame["points_lost_unknown"].sum() > 0
