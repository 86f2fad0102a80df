"""Training: held-out-department evaluation, calibration and threshold, model selection and the promotion gate."""

from __future__ import annotations

import hashlib
import logging
import platform
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import GroupKFold, StratifiedKFold

from nlp.classify import registry
from nlp.classify.card import ModelCard
from nlp.classify.inference import DEFAULT_MARGIN, CauseModel
from nlp.classify.pipeline import build_pipeline, compile_pipeline
from nlp.errors import LabelDataError, ModelError
from nlp.training.report import render_report

log = logging.getLogger(__name__)

FOLDS = 5
SEED = 20231
GATE_TOLERANCE = 0.01
REAL_TOLERANCE = 0.03
COVERAGE_THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9)
TARGET_ACCURACY = 0.90
"""The abstain threshold is the lowest at which held-out-department accuracy on the answered texts reaches this."""


def data_hash(corpus: pd.DataFrame) -> str:
    """A hash of the (text, label) pairs, independent of row order."""
    digest = hashlib.sha256()
    for text, label in sorted(zip(corpus["text"], corpus["label"])):
        digest.update(f"{text}\t{label}\n".encode())
    return digest.hexdigest()


def fixed_folds(labels: pd.Series) -> StratifiedKFold:
    """The fixed stratified folds every model is compared on."""
    smallest = int(labels.value_counts().min())
    if smallest < 2:
        rare = labels.value_counts()
        raise LabelDataError(
            f"codes with fewer than 2 examples cannot be cross-validated: {', '.join(rare[rare < 2].index)} / 样本过少"
        )
    return StratifiedKFold(n_splits=min(FOLDS, smallest), shuffle=True, random_state=SEED)


def out_of_fold_probabilities(
    kind: str, texts: list[str], labels: np.ndarray, splits: Iterable[tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, list[str]]:
    """Probabilities for every text from a model that never saw it: one fit per (train, test) split.

    A code missing from a split's training part gets probability 0 there."""
    classes = sorted(set(labels))
    probabilities = np.zeros((len(texts), len(classes)))
    index = {c: i for i, c in enumerate(classes)}
    for train_idx, test_idx in splits:
        pipeline = build_pipeline(kind).fit([texts[i] for i in train_idx], labels[train_idx])
        cols = [index[c] for c in pipeline.classes_]
        probabilities[np.ix_(test_idx, cols)] = pipeline.predict_proba([texts[i] for i in test_idx])
    return probabilities, classes


def score(y_true: np.ndarray, probabilities: np.ndarray, classes: list[str]) -> dict[str, Any]:
    """Macro-F1 (over the codes that occur), accuracy, per-code table, confusion matrix, accuracy vs coverage."""
    y_pred = np.array(classes)[probabilities.argmax(axis=1)]
    confidence = probabilities.max(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    # Macro-F1 over the codes that occur in the truth or the predictions (scikit-learn's default): a code absent
    # from a department's texts and never predicted there is no error, and must not count as an F1 of 0.
    present = [c for c in classes if c in set(y_true) | set(y_pred)]
    coverage = []
    for t in COVERAGE_THRESHOLDS:
        kept = confidence >= t
        coverage.append(
            {
                "threshold": t,
                "coverage": round(float(kept.mean()), 4),
                "accuracy": round(float((y_pred[kept] == y_true[kept]).mean()), 4) if kept.any() else None,
            }
        )
    return {
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "per_code": {
            c: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for c, p, r, f, s in zip(classes, precision, recall, f1, support)
        },
        "labels": classes,
        "confusion": confusion_matrix(y_true, y_pred, labels=classes).tolist(),
        "coverage": coverage,
    }


REAL_GROUP_MIN = 10
"""A real department (non-authored source file) with at least this many texts is held out as a fold of its own."""
AUTHORED_FOLDS = 4
"""The authored files (one writer and group of sectors each) are held out in this many groups of files."""
MIN_COVERAGE = 0.80
"""The abstain threshold never answers fewer than this share of the held-out texts."""


def is_real(corpus: pd.DataFrame) -> pd.Series:
    """Rows that are real texts of a department's forms (the seed, stored corrections), not authored ones."""
    return corpus["source"].fillna("") != "authored"


def transfer_groups(corpus: pd.DataFrame) -> pd.Series:
    """The department a text stands for: its source file (each authored file is one writer's group of sectors)."""
    files = corpus["origin"].fillna("").str.split(",").str[0]
    return corpus["source"].fillna("") + ":" + files


def transfer_folds(corpus: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds that hold whole departments out: each real department alone, the authored files in groups.

    Every text is predicted by a model that never saw its department (its file), so the scores are those
    of a user whose department the model has never seen.
    """
    groups = transfer_groups(corpus).to_numpy()
    real = is_real(corpus).to_numpy()
    folds: list[tuple[np.ndarray, np.ndarray]] = []
    everything = np.arange(len(corpus))
    held = np.zeros(len(corpus), dtype=bool)
    for group in sorted(set(groups[real])):
        members = groups == group
        if members.sum() >= REAL_GROUP_MIN:
            folds.append((everything[~members], everything[members]))
            held |= members
    rest = everything[~held]
    rest_groups = groups[rest]
    n_groups = len(set(rest_groups))
    if n_groups >= 2:
        for _, test_part in GroupKFold(n_splits=min(AUTHORED_FOLDS, n_groups)).split(rest, groups=rest_groups):
            test_idx = rest[test_part]
            folds.append((np.setdiff1d(everything, test_idx), test_idx))
    else:  # one file only: stratified folds are all there is
        for _, test_idx in fixed_folds(corpus["label"].iloc[rest]).split(rest, corpus["label"].iloc[rest]):
            folds.append((np.setdiff1d(everything, rest[test_idx]), rest[test_idx]))
    return folds


def transfer_probabilities(
    kind: str, corpus: pd.DataFrame, folds: list[tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, list[str]]:
    """Uncalibrated probabilities of every text from a model trained without its department."""
    return out_of_fold_probabilities(kind, corpus["text"].tolist(), corpus["label"].to_numpy(), folds)


def with_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax(log p / T): the probabilities a softmax model gives once its scores are divided by T."""
    logits = np.log(np.clip(probabilities, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(probabilities: np.ndarray, y_true: np.ndarray, classes: list[str]) -> float:
    """The temperature that minimises the negative log-likelihood of held-out predictions."""
    from scipy.optimize import minimize_scalar

    target = np.searchsorted(classes, y_true)

    def nll(log_t: float) -> float:
        p = with_temperature(probabilities, float(np.exp(log_t)))
        return float(-np.log(np.clip(p[np.arange(len(target)), target], 1e-12, 1.0)).mean())

    best = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return round(float(np.exp(best.x)), 4)


def expected_calibration_error(
    probabilities: np.ndarray, y_true: np.ndarray, classes: list[str], bins: int = 10
) -> float:
    """ECE: the answered share-weighted gap between confidence and accuracy, over equal-width confidence bins."""
    confidence = probabilities.max(axis=1)
    correct = np.array(classes)[probabilities.argmax(axis=1)] == y_true
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            gap += in_bin.mean() * abs(confidence[in_bin].mean() - correct[in_bin].mean())
    return round(float(gap), 4)


def cross_fitted_calibration(
    probabilities: np.ndarray, y_true: np.ndarray, classes: list[str], folds: list[tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    """Each fold's predictions scaled by a temperature fitted on the other folds' (an honest ECE)."""
    out = np.empty_like(probabilities)
    for _, test_idx in folds:
        others = np.setdiff1d(np.arange(len(y_true)), test_idx)
        t = fit_temperature(probabilities[others], y_true[others], classes)
        out[test_idx] = with_temperature(probabilities[test_idx], t)
    return out


def choose_threshold(
    coverage: list[dict[str, Any]], target: float = TARGET_ACCURACY, min_coverage: float = MIN_COVERAGE
) -> float:
    """The lowest threshold at which answered held-out texts are `target` accurate, answering ≥ `min_coverage`;
    when none reaches the target, the one (answering ≥ `min_coverage`) whose answers are most often right."""
    allowed = [row for row in coverage if row["coverage"] >= min_coverage and row["accuracy"] is not None]
    for row in allowed:
        if row["accuracy"] >= target:
            return float(row["threshold"])
    if not allowed:
        return 0.0
    best = max(row["accuracy"] for row in allowed)
    return float(next(row["threshold"] for row in allowed if row["accuracy"] == best))


@dataclass
class TransferEvaluation:
    """Held-out-department predictions of one classifier kind and what they say."""

    kind: str
    temperature: float | None
    metrics: dict[str, Any]
    """`all` (every held-out text), `real` (real departments' texts), `calibration`."""


def evaluate_transfer(corpus: pd.DataFrame, kind: str = "logreg") -> TransferEvaluation:
    """Train without each department in turn, score on its texts, calibrate and choose the threshold on them."""
    folds = transfer_folds(corpus)
    labels = corpus["label"].to_numpy()
    raw, classes = transfer_probabilities(kind, corpus, folds)
    softmax = kind == "logreg"  # the temperature is folded into its coefficients (apply_temperature)
    temperature = fit_temperature(raw, labels, classes) if softmax else None
    calibrated = with_temperature(raw, temperature) if temperature else raw
    honest = cross_fitted_calibration(raw, labels, classes, folds) if softmax else raw
    real = is_real(corpus).to_numpy()
    groups = transfer_groups(corpus)
    metrics: dict[str, Any] = {
        "all": score(labels, calibrated, classes) | {"n": int(len(corpus)), "departments": int(groups.nunique())},
        "real": None,
        "calibration": {
            "temperature": temperature,
            "ece_uncalibrated": expected_calibration_error(raw, labels, classes),
            "ece_calibrated": expected_calibration_error(honest, labels, classes),
            "ece_rule": "10 equal-width bins; temperature fitted on the other folds' held-out predictions",
        },
    }
    if real.any():
        metrics["real"] = score(labels[real], calibrated[real], classes) | {
            "n": int(real.sum()),
            "departments": sorted(groups[real].unique().tolist()),
        }
    return TransferEvaluation(kind, temperature, metrics)


REAL_FOR_THRESHOLD = 30
"""With at least this many real held-out texts the threshold is chosen on them rather than on every held-out text."""


def threshold_basis(transfer: dict[str, Any]) -> dict[str, Any]:
    """The held-out figures the abstain threshold is chosen on: the real texts when there are enough of them."""
    real = transfer.get("real")
    return real if real and real["n"] >= REAL_FOR_THRESHOLD else transfer["all"]


def shipped_threshold(transfer: dict[str, Any]) -> float:
    """The abstain threshold a version ships with, chosen on its held-out-department evaluation."""
    return choose_threshold(threshold_basis(transfer)["coverage"])


def at_threshold(metrics: dict[str, Any], threshold: float) -> dict[str, Any]:
    """Coverage and answered accuracy of a score() result at one threshold (from its coverage rows)."""
    rows = [r for r in metrics["coverage"] if r["threshold"] <= threshold]
    return rows[-1] if rows else metrics["coverage"][0]


def library_versions() -> dict[str, str]:
    """Versions of the libraries a saved model depends on."""
    import jieba
    import joblib

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "jieba": jieba.__version__,
        "joblib": joblib.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


@dataclass
class TrainResult:
    """What one training run produced and whether it became current."""

    version: str
    path: Path
    promoted: bool
    reason: str
    metadata: dict[str, Any]

    @property
    def card(self) -> ModelCard:
        """The version's model card, typed."""
        return ModelCard.model_validate(self.metadata)


def gate(new_f1: float, root: Path | None, force: bool, new_real_f1: float | None = None) -> tuple[bool, str]:
    """The promotion rule, on held-out-department macro-F1: not more than 0.01 below the current model's over
    all held-out texts, nor more than REAL_TOLERANCE below it on the real departments' texts, unless forced."""
    current = registry.current_version(root)
    if current is None:
        return True, "no current model"
    try:
        old = registry.read_card(current, root)
    except ModelError:
        return True, f"current model {current} has no readable metadata"
    old_f1, old_real = old.transfer_f1(), old.transfer_f1("real")
    if old_f1 is None:
        return True, f"current model {current} has no held-out-department figures to compare with"
    failures = []
    if new_f1 < old_f1 - GATE_TOLERANCE:
        failures.append(
            f"macro-F1 on held-out departments {new_f1:.4f} is more than {GATE_TOLERANCE} below {old_f1:.4f}"
        )
    if new_real_f1 is not None and old_real is not None and new_real_f1 < old_real - REAL_TOLERANCE:
        failures.append(f"macro-F1 on real texts {new_real_f1:.4f} is more than {REAL_TOLERANCE} below {old_real:.4f}")
    compared = f"held-out departments macro-F1 {new_f1:.4f} vs current {old_f1:.4f} ({current})"
    if not failures:
        return True, compared
    if force:
        return True, f"forced: {'; '.join(failures)} ({current})"
    return False, f"not promoted: {'; '.join(failures)} ({current}); use --force to promote anyway"


def apply_temperature(pipeline: Any, temperature: float | None) -> None:
    """Fold a calibration temperature into a fitted logistic regression: its scores divided by T."""
    if not temperature:
        return
    classifier = pipeline.named_steps["classify"]
    classifier.coef_ = classifier.coef_ / temperature
    classifier.intercept_ = classifier.intercept_ / temperature


HEADLINE_ZH = "训练集不含该部门，在其真实文本上评分"


def headline(metrics: dict[str, Any], threshold: float) -> dict[str, Any]:
    """The figure users are shown: real texts of a department the model never saw, at the shipped threshold."""
    part = "real" if metrics.get("real") else "all"
    figures = metrics[part]
    answered = at_threshold(figures, threshold)
    return {
        "evaluation": f"transfer.{part}",
        "what": (
            "trained without the department, scored on its real texts"
            if part == "real"
            else "trained without each authored group of sectors, scored on it (no real texts in the corpus)"
        ),
        "what_zh": HEADLINE_ZH if part == "real" else "训练集不含该组行业，在其编写文本上评分（无真实文本）",
        "n": figures["n"],
        "macro_f1": figures["macro_f1"],
        "accuracy": figures["accuracy"],
        "threshold": threshold,
        "answered": answered["coverage"],
        "answered_accuracy": answered["accuracy"],
    }


def train(
    corpus: pd.DataFrame,
    root: Path | None = None,
    force: bool = False,
    candidates: tuple[str, ...] = ("logreg",),
    sources: list[str] | None = None,
    threshold: float | None = None,
) -> TrainResult:
    """Evaluate on held-out departments, calibrate, fit on all data, save a version, promote it if it passes the gate.

    With several candidates the one with the best held-out-department macro-F1 is kept.
    """
    evaluations = {kind: evaluate_transfer(corpus, kind) for kind in candidates}
    for kind, e in evaluations.items():
        log.info("%s: macro-F1 on held-out departments %.4f", kind, e.metrics["all"]["macro_f1"])
    best = max(evaluations.values(), key=lambda e: e.metrics["all"]["macro_f1"])
    kind, transfer = best.kind, best.metrics
    if threshold is None:
        threshold = shipped_threshold(transfer)
    pipeline = build_pipeline(kind).fit(corpus["text"].tolist(), corpus["label"])
    apply_temperature(pipeline, best.temperature)
    digest = data_hash(corpus)
    now = datetime.now(timezone.utc)
    version = f"{now:%Y%m%d-%H%M%S}-{digest[:6]}"
    metadata: dict[str, Any] = {
        "version": version,
        "created_at": now.isoformat(timespec="seconds"),
        "classifier": kind,
        "candidates_transfer_macro_f1": {k: e.metrics["all"]["macro_f1"] for k, e in evaluations.items()},
        "data_hash": digest,
        "n_examples": len(corpus),
        "n_real": int(is_real(corpus).sum()),
        "label_counts": {k: int(v) for k, v in corpus["label"].value_counts().sort_index().items()},
        "sources": sources or sorted(set(corpus["origin"].str.split(",").str[0])),
        "label_set": list(pipeline.classes_),
        "temperature": best.temperature,
        "abstain_threshold": threshold,
        "abstain_threshold_rule": (
            f"lowest with accuracy ≥ {TARGET_ACCURACY} on the answered "
            f"{'real ' if threshold_basis(transfer) is transfer.get('real') else ''}held-out-department texts, "
            f"answering at least {MIN_COVERAGE:.0%} of them (else the most accurate that answers that many)"
        ),
        "abstain_margin": DEFAULT_MARGIN,
        "headline": headline(transfer, threshold),
        "metrics": {"transfer": transfer},
        "libraries": library_versions(),
    }
    compiled = compile_pipeline(pipeline)
    model = CauseModel(compiled, version=version, threshold=threshold, metadata=metadata, pipeline=pipeline)
    real_f1 = transfer["real"]["macro_f1"] if transfer.get("real") else None
    promoted, reason = gate(transfer["all"]["macro_f1"], root, force, real_f1)
    metadata["promoted"], metadata["promotion_reason"] = promoted, reason
    path = registry.save_version(model, metadata, render_report(metadata), root)
    if promoted:
        registry.activate(version, root)
    return TrainResult(version, path, promoted, reason, metadata)
