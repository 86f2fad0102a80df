"""The learning curve: macro-F1 when training on growing fractions of the data, to see whether more labels help.

curve = learning_curve(load_corpus())     # 5 folds × 5 fractions = 25 model fits
print(render_learning_curve(curve))       # the Markdown section of the model card
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from nlp.classify import registry
from nlp.classify.pipeline import build_pipeline
from nlp.errors import PianchaError
from nlp.training.selection import SEED, data_hash, fixed_folds

log = logging.getLogger(__name__)

FRACTIONS = (0.2, 0.4, 0.6, 0.8, 1.0)
CURVE_FILE = "learning_curve.json"
SECTION = "## Learning curve"


def stratified_subsets(labels: np.ndarray, fractions: Sequence[float], seed: int) -> list[np.ndarray]:
    """Nested index sets, one per fraction: that share of every code's examples (at least one each)."""
    rng = np.random.default_rng(seed)
    shuffled = {c: rng.permutation(np.flatnonzero(labels == c)) for c in sorted(set(labels))}
    subsets = []
    for fraction in fractions:
        if not 0 < fraction <= 1:
            raise PianchaError(f"learning-curve fraction {fraction} is not in (0, 1] / 比例须在0到1之间")
        chosen = [idx[: max(1, int(round(fraction * len(idx))))] for idx in shuffled.values()]
        subsets.append(np.sort(np.concatenate(chosen)))
    return subsets


def learning_curve(
    corpus: pd.DataFrame,
    kind: str = "logreg",
    fractions: Sequence[float] = FRACTIONS,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Per fraction of each fixed fold's training part (stratified, nested): macro-F1 on the fold's test part.

    Returns one row per fraction: fraction, mean training size, mean and standard deviation of macro-F1 over folds.
    """
    texts, labels = corpus["text"].to_numpy(dtype=object), corpus["label"].to_numpy()
    folds = list(fixed_folds(corpus["label"]).split(texts, labels))
    scores = np.zeros((len(fractions), len(folds)))
    sizes = np.zeros((len(fractions), len(folds)))
    done, total = 0, len(fractions) * len(folds)
    for f, (train_idx, test_idx) in enumerate(folds):
        for k, subset in enumerate(stratified_subsets(labels[train_idx], fractions, SEED + f)):
            chosen = train_idx[subset]
            pipeline = build_pipeline(kind).fit(list(texts[chosen]), labels[chosen])
            predicted = pipeline.predict(list(texts[test_idx]))
            scores[k, f] = f1_score(labels[test_idx], predicted, average="macro", zero_division=0)
            sizes[k, f] = len(chosen)
            done += 1
            if progress:
                progress(done, total)
        log.info("learning curve: fold %d of %d done", f + 1, len(folds))
    return [
        {
            "fraction": float(fraction),
            "n_train": int(round(sizes[k].mean())),
            "macro_f1": round(float(scores[k].mean()), 4),
            "std": round(float(scores[k].std()), 4),
        }
        for k, fraction in enumerate(fractions)
    ]


def verdict(curve: list[dict[str, Any]]) -> str:
    """One sentence on whether more labels would likely help, from the last step of the curve."""
    if len(curve) < 2:
        return "one point only: no trend / 只有一个点"
    last, before = curve[-1], curve[-2]
    gain = last["macro_f1"] - before["macro_f1"]
    if gain > max(0.01, last["std"] / 2):
        return f"still rising (+{gain:.3f} in the last step): more labels are likely to help / 增加标注仍有提升"
    return f"flattening ({gain:+.3f} in the last step): more of the same labels help little / 趋于平稳"


def render_learning_curve(curve: list[dict[str, Any]], kind: str | None = None) -> str:
    """The learning curve as a Markdown section of a model card."""
    lines = [
        SECTION,
        "",
        f"Macro-F1 on each fixed fold's test part when training{f' `{kind}`' if kind else ''} on a stratified "
        "fraction of the fold's training part (mean ± standard deviation over folds).",
        "",
        "| fraction | training examples | macro-F1 | ± |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['fraction']:.1f} | {r['n_train']} | {r['macro_f1']:.4f} | {r['std']:.4f} |" for r in curve]
    return "\n".join([*lines, "", verdict(curve)]) + "\n"


def attach_to_version(
    curve: list[dict[str, Any]], corpus: pd.DataFrame, kind: str, root: Path | None = None, version: str | None = None
) -> Path | None:
    """Add the curve to a model version's card (report.md) and folder when it was trained on the same data and
    classifier; return the report's path, or None when the curve does not describe that version."""
    version = version or registry.current_version(root)
    if version is None:
        return None
    meta = registry.read_metadata(version, root)
    if meta.get("data_hash") != data_hash(corpus) or meta.get("classifier") != kind:
        return None
    folder = (root or registry.MODELS_DIR) / version
    (folder / CURVE_FILE).write_text(json.dumps(curve, indent=2), encoding="utf-8")
    report = folder / registry.REPORT_FILE
    text = report.read_text(encoding="utf-8") if report.is_file() else ""
    text = re.sub(rf"\n{re.escape(SECTION)}\n.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip("\n")
    report.write_text(f"{text}\n\n{render_learning_curve(curve, kind)}", encoding="utf-8")
    return report
