"""The held-out-department evaluation: folds that hold whole departments out, calibration, the threshold rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nlp.training.selection import (
    choose_threshold,
    cross_fitted_calibration,
    fit_temperature,
    transfer_folds,
    transfer_groups,
    transfer_probabilities,
    with_temperature,
)


def _ece(probabilities: np.ndarray, truth: np.ndarray, classes: list[str], bins: int = 10) -> float:
    """Expected calibration error, written out here rather than taken from the code under test."""
    confidence = probabilities.max(axis=1)
    right = np.array(classes)[probabilities.argmax(axis=1)] == truth
    total = 0.0
    for low in np.linspace(0, 1, bins, endpoint=False):
        high = low + 1 / bins
        inside = (confidence > low) & (confidence <= high) if low > 0 else (confidence <= high)
        if inside.any():
            total += inside.sum() / len(truth) * abs(confidence[inside].mean() - right[inside].mean())
    return total


def test_each_fold_holds_whole_departments_out_and_the_seed_alone(corpus):
    folds = transfer_folds(corpus)
    groups = transfer_groups(corpus).to_numpy()
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested.tolist()) == list(range(len(corpus)))  # every text predicted exactly once
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
    seed_fold = [test for _, test in folds if set(groups[test]) == {"seed:1.0-label-seed-forms.ipynb"}]
    assert len(seed_fold) == 1 and len(seed_fold[0]) == (corpus["source"] == "seed").sum()


@pytest.mark.slow
def test_calibrated_held_out_predictions_have_expected_calibration_error_below_0_10(corpus):
    """Out-of-fold (held-out-department) predictions of a sample of the corpus, calibrated by a temperature fitted
    on the other folds: their ECE is computed here and must stay below 0.10."""
    sample = pd.concat(
        [corpus[corpus["source"] == "seed"], corpus[corpus["source"] != "seed"].sample(1500, random_state=7)]
    )
    sample = sample.reset_index(drop=True)
    folds = transfer_folds(sample)
    raw, classes = transfer_probabilities("logreg", sample, folds)
    truth = sample["label"].to_numpy()
    calibrated = cross_fitted_calibration(raw, truth, classes, folds)
    assert _ece(calibrated, truth, classes) < 0.10
    assert _ece(calibrated, truth, classes) <= _ece(raw, truth, classes) + 0.01


def test_temperature_undoes_a_known_overconfidence():
    rng = np.random.default_rng(3)
    classes = ["a", "b", "c"]
    truth = rng.choice(classes, size=4000)
    logits = rng.normal(size=(4000, 3))
    logits[np.arange(4000), np.searchsorted(classes, truth)] += 1.0
    honest = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    sharpened = with_temperature(honest, 0.5)  # twice the logits: overconfident
    assert abs(fit_temperature(sharpened, truth, classes) - 2.0) < 0.2


def test_threshold_is_the_lowest_reaching_the_target_without_answering_under_80_percent():
    coverage = [
        {"threshold": 0.0, "coverage": 1.0, "accuracy": 0.82},
        {"threshold": 0.3, "coverage": 0.92, "accuracy": 0.88},
        {"threshold": 0.4, "coverage": 0.86, "accuracy": 0.91},
        {"threshold": 0.45, "coverage": 0.84, "accuracy": 0.91},
        {"threshold": 0.5, "coverage": 0.78, "accuracy": 0.95},
    ]
    assert choose_threshold(coverage) == 0.4
    assert choose_threshold(coverage, target=0.94) == 0.4  # 0.5 would answer under 80 %; 0.4 is as right as 0.45
    assert choose_threshold(coverage[:2], target=0.95) == 0.3
