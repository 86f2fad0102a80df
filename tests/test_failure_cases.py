"""The failure classes of real texts (issue 10), on texts written for this test and kept out of the training data.

`fixtures/failure_cases.tsv` was written by a writer who never saw the training corpus: 35 texts for each way the
model used to fail on real forms — a restated shortfall before the cause, causes after markers and in numbered
lists, words that mean something else in context, and money, very short cells and bare measures. Each text has its
label by the labelling guide; the model must get each class right in at least the share asserted below.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.errors import TextError
from nlp.text import CONTENT

CASES_FILE = Path(__file__).parent / "fixtures" / "failure_cases.tsv"
NEAR_DUPLICATE_COSINE = 0.70
REQUIRED = {"restatement": 0.85, "marker_list": 0.85, "context_words": 0.85, "money_and_short": 0.85}
"""Share of each class's texts that must get their label (the model's first-ranked code)."""


def _cases() -> list[dict[str, str]]:
    with CASES_FILE.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


CASES = _cases()


def test_the_cases_are_kept_out_of_the_training_data(corpus):
    """No case is a training text or a near-duplicate of one (character 1–3-gram TF-IDF cosine above 0.70)."""
    texts = [c["text"] for c in CASES]
    vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).fit(corpus["text"].tolist() + texts)
    similarity = (vectoriser.transform(texts) @ vectoriser.transform(corpus["text"]).T).toarray()
    closest = similarity.max(axis=1)
    too_close = [
        (texts[i], corpus["text"].iloc[int(similarity[i].argmax())])
        for i in np.flatnonzero(closest > NEAR_DUPLICATE_COSINE)
    ]
    # very short cells (无, /, 已完成) are the same few characters wherever they are written
    assert [(a, b) for a, b in too_close if len(a) > 6] == []


def test_every_code_and_class_is_covered():
    assert {c["case"] for c in CASES} == set(REQUIRED)
    counts = {code: sum(c["label"] == code for c in CASES) for code in {c["label"] for c in CASES}}
    assert len(counts) == 14 and min(counts.values()) >= 5


def test_a_cell_of_punctuation_only_is_refused_not_guessed(model):
    bare = [c["text"] for c in CASES if not CONTENT.search(c["text"])]
    assert bare == ["/"]
    with pytest.raises(TextError, match="only whitespace/punctuation"):
        model.classify(bare[0])


@pytest.mark.parametrize("case", sorted(REQUIRED))
def test_failure_class_gets_the_labelled_cause(model, case):
    rows = [c for c in CASES if c["case"] == case and CONTENT.search(c["text"])]
    predictions = model.classify_batch([c["text"] for c in rows], evidence=0)
    wrong = [
        (c["text"][:50], c["label"], p.ranking[0].label)
        for c, p in zip(rows, predictions)
        if p.ranking[0].label != c["label"]
    ]
    right = 1 - len(wrong) / len(rows)
    assert right >= REQUIRED[case], f"{case}: {right:.0%} right; wrong (text, label, predicted): {wrong}"


def test_restated_shortfall_with_no_cause_is_no_cause_and_with_a_cause_is_that_cause(model):
    rows = [c for c in CASES if c["case"] == "restatement" and CONTENT.search(c["text"])]
    predictions = {c["text"]: p.ranking[0].label for c, p in zip(rows, model.classify_batch([c["text"] for c in rows]))}
    no_cause = [t for t in predictions if next(c for c in rows if c["text"] == t)["label"] == "no_cause"]
    assert len(no_cause) >= 5
    assert sum(predictions[t] == "no_cause" for t in no_cause) >= len(no_cause) - 1
    with_cause = [c for c in rows if c["label"] != "no_cause"]
    assert sum(predictions[c["text"]] == "no_cause" for c in with_cause) <= 1
