"""The learning curve: stratified nested fractions, macro-F1 per fraction from the CLI, the section of the model card."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import cross_val_score

from nlp.classify import registry
from nlp.classify.pipeline import build_pipeline
from nlp.training.corpus import load_corpus
from nlp.training.learning_curve import FRACTIONS, SECTION, attach_to_version, stratified_subsets, verdict
from nlp.training.selection import data_hash, fixed_folds

CURVE = [
    {"fraction": 0.5, "n_train": 10, "macro_f1": 0.5, "std": 0.1},
    {"fraction": 1.0, "n_train": 20, "macro_f1": 0.7, "std": 0.05},
]


def test_subsets_are_nested_stratified_and_keep_every_code() -> None:
    labels = np.array(["a"] * 50 + ["b"] * 20 + ["c"] * 2)
    subsets = stratified_subsets(labels, FRACTIONS, seed=1)
    for small, large in zip(subsets, subsets[1:]):
        assert set(small) <= set(large)
    assert [len(s) for s in subsets] == [15, 29, 43, 58, 72]  # a 50, b 20, c 2: at least one c each time
    assert all(set(labels[s]) == {"a", "b", "c"} for s in subsets)
    assert list(subsets[-1]) == list(range(72))


def test_evaluate_learning_curve_prints_macro_f1_per_fraction(piancha, tmp_path: Path) -> None:
    small = load_corpus().groupby("label", sort=False).head(6)
    small = small[small["label"].isin(["system", "funding", "staffing", "policy"])]
    path = tmp_path / "small.csv"
    small[["text", "label"]].to_csv(path, index=False)
    result = piancha("evaluate", "--learning-curve", "--input", path, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    curve = report["curve"]
    assert [r["fraction"] for r in curve] == list(FRACTIONS)
    sizes = [r["n_train"] for r in curve]
    assert sizes == sorted(sizes) and sizes[-1] < len(small) and report["n_examples"] == len(small)
    assert report["classifier"] == "logreg" and report["verdict"] == verdict(curve)
    # At fraction 1.0 each fold trains on its whole training part: plain cross-validation on the fixed folds.
    labels = small["label"].reset_index(drop=True)
    full = cross_val_score(
        build_pipeline("logreg"), small["text"].tolist(), labels, cv=fixed_folds(labels), scoring="f1_macro"
    )
    assert curve[-1]["macro_f1"] == round(float(np.mean(full)), 4)
    table = piancha("evaluate", "--learning-curve", "--input", tmp_path / "missing.csv")
    assert table.exit_code == 2 and "missing.csv: no such file" in table.output


def test_evaluate_still_needs_input_without_the_learning_curve(piancha) -> None:
    result = piancha("evaluate")
    assert result.exit_code == 2 and "--input" in result.output


def test_the_curve_joins_the_card_of_the_version_trained_on_the_same_data(tmp_path: Path) -> None:
    corpus = pd.DataFrame({"text": ["系统宕机", "资金未到位"], "label": ["system", "funding"]})
    version = tmp_path / "v1"
    version.mkdir()
    meta = {"version": "v1", "data_hash": data_hash(corpus), "classifier": "logreg"}
    (version / registry.METADATA_FILE).write_text(json.dumps(meta), encoding="utf-8")
    (version / registry.REPORT_FILE).write_text("# Model v1\n\n## Per code\n\nrows\n", encoding="utf-8")

    assert attach_to_version(CURVE, corpus, "svc", root=tmp_path, version="v1") is None
    other = corpus.assign(label=["system", "policy"])
    assert attach_to_version(CURVE, other, "logreg", root=tmp_path, version="v1") is None
    for _ in range(2):  # a second run replaces the section
        report = attach_to_version(CURVE, corpus, "logreg", root=tmp_path, version="v1")
    text = report.read_text(encoding="utf-8")
    assert text.count(SECTION) == 1 and "## Per code" in text and "| 1.0 | 20 | 0.7000 |" in text
    assert json.loads((version / "learning_curve.json").read_text()) == CURVE
