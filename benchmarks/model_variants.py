"""Which pipeline settings transfer to real texts? Each variant trained without the seed department, scored on it.

Run: python benchmarks/model_variants.py [VARIANT …]   (default: all; each fit takes about a minute)
Variants: base (the shipped settings), C5, C60 (regularisation), nobal (no class weights), char24 (character
2–4-grams), words (word view only), chars (character view only), first_cause (the first listed cause, or the one
marked 主要/最主要, repeated in what the model reads). Prints seed-transfer macro-F1 and accuracy (48 real texts),
and accuracy on the 139 failure cases of tests/fixtures/failure_cases.tsv (authored, kept out of the corpus).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.classify.pipeline import TextNormaliser, build_pipeline  # noqa: E402
from nlp.text import CONTENT, model_text  # noqa: E402
from nlp.training import load_corpus  # noqa: E402

FIRST = re.compile(r"一是|①|[（(]1[)）]|(?<![\d.])1[、.．](?!\d)|首先|一方面")
NEXT = re.compile(r"二是|②|[（(]2[)）]|(?<![\d.])2[、.．](?!\d)|其次|另一方面|此外|同时|加之|另外")
MAIN = re.compile(r"(?:最主要|主要原因|根本原因)[^。；]*")


class FirstCauseNormaliser(TextNormaliser):
    """The cause part, then the primary cause once more (the clause marked main, else the first listed one)."""

    def transform(self, texts):  # noqa: ANN001, ANN201
        out = []
        for text in texts:
            cause = model_text(text)
            main = MAIN.search(cause)
            first = FIRST.search(cause)
            if main is not None and main.start() > 0:
                cause += " " + main.group()
            elif first is not None:
                rest = cause[first.end() :]
                cut = NEXT.search(rest)
                cause += " " + (rest[: cut.start()] if cut else rest)
            out.append(cause)
        return out


def variant(name: str):  # noqa: ANN201
    pipeline = build_pipeline()
    settings = {
        "base": {},
        "C5": {"classify__C": 5.0},
        "C60": {"classify__C": 60.0},
        "nobal": {"classify__class_weight": None},
        "char24": {"features__chars__ngram_range": (2, 4)},
        "words": {"features__chars": "drop"},
        "chars": {"features__words": "drop"},
        "first_cause": {},
    }[name]
    pipeline.set_params(**settings)
    if name == "first_cause":
        pipeline.steps[0] = ("normalise", FirstCauseNormaliser())
    return pipeline


def main() -> None:
    names = sys.argv[1:] or ["base", "C5", "C60", "nobal", "char24", "words", "chars", "first_cause"]
    corpus = load_corpus()
    seed = (corpus["source"] == "seed").to_numpy()
    train, held = corpus[~seed], corpus[seed]
    cases = pd.read_csv(Path(__file__).resolve().parents[1] / "tests/fixtures/failure_cases.tsv", sep="\t")
    cases = cases[cases["text"].map(lambda t: bool(CONTENT.search(t)))]
    for name in names:
        started = time.perf_counter()
        pipeline = variant(name).fit(train["text"].tolist(), train["label"].to_numpy())
        predicted = pipeline.predict(held["text"].tolist())
        truth = held["label"].to_numpy()
        codes = sorted(set(truth) | set(predicted))
        f1 = f1_score(truth, predicted, labels=codes, average="macro", zero_division=0)
        on_cases = accuracy_score(cases["label"], pipeline.predict(cases["text"].tolist()))
        print(
            f"{name:12s} seed transfer macro-F1 {f1:.3f}, accuracy {accuracy_score(truth, predicted):.3f} "
            f"({int(np.sum(truth == predicted))}/{len(truth)}); failure cases {on_cases:.3f}  "
            f"[{time.perf_counter() - started:.0f} s]",
            flush=True,
        )


if __name__ == "__main__":
    main()
