"""The labelled corpus: coverage, variety, no near-duplicates, and validation errors that name the place."""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.errors import LabelDataError
from nlp.paths import LABELLED_DIR, NOTEBOOKS_DIR
from nlp.taxonomy import load_taxonomy
from nlp.text import split_cause_measure
from nlp.training.corpus import load_corpus

NEAR_DUPLICATE_COSINE = 0.70
"""Character 1–3-gram TF-IDF cosine above which two texts count as near-duplicates (see data/README.md)."""


@pytest.fixture(scope="module")
def authored(corpus):
    return corpus[corpus["source"] == "authored"]


def test_seed_notebook_labels_every_distinct_seed_text(corpus):
    seed = corpus[corpus["source"] == "seed"]
    assert 40 <= len(seed) <= 60
    assert seed["origin"].str.startswith("1.0-label-seed-forms.ipynb").all()


def test_seed_notebook_texts_all_occur_in_the_seed_file(corpus, seed_text):
    flat = "".join(seed_text.split())
    seed = corpus[corpus["source"] == "seed"]
    missing = [t for t in seed["text"] if "".join(t.split()) not in flat]
    assert missing == []


def test_at_least_4000_authored_texts_over_25_sectors_and_every_level_of_government(authored):
    assert len(authored) >= 4000
    assert authored["sector"].nunique() >= 25
    assert set(authored["level"]) >= {"central", "province", "city", "county", "township"}
    assert authored["level"].value_counts().min() >= 200


def test_every_code_has_150_examples_and_the_mix_follows_real_forms(authored):
    counts = authored["label"].value_counts()
    assert set(counts.index) == set(load_taxonomy().codes)
    assert counts.min() >= 150, counts.to_dict()
    assert counts.idxmax() == "funding" and counts["funding"] / len(authored) >= 0.2  # about a third in real forms
    assert counts["no_cause"] >= 300  # next in real forms: no cause at all
    for code in counts.index:
        assert authored.loc[authored["label"] == code, "sector"].nunique() >= 15, code


def test_authored_texts_have_the_shapes_of_real_cells(authored):
    lengths = authored["text"].str.len()
    assert (lengths <= 15).mean() > 0.05 and (lengths > 160).mean() > 0.05 and lengths.max() <= 400
    splits = authored["text"].map(split_cause_measure)
    assert splits.map(lambda s: bool(s.measure)).mean() > 0.2
    assert splits.map(lambda s: bool(s.restatement)).mean() > 0.08  # restated shortfall, then a cause marker
    numbered = authored["text"].str.contains(r"一是|①|（1）|\(1\)|1[、.．]\D")
    assert numbered.mean() > 0.03
    assert (authored["secondary"] != "").mean() > 0.1
    bare = authored[authored["label"] == "no_cause"]["text"]
    assert {"无", "暂无"} & set(bare) and (bare.str.len() <= 6).sum() >= 10


def test_no_near_duplicates_in_the_whole_corpus(corpus):
    """No two texts have a character 1–3-gram TF-IDF cosine above 0.70 (how near-duplicates were removed)."""
    texts = corpus["text"].tolist()
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).fit_transform(texts)
    similarity = (vectors @ vectors.T).tocoo()
    off_diagonal = similarity.row < similarity.col
    worst = np.argmax(np.where(off_diagonal, similarity.data, 0))
    i, j, value = similarity.row[worst], similarity.col[worst], similarity.data[worst]
    assert value <= NEAR_DUPLICATE_COSINE, f"{texts[i]!r} ~ {texts[j]!r}: {value:.3f}"


def test_the_repository_corpus_is_found_in_data_and_notebooks(corpus):
    origins = set(corpus["origin"].str.split(",").str[0])
    assert any(o.endswith(".csv") for o in origins)
    assert "1.0-label-seed-forms.ipynb" in origins
    assert LABELLED_DIR.is_dir() and NOTEBOOKS_DIR.is_dir()


def _csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_unknown_code_is_an_error_naming_file_and_row(tmp_path):
    path = _csv(
        tmp_path / "bad.csv", [{"text": "系统故障", "label": "system"}, {"text": "资金未到位", "label": "money"}]
    )
    with pytest.raises(LabelDataError, match=r"bad\.csv, row 2: unknown code 'money'"):
        load_corpus([path])


def test_empty_text_is_an_error_naming_file_and_row(tmp_path):
    path = _csv(tmp_path / "empty.csv", [{"text": "  ", "label": "system"}])
    with pytest.raises(LabelDataError, match=r"empty\.csv, row 1: empty text"):
        load_corpus([path])


def test_same_text_with_two_labels_is_an_error_naming_both_places(tmp_path):
    a = _csv(tmp_path / "a.csv", [{"text": "设备老化故障频发", "label": "system"}])
    b = _csv(tmp_path / "b.csv", [{"text": "设备老化故障频发", "label": "external"}])
    with pytest.raises(LabelDataError, match=r"a\.csv, row 1 → system; b\.csv, row 1 → external"):
        load_corpus([a, b])


def _notebook(path: Path, cell) -> Path:
    cell.metadata["tags"] = ["labels"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 标注"), cell])
    nbformat.write(nb, str(path))
    return path


def test_markdown_table_in_a_labels_cell_is_read(tmp_path):
    table = "| text | label | secondary |\n|---|---|---|\n| 因政府采购流标，合同延期签订 | procurement | schedule |\n"
    path = _notebook(tmp_path / "md.ipynb", nbformat.v4.new_markdown_cell(table))
    frame = load_corpus([path])
    assert frame.iloc[0][["text", "label", "secondary"]].tolist() == [
        "因政府采购流标，合同延期签订",
        "procurement",
        "schedule",
    ]


def test_notebook_error_names_the_cell_and_row(tmp_path):
    raw = nbformat.v4.new_raw_cell("text,label\n系统卡顿,system\n人员离职,people\n")
    path = _notebook(tmp_path / "nb.ipynb", raw)
    with pytest.raises(LabelDataError, match=r"nb\.ipynb, cell 2, row 2: unknown code 'people'"):
        load_corpus([path])


def test_only_reviewed_rows_count_when_a_reviewed_column_exists(tmp_path):
    raw = nbformat.v4.new_raw_cell("text,label,reviewed\n系统卡顿严重,system,yes\n人员离职较多,staffing,\n")
    frame = load_corpus([_notebook(tmp_path / "review.ipynb", raw)])
    assert frame["text"].tolist() == ["系统卡顿严重"]


def test_override_files_win_over_the_base_corpus(tmp_path):
    base = _csv(tmp_path / "base.csv", [{"text": "个别故障未及时修复", "label": "no_cause"}])
    fix = _csv(tmp_path / "fix.csv", [{"text": "个别故障未及时修复", "label": "coordination"}])
    frame = load_corpus([base], overrides=[fix])
    assert frame["label"].tolist() == ["coordination"]


def test_unsupported_file_type_is_an_error(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(LabelDataError, match="unsupported labelled-data type '.txt'"):
        load_corpus([path])
