"""The review queue and retraining from reviewed notebooks: ordering, notebook format, layers, the CLI round trip."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from nlp.classify.registry import list_versions, load_model, read_metadata
from nlp.errors import LabelDataError, PianchaError
from nlp.labelling.notebooks import count_reviewed
from nlp.labelling.review import QUEUE_COLUMNS, review_queue, write_queue_notebook
from nlp.store import open_store, set_label, stored_texts
from nlp.taxonomy import load_taxonomy
from nlp.training.corpus import LABELS_TAG, load_corpus, read_notebook_tables, retraining_corpus
from nlp.training.selection import data_hash
from tests.labelling.conftest import FixedModel

SURE = [("system", 0.90), ("external", 0.05)]
CLOSE = [("funding", 0.48), ("schedule", 0.44)]
LOW = [("staffing", 0.30), ("coordination", 0.29)]
MIDDLE = [("policy", 0.60), ("management", 0.20)]


def texts_frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"text": t, "project": p, "indicator": i, "department": "", "deviation_id": str(n)}
            for n, (t, p, i) in enumerate(rows, start=1)
        ]
    )


def edit_labels(path: Path, edit) -> pd.DataFrame:  # noqa: ANN001 (a function of the table)
    """Change a labelling notebook's `labels` CSV cell the way an analyst would in Jupyter; return the new table."""
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if LABELS_TAG in c.metadata.get("tags", []))
    table = read_notebook_tables(path)[0].frame
    edit(table)
    cell.source = table.to_csv(index=False, lineterminator="\n")
    nbformat.write(nb, str(path))
    return table


def test_queue_puts_abstained_first_then_the_smallest_margin() -> None:
    model = FixedModel({"系统宕机": SURE, "资金未到位": CLOSE, "人员不足": LOW, "政策调整": MIDDLE})
    frame = texts_frame([(t, "项目", "指标") for t in model.answers])
    queue = review_queue(model, frame, limit=3)
    assert queue["text"].tolist() == ["人员不足", "资金未到位", "政策调整"]
    assert queue["abstained"].tolist() == [True, False, False]
    assert queue["margin"].tolist() == pytest.approx([0.01, 0.04, 0.40])
    # pre-filled with the guess (the top code even when abstained: `other` is not a code to train)
    assert queue["label"].tolist() == ["staffing", "funding", "policy"]
    assert (queue["reviewed"] == "").all() and (queue["secondary"] == "").all()


def test_queue_has_one_row_per_text_listing_every_indicator_and_deviation() -> None:
    model = FixedModel({"资金未到位": CLOSE, "系统宕机": SURE})
    frame = texts_frame(
        [("资金未到位", "项目甲", "支付率"), ("系统宕机", "项目乙", "运行率"), (" 资金未到位", "项目甲", "执行率")]
    )
    queue = review_queue(model, frame, limit=10)
    assert len(queue) == 2
    first = queue.iloc[0]
    assert first["text"] == "资金未到位" and first["indicator"] == "支付率|执行率"
    assert first["project"] == "项目甲" and first["deviation_id"] == "1|3"


def test_queue_notebook_keeps_commas_and_quotes_and_only_reviewed_rows_load(tmp_path: Path) -> None:
    tricky = '因"供应商"延迟交货, 设备未到, 招标推迟'
    model = FixedModel({tricky: CLOSE, "系统宕机": SURE, "人员不足": LOW})
    queue = review_queue(model, texts_frame([(t, "项目, 一期", "指标") for t in model.answers]))
    path = write_queue_notebook(queue, tmp_path / "q.ipynb", model_version="fixed-1")
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if LABELS_TAG in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "raw"
    assert all(f"`{code}`" in nb.cells[1].source for code in load_taxonomy().codes)
    assert "reviewed" in nb.cells[0].source and "yes" in nb.cells[0].source
    table = read_notebook_tables(path)[0].frame
    assert list(table.columns) == QUEUE_COLUMNS and tricky in table["text"].tolist()
    with pytest.raises(LabelDataError, match="no labelled examples"):
        load_corpus([path])  # nothing reviewed yet: not a single guess is taken as a label

    def review(t: pd.DataFrame) -> None:
        t.loc[t["text"] == tricky, ["label", "reviewed"]] = ["procurement", "yes"]

    edit_labels(path, review)
    assert count_reviewed(path) == (1, 3)
    corpus = load_corpus([path])
    assert corpus[["text", "label"]].values.tolist() == [[tricky, "procurement"]]


def test_writing_the_queue_never_overwrites_an_analysts_file(tmp_path: Path) -> None:
    model = FixedModel({"系统宕机": SURE})
    queue = review_queue(model, texts_frame([("系统宕机", "", "")]))
    path = write_queue_notebook(queue, tmp_path / "q.ipynb")
    with pytest.raises(PianchaError, match="already exists"):
        write_queue_notebook(queue, path)
    with pytest.raises(PianchaError, match=r"\.ipynb"):
        write_queue_notebook(queue, tmp_path / "q.csv")


def test_stored_texts_leave_out_corrected_deviations_and_filter_by_department(seed_db: str) -> None:
    with open_store(seed_db) as store:
        everything = stored_texts(store)
        assert len(everything) > 40
        first = int(everything["deviation_id"].iloc[0])
        set_label(store, first, "schedule", "王芳")
        left = stored_texts(store)
        assert str(first) not in left["deviation_id"].tolist() and len(left) == len(everything) - 1
        assert len(stored_texts(store, "上海市交通委员会交通指挥中心")) == len(left)
        assert stored_texts(store, "某某局").empty


def test_retraining_puts_stored_corrections_under_the_notebooks(tmp_path: Path) -> None:
    base = load_corpus()
    a, b = base["text"].iloc[0], base["text"].iloc[1]
    corrections = pd.DataFrame({"text": [a, b], "label": ["policy", "policy"], "secondary": ["", ""]})
    notebook = tmp_path / "q.ipynb"
    model = FixedModel({b: SURE, "全新的文本：网络中断": SURE})
    write_queue_notebook(review_queue(model, texts_frame([(t, "", "") for t in model.answers])), notebook)
    edit_labels(notebook, lambda t: t.__setitem__("reviewed", (t["text"] == b).map({True: "yes", False: ""})))
    corpus = retraining_corpus([notebook], corrections).set_index("text")
    assert corpus.at[a, "label"] == "policy"  # the stored correction
    assert corpus.at[b, "label"] == "system"  # the notebook wins over the stored correction
    assert "全新的文本：网络中断" not in corpus.index  # not reviewed
    assert len(corpus) == len(base)


def test_review_queue_without_a_database_or_model_exits_2(piancha, tmp_path: Path, small_model_root: Path) -> None:
    no_model = piancha("review-queue")
    assert no_model.exit_code == 2 and "no trained model" in no_model.output
    piancha.env(model_dir=small_model_root)
    no_db = piancha("review-queue", "--output", tmp_path / "q.ipynb")
    assert no_db.exit_code == 2 and "no database" in no_db.output and "Traceback" not in no_db.output
    assert not (tmp_path / "none.sqlite").exists()


def test_review_queue_from_a_file_names_the_bad_row(piancha, tmp_path: Path, small_model_root: Path) -> None:
    piancha.env(model_dir=small_model_root)
    good = tmp_path / "texts.csv"
    pd.DataFrame(
        {"内容": ["服务器宕机, 网络中断", "人员离职", "服务器宕机, 网络中断"], "indicator": ["a", "b", "c"]}
    ).to_csv(good, index=False)
    result = piancha("review-queue", "--input", good, "--text-column", "内容", "--output", tmp_path / "q.ipynb")
    assert result.exit_code == 0, result.output
    table = read_notebook_tables(tmp_path / "q.ipynb")[0].frame
    assert sorted(table["text"]) == ["人员离职", "服务器宕机, 网络中断"]
    assert "a|c" in table["indicator"].tolist()
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"text": ["人员离职", "——"]}).to_csv(bad, index=False)
    result = piancha("review-queue", "--input", bad, "--output", tmp_path / "q2.ipynb")
    assert result.exit_code == 2 and "bad.csv, row 2" in result.output and "empty" in result.output


def test_retrain_with_an_unknown_code_names_the_file_cell_and_row(piancha, tmp_path: Path) -> None:
    path = tmp_path / "q.ipynb"
    model = FixedModel({"系统宕机": SURE, "人员不足": LOW})
    write_queue_notebook(review_queue(model, texts_frame([(t, "", "") for t in model.answers])), path)

    def review(t: pd.DataFrame) -> None:
        t["label"], t["reviewed"] = ["staffing", "hardware"], ["yes", "yes"]

    edit_labels(path, review)
    result = piancha("retrain", path, "--no-stored")
    assert result.exit_code == 2, result.output
    assert "q.ipynb, cell 3, row 2: unknown code 'hardware'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_round_trip_queue_edit_retrain_predicts_the_corrections_and_ignores_unreviewed_rows(
    piancha, seed_db: str, model_copy: Path, tmp_path: Path
) -> None:
    piancha.env(model_dir=model_copy, database_url=seed_db)
    queue_path = tmp_path / "review.ipynb"
    made = piancha("review-queue", "--limit", "8", "--output", queue_path)
    assert made.exit_code == 0, made.output
    assert "8 of" in made.output and queue_path.is_file()

    before = load_model(root=model_copy)
    table = read_notebook_tables(queue_path)[0].frame
    assert len(table) == 8 and (table["label"] == table["guess"]).all() and (table["reviewed"] == "").all()
    changed = {t: before.classify(t).ranking[1].label for t in table["text"].iloc[:2]}  # the runner-up code
    unreviewed_text = table["text"].iloc[2]
    unreviewed_label = next(c for c in ("policy", "funding") if c != table["label"].iloc[2])

    def review(t: pd.DataFrame) -> None:
        for text, code in changed.items():
            t.loc[t["text"] == text, ["label", "reviewed"]] = [code, "yes"]
        t.loc[t["text"] == unreviewed_text, "label"] = unreviewed_label  # changed but not marked reviewed

    edit_labels(queue_path, review)
    result = piancha("retrain", queue_path, "--candidates", "logreg")
    assert result.exit_code == 0, result.output
    assert "2 of 8 rows reviewed" in result.output and "version" in result.output

    newest = list_versions(model_copy)[0].version
    assert newest != before.version
    after = load_model(newest, root=model_copy)
    for text, code in changed.items():
        assert before.classify(text).ranking[0].label != code
        assert after.classify(text).label == code, (text, code)

    # exactly the two reviewed rows came from the notebook; the unreviewed one kept its corpus label
    corpus = retraining_corpus([queue_path])
    assert sorted(corpus.loc[corpus["origin"].str.startswith("review.ipynb"), "text"]) == sorted(changed)
    assert unreviewed_label not in corpus.loc[corpus["text"] == unreviewed_text, "label"].tolist()
    assert read_metadata(newest, model_copy)["data_hash"] == data_hash(corpus)
