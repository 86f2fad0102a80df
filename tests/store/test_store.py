"""Storage: schema on first use, ingest in one transaction, no-op re-ingest, corrections, reclassify, export."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, inspect

import nlp.forms
from nlp.errors import FormParseError, LabelDataError
from nlp.forms.records import Deviation, Form, Indicator
from nlp.store import (
    NotFoundError,
    StoreError,
    delete_document,
    export_labels,
    get_deviation,
    get_document,
    ingest_file,
    ingest_forms,
    list_documents,
    open_store,
    reclassify,
    set_label,
)
from nlp.store.models import DeviationRow
from nlp.store.queries import UNNAMED
from nlp.training.corpus import load_corpus
from tests.store.conftest import StubModel, hand_built_seed, snapshot


@pytest.fixture
def fake_reader(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """nlp.forms.parse_forms replaced by the hand-built seed; records which paths it was asked to read."""
    seen: list[Path] = []

    def parse(path: Path) -> list[Form]:
        seen.append(Path(path))
        return hand_built_seed()

    monkeypatch.setattr(nlp.forms, "parse_forms", parse, raising=False)
    return seen


def test_open_store_creates_schema_on_first_use(url: str) -> None:
    with open_store(url) as store:
        tables = set(inspect(store.engine).get_table_names())
    assert {"documents", "forms", "indicators", "deviations", "model_versions", "alembic_version"} <= tables
    with open_store(url) as store:  # second open: already at head, nothing to do
        assert list_documents(store) == []


def test_open_store_refuses_unknown_database() -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        open_store("mysql://localhost/piancha")
    with pytest.raises(StoreError, match="invalid database URL"):
        open_store("not a url")


def test_ingest_seed_stores_eleven_forms(store, stub_model) -> None:
    forms = hand_built_seed()
    result = ingest_forms(store, forms, stub_model, file_name="seed.txt")
    assert result.created and result.forms == 11
    assert result.deviations == sum(len(f.deviations) for f in forms)
    detail = get_document(store, result.document_id)
    assert [f.project for f in detail.form_list] == [f.project for f in forms]
    assert detail.form_list[0].deviations[0].model_version == "stub-1"
    assert detail.form_list[0].missing_reasons == ["满意度"]
    assert list_documents(store)[0].deviations == result.deviations


def test_reingesting_the_same_file_is_a_noop_that_says_so(store, stub_model, fake_reader, tmp_path: Path) -> None:
    path = tmp_path / "自评表.txt"
    path.write_text("any bytes: the reader is a stand-in", encoding="utf-8")
    first = ingest_file(store, path, stub_model)
    before = snapshot(store)
    again = ingest_file(store, path, stub_model)
    assert first.created and not again.created
    assert again.document_id == first.document_id and again.forms == 11 and again.deviations == first.deviations
    assert "already ingested" in again.warnings[0] and "已导入" in again.warnings[0]
    assert snapshot(store) == before
    assert len(fake_reader) == 1  # the second time nothing was even parsed


def test_uploaded_bytes_are_ingested_under_their_file_name(store, stub_model, fake_reader) -> None:
    result = ingest_file(store, "表".encode(), stub_model, file_name="upload.pdf")
    assert result.created and result.file_name == "upload.pdf"
    assert fake_reader[0].suffix == ".pdf"
    with pytest.raises(StoreError, match="file name"):
        ingest_file(store, b"x", stub_model)


def test_a_failure_half_way_leaves_the_database_exactly_as_before(store, stub_model) -> None:
    ingest_forms(store, hand_built_seed()[:3], stub_model, file_name="earlier.txt")
    before = snapshot(store)
    inserted = []

    def fail_on_fifth(mapper, connection, target) -> None:
        inserted.append(target)
        if len(inserted) == 5:
            raise RuntimeError("disk full (injected)")

    event.listen(DeviationRow, "before_insert", fail_on_fifth)
    try:
        with pytest.raises(RuntimeError, match="injected"):
            ingest_forms(store, hand_built_seed(), StubModel(version="stub-2"), file_name="later.txt")
    finally:
        event.remove(DeviationRow, "before_insert", fail_on_fifth)
    assert len(inserted) == 5  # forms and deviations had been written when it failed
    assert snapshot(store) == before  # …and none of them, nor the new model version, is left


def test_a_file_that_fails_to_parse_leaves_nothing(store, stub_model, monkeypatch, tmp_path: Path) -> None:
    def broken(path: Path) -> list[Form]:
        raise FormParseError(f"{path.name}, page 2: no 项目名称 / 缺少项目名称")

    monkeypatch.setattr(nlp.forms, "parse_forms", broken, raising=False)
    path = tmp_path / "broken.txt"
    path.write_text("garbage", encoding="utf-8")
    before = snapshot(store)
    with pytest.raises(FormParseError, match="broken.txt, page 2"):
        ingest_file(store, path, stub_model)
    assert snapshot(store) == before


def test_a_file_with_no_forms_or_no_such_file_is_refused(store, stub_model, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(nlp.forms, "parse_forms", lambda path: [], raising=False)
    empty = tmp_path / "empty.txt"
    empty.write_text("nothing here", encoding="utf-8")
    with pytest.raises(FormParseError, match="empty.txt: no 项目支出绩效自评表 found"):
        ingest_file(store, empty, stub_model)
    with pytest.raises(FormParseError, match="missing.txt: no such file"):
        ingest_file(store, tmp_path / "missing.txt", stub_model)


def _one_form(*deviations: Deviation, indicators: list[Indicator] | None = None) -> Form:
    return Form("项目甲", "部门甲", "单位甲", 2023, indicators=indicators or [], deviations=list(deviations))


def test_blank_text_is_no_cause_and_an_over_long_one_is_kept_as_other(store, stub_model) -> None:
    long_text = "由于资金" * 600
    indicators = [Indicator("产出指标", "数量指标", "完成率", weight=10.0, score=5.0)]
    form = _one_form(Deviation("完成率", "  "), Deviation("其他", long_text), indicators=indicators)
    result = ingest_forms(store, [form], stub_model, file_name="odd.txt")
    devs = get_document(store, result.document_id).form_list[0].deviations
    assert [(d.code, d.model_version) for d in devs] == [("no_cause", None), ("other", None)]
    assert devs[0].points_lost == 5.0  # taken from the indicator it explains
    assert any("其他" in w and "2400 characters" in w for w in result.warnings)
    assert get_document(store, result.document_id).form_list[0].missing_reasons == ["完成率"]


def test_a_human_correction_overrides_the_prediction_and_records_who(store, stub_model) -> None:
    result = ingest_forms(store, hand_built_seed(), stub_model, file_name="seed.txt")
    dev = get_document(store, result.document_id).form_list[0].deviations[0]
    corrected = set_label(store, dev.id, "procurement", "王芳")
    assert (corrected.code, corrected.predicted_code, corrected.corrected_by) == ("procurement", dev.code, "王芳")
    assert corrected.corrected_at is not None and corrected.corrected_at.tzinfo is not None
    assert corrected.label_zh == "招标采购"
    restored = set_label(store, dev.id, None, "王芳")
    assert (restored.code, restored.corrected_code, restored.corrected_by) == (dev.code, None, None)


def test_set_label_refuses_unknown_codes_ids_and_anonymous_edits(store, stub_model) -> None:
    result = ingest_forms(store, hand_built_seed(), stub_model, file_name="seed.txt")
    dev_id = get_document(store, result.document_id).form_list[0].deviations[0].id
    with pytest.raises(LabelDataError, match=f"deviation {dev_id}: unknown code 'late'"):
        set_label(store, dev_id, "late", "王芳")
    with pytest.raises(LabelDataError, match="unknown code 'other'"):
        set_label(store, dev_id, "other", "王芳")  # abstaining is the model's answer, not a label
    with pytest.raises(LabelDataError, match="who"):
        set_label(store, dev_id, "funding", " ")
    with pytest.raises(NotFoundError, match="deviation 999999: not found"):
        set_label(store, 999999, "funding", "王芳")
    with pytest.raises(NotFoundError, match="document 999999: not found"):
        get_document(store, 999999)
    with pytest.raises(NotFoundError):
        get_deviation(store, 999999)


def test_reclassify_reruns_the_model_keeping_human_corrections(store, stub_model) -> None:
    result = ingest_forms(store, hand_built_seed(), stub_model, file_name="seed.txt")
    devs = [d for f in get_document(store, result.document_id).form_list for d in f.deviations]
    set_label(store, devs[0].id, "policy", "李雷")
    newer = StubModel(version="stub-2", rules=[("", "external")])  # calls everything external
    outcome = reclassify(store, newer, batch_size=7)
    assert (outcome.model_version, outcome.examined, outcome.corrected_kept) == ("stub-2", len(devs), 1)
    after = {d.id: d for f in get_document(store, result.document_id).form_list for d in f.deviations}
    assert after[devs[0].id].code == "policy" and after[devs[0].id].predicted_code == "external"
    assert {d.code for i, d in after.items() if i != devs[0].id} == {"external"}
    assert {d.model_version for d in after.values()} == {"stub-2"}
    assert reclassify(store, newer).examined == 0  # already done: resumable, not repeated
    assert reclassify(store, newer, force=True).examined == len(devs)


def test_export_labels_reads_back_as_training_data(store, stub_model, tmp_path: Path) -> None:
    result = ingest_forms(store, hand_built_seed(), stub_model, file_name="seed.txt")
    devs = get_document(store, result.document_id).form_list[1].deviations
    set_label(store, devs[0].id, "funding", "王芳")
    set_label(store, devs[1].id, "staffing", "李雷")
    frame = export_labels(store)
    assert list(frame["label"]) == ["funding", "staffing"]
    assert list(frame["corrected_by"]) == ["王芳", "李雷"]
    path = tmp_path / "corrections.csv"
    frame.to_csv(path, index=False)
    corpus = load_corpus([path])
    assert list(corpus["label"]) == ["funding", "staffing"]


def test_delete_document_removes_everything_parsed_from_it(store, stub_model) -> None:
    empty = snapshot(store)
    result = ingest_forms(store, hand_built_seed(), stub_model, file_name="seed.txt")
    delete_document(store, result.document_id)
    after = snapshot(store)
    assert {k: v for k, v in after.items() if k != "model_versions"} == {
        k: v for k, v in empty.items() if k != "model_versions"
    }
    with pytest.raises(NotFoundError):
        delete_document(store, result.document_id)


def test_lossy_value_rows_not_tied_to_names_count_as_missing_reasons(store, stub_model) -> None:
    form = _one_form(
        Deviation("完成率", "由于资金未到位"),
        Deviation("及时率", "由于资金未到位"),
        indicators=[Indicator(None, None, n) for n in ("完成率", "及时率", "合格率", "满意度")],
    )
    form.value_rows = [
        Indicator(None, "数量指标", "", weight=10.0, score=6.0),
        Indicator(None, None, "", weight=10.0, score=10.0),
        Indicator(None, None, "", weight=10.0, score=9.0),
        Indicator(None, "满意度指标", "", weight=10.0, score=8.0),
    ]  # three rows lost points, two names have a text: one reason is missing
    result = ingest_forms(store, [form], stub_model, file_name="pdf-text.txt")
    assert get_document(store, result.document_id).form_list[0].missing_reasons == [UNNAMED]


def test_one_text_corrected_to_two_codes_exports_the_latest_and_is_listed_as_a_conflict(
    store, stub_model, seed_file: Path
) -> None:
    from nlp.store import correction_conflicts
    from nlp.training.corpus import retraining_corpus

    document = get_document(store, ingest_file(store, seed_file, stub_model).document_id)
    deviations = [d for f in document.form_list for d in f.deviations]
    text = next(d.text for d in deviations if sum(e.text == d.text for e in deviations) >= 2)
    first, second = [d.id for d in deviations if d.text == text][:2]
    set_label(store, first, "schedule", "王芳")
    set_label(store, second, "procurement", "李雷")  # later: this one wins
    exported = export_labels(store)
    assert exported.loc[exported["text"] == text, "label"].tolist() == ["procurement"]
    conflicts = correction_conflicts(store)
    assert conflicts["text"].tolist() == [text] and conflicts["codes"].iloc[0] == ["procurement", "schedule"]
    corpus = retraining_corpus([], exported)  # no "conflicting labels" error blocks the retraining
    assert corpus.loc[corpus["text"] == text, "label"].tolist() == ["procurement"]
    set_label(store, second, None, "李雷")  # undo the later one: the earlier correction counts again
    assert export_labels(store).loc[lambda f: f["text"] == text, "label"].tolist() == ["schedule"]
    assert correction_conflicts(store).empty
