"""Training, model selection by cross-validation, evaluation and the promotion gate."""

from __future__ import annotations

import hashlib
import logging
import platform
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
from sklearn.model_selection import GroupKFold, StratifiedKFold, train_test_split

from nlp import registry
from nlp.errors import LabelDataError, ModelError
from nlp.inference import DEFAULT_MARGIN, DEFAULT_THRESHOLD, CauseModel
from nlp.model import CANDIDATES, build_pipeline, compile_pipeline
from nlp.taxonomy import load_taxonomy

log = logging.getLogger(__name__)

FOLDS = 5
SEED = 20231
GATE_TOLERANCE = 0.01
COVERAGE_THRESHOLDS = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8)
TARGET_ACCURACY = 0.90
"""The abstain threshold is the lowest one at which cross-validated accuracy on the answered texts reaches this."""


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
    kind: str, texts: list[str], labels: np.ndarray, folds: StratifiedKFold
) -> tuple[np.ndarray, list[str]]:
    """Probabilities for every text from a model that never saw it (fixed folds)."""
    classes = sorted(set(labels))
    probabilities = np.zeros((len(texts), len(classes)))
    index = {c: i for i, c in enumerate(classes)}
    for train_idx, test_idx in folds.split(texts, labels):
        pipeline = build_pipeline(kind).fit([texts[i] for i in train_idx], labels[train_idx])
        cols = [index[c] for c in pipeline.classes_]
        probabilities[np.ix_(test_idx, cols)] = pipeline.predict_proba([texts[i] for i in test_idx])
    return probabilities, classes


def score(y_true: np.ndarray, probabilities: np.ndarray, classes: list[str]) -> dict[str, Any]:
    """Macro-F1, accuracy, per-code table, confusion matrix, accuracy vs coverage."""
    y_pred = np.array(classes)[probabilities.argmax(axis=1)]
    confidence = probabilities.max(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
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
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=classes, average="macro", zero_division=0)), 4),
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


def select_model(
    corpus: pd.DataFrame, candidates: tuple[str, ...] = CANDIDATES
) -> tuple[str, dict[str, float], dict[str, Any]]:
    """Cross-validate each candidate on the fixed folds; return the best, all scores, its metrics."""
    texts, labels = corpus["text"].tolist(), corpus["label"].to_numpy()
    folds = fixed_folds(corpus["label"])
    scores, best = {}, None
    for kind in candidates:
        probabilities, classes = out_of_fold_probabilities(kind, texts, labels, folds)
        metrics = score(labels, probabilities, classes)
        scores[kind] = metrics["macro_f1"]
        log.info("%s: cross-validated macro-F1 %.4f", kind, metrics["macro_f1"])
        if best is None or metrics["macro_f1"] > best[1]["macro_f1"]:
            best = (kind, metrics)
    assert best is not None
    return best[0], scores, best[1]


def held_out_metrics(corpus: pd.DataFrame, kind: str, fraction: float = 0.2) -> dict[str, Any]:
    """Train on (1 − fraction) and score on texts never seen in training."""
    train, test = train_test_split(corpus, test_size=fraction, stratify=corpus["label"], random_state=SEED)
    pipeline = build_pipeline(kind).fit(train["text"].tolist(), train["label"])
    return score(test["label"].to_numpy(), pipeline.predict_proba(test["text"].tolist()), list(pipeline.classes_))


def unseen_sector_metrics(corpus: pd.DataFrame, kind: str, groups: int = 5) -> dict[str, Any] | None:
    """Cross-validation where each fold's test sectors are never seen in training (GroupKFold by sector)."""
    known = corpus[corpus["sector"].astype(bool)]
    if known["sector"].nunique() < groups:
        return None
    texts, labels = known["text"].tolist(), known["label"].to_numpy()
    classes = sorted(set(labels))
    probabilities = np.zeros((len(known), len(classes)))
    index = {c: i for i, c in enumerate(classes)}
    for train_idx, test_idx in GroupKFold(n_splits=groups).split(texts, labels, known["sector"]):
        pipeline = build_pipeline(kind).fit([texts[i] for i in train_idx], labels[train_idx])
        cols = [index[c] for c in pipeline.classes_]
        probabilities[np.ix_(test_idx, cols)] = pipeline.predict_proba([texts[i] for i in test_idx])
    metrics = score(labels, probabilities, classes)
    metrics["n"], metrics["sectors"] = int(len(known)), int(known["sector"].nunique())
    return metrics


def transfer_metrics(corpus: pd.DataFrame, kind: str) -> dict[str, Any] | None:
    """Train on everything but the seed forms' texts, score on the seed (an unseen department)."""
    seed = corpus["source"] == "seed"
    if seed.sum() == 0 or (~seed).sum() == 0:
        return None
    pipeline = build_pipeline(kind).fit(corpus.loc[~seed, "text"].tolist(), corpus.loc[~seed, "label"])
    test = corpus[seed]
    metrics = score(test["label"].to_numpy(), pipeline.predict_proba(test["text"].tolist()), list(pipeline.classes_))
    metrics["n"] = int(seed.sum())
    return metrics


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


def choose_threshold(coverage: list[dict[str, Any]], target: float = TARGET_ACCURACY) -> float:
    """The lowest threshold whose answered texts are at least `target` accurate (cross-validated)."""
    for row in coverage:
        if row["accuracy"] is not None and row["accuracy"] >= target:
            return float(row["threshold"])
    return DEFAULT_THRESHOLD


@dataclass
class TrainResult:
    """What one training run produced and whether it became current."""

    version: str
    path: Path
    promoted: bool
    reason: str
    metadata: dict[str, Any]


def gate(new_f1: float, root: Path | None, force: bool) -> tuple[bool, str]:
    """The promotion rule: not more than 0.01 macro-F1 below the current model, unless forced."""
    current = registry.current_version(root)
    if current is None:
        return True, "no current model"
    try:
        old_f1 = registry.read_metadata(current, root)["metrics"]["cv"]["macro_f1"]
    except (ModelError, KeyError):
        return True, f"current model {current} has no comparable metrics"
    if new_f1 >= old_f1 - GATE_TOLERANCE:
        return True, f"cross-validated macro-F1 {new_f1:.4f} vs current {old_f1:.4f} ({current})"
    if force:
        return True, f"forced: macro-F1 {new_f1:.4f} is below current {old_f1:.4f} ({current})"
    return False, (
        f"not promoted: macro-F1 {new_f1:.4f} is more than {GATE_TOLERANCE} below current "
        f"{old_f1:.4f} ({current}); use --force to promote anyway"
    )


def train(
    corpus: pd.DataFrame,
    root: Path | None = None,
    force: bool = False,
    candidates: tuple[str, ...] = CANDIDATES,
    sources: list[str] | None = None,
    threshold: float | None = None,
) -> TrainResult:
    """Select, evaluate, fit on all data, save a version and promote it if it passes the gate."""
    kind, candidate_scores, cv = select_model(corpus, candidates)
    if threshold is None:
        threshold = choose_threshold(cv["coverage"])
    held_out = held_out_metrics(corpus, kind)
    transfer = transfer_metrics(corpus, kind)
    unseen_sectors = unseen_sector_metrics(corpus, kind)
    pipeline = build_pipeline(kind).fit(corpus["text"].tolist(), corpus["label"])
    digest = data_hash(corpus)
    now = datetime.now(timezone.utc)
    version = f"{now:%Y%m%d-%H%M%S}-{digest[:6]}"
    metadata: dict[str, Any] = {
        "version": version,
        "created_at": now.isoformat(timespec="seconds"),
        "classifier": kind,
        "candidates_cv_macro_f1": candidate_scores,
        "data_hash": digest,
        "n_examples": len(corpus),
        "label_counts": {k: int(v) for k, v in corpus["label"].value_counts().sort_index().items()},
        "sources": sources or sorted(set(corpus["origin"].str.split(",").str[0])),
        "label_set": list(pipeline.classes_),
        "abstain_threshold": threshold,
        "abstain_threshold_rule": f"lowest with cross-validated accuracy ≥ {TARGET_ACCURACY} on answered texts",
        "abstain_margin": DEFAULT_MARGIN,
        "metrics": {"cv": cv, "held_out": held_out, "unseen_sectors": unseen_sectors, "transfer_to_seed": transfer},
        "libraries": library_versions(),
    }
    compiled = compile_pipeline(pipeline)
    model = CauseModel(compiled, version=version, threshold=threshold, metadata=metadata, pipeline=pipeline)
    promoted, reason = gate(cv["macro_f1"], root, force)
    metadata["promoted"], metadata["promotion_reason"] = promoted, reason
    path = registry.save_version(model, metadata, render_report(metadata), root)
    if promoted:
        registry.activate(version, root)
    return TrainResult(version, path, promoted, reason, metadata)


def render_report(meta: dict[str, Any]) -> str:
    """A Markdown report of one version: data, choice, figures, confusion matrix."""
    taxonomy = load_taxonomy()
    cv, held = meta["metrics"]["cv"], meta["metrics"]["held_out"]
    lines = [
        f"# Model {meta['version']}",
        "",
        f"- classifier: `{meta['classifier']}` (cross-validated macro-F1 of the candidates: "
        + ", ".join(f"{k} {v:.4f}" for k, v in meta["candidates_cv_macro_f1"].items())
        + ")",
        f"- examples: {meta['n_examples']}, data hash `{meta['data_hash'][:12]}`",
        f"- {FOLDS}-fold cross-validated macro-F1 **{cv['macro_f1']:.4f}**, accuracy {cv['accuracy']:.4f}",
        f"- held-out 20% split macro-F1 **{held['macro_f1']:.4f}**, accuracy {held['accuracy']:.4f}",
    ]
    unseen = meta["metrics"].get("unseen_sectors")
    if unseen:
        lines.append(
            f"- sectors never seen in training ({unseen['sectors']} sectors in 5 groups, GroupKFold): "
            f"macro-F1 {unseen['macro_f1']:.4f}, accuracy {unseen['accuracy']:.4f}"
        )
    transfer = meta["metrics"].get("transfer_to_seed")
    if transfer:
        lines.append(
            f"- trained without the seed forms, scored on their {transfer['n']} texts: "
            f"macro-F1 {transfer['macro_f1']:.4f}, accuracy {transfer['accuracy']:.4f}"
        )
    lines += [
        "",
        "## Per code (cross-validated)",
        "",
        "| code | 中文名 | precision | recall | F1 | n |",
        "|---|---|---|---|---|---|",
    ]
    for code, m in cv["per_code"].items():
        lines.append(
            f"| {code} | {taxonomy.name_zh(code)} | {m['precision']:.2f} | {m['recall']:.2f} "
            f"| {m['f1']:.2f} | {m['support']} |"
        )
    lines += [
        "",
        "## Accuracy vs coverage (cross-validated, abstain below threshold)",
        "",
        f"The model abstains (`other`) below **{meta['abstain_threshold']:.2f}**: "
        f"{meta.get('abstain_threshold_rule', 'set by hand')}.",
        "",
        "| threshold | coverage | accuracy |",
        "|---|---|---|",
    ]
    for row in cv["coverage"]:
        acc = "—" if row["accuracy"] is None else f"{row['accuracy']:.3f}"
        lines.append(f"| {row['threshold']:.2f} | {row['coverage']:.3f} | {acc} |")
    labels = cv["labels"]
    lines += [
        "",
        "## Confusion matrix (rows true, columns predicted)",
        "",
        "| | " + " | ".join(labels) + " |",
        "|---" * (len(labels) + 1) + "|",
    ]
    for code, row in zip(labels, cv["confusion"]):
        lines.append(f"| {code} | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"
