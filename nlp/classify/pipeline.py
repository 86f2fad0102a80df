"""The cause classifier as one scikit-learn Pipeline (normalise → features → classify), and its compiled form.

Training, evaluation and audits use the Pipeline; `compile_pipeline` turns a fitted one into the arrays
that nlp.classify.inference classifies with, so serving never imports scikit-learn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from nlp.classify.inference import CompiledClassifier, LinearScorer, TfidfBranch
from nlp.errors import ModelError
from nlp.text import initialize, model_text, segment

__all__ = [
    "CANDIDATES",
    "Segmenter",
    "TextNormaliser",
    "build_classifier",
    "build_pipeline",
    "checked_candidates",
    "compile_pipeline",
]


class TextNormaliser(BaseEstimator, TransformerMixin):
    """Pipeline step: raw deviation texts → normalised cause part (the measure is left out)."""

    def fit(self, texts: Sequence[str], y: object = None) -> TextNormaliser:
        """Nothing to learn."""
        return self

    def transform(self, texts: Sequence[str]) -> list[str]:
        """Normalise and keep what the model reads."""
        return [model_text(t) for t in texts]


class Segmenter(BaseEstimator, TransformerMixin):
    """Pipeline step: texts → space-joined jieba words (for a whitespace-token vectoriser)."""

    def fit(self, texts: Iterable[str], y: object = None) -> Segmenter:
        """Nothing to learn; initialises jieba."""
        initialize()
        return self

    def transform(self, texts: Iterable[str]) -> list[str]:
        """Segment every text."""
        return [" ".join(segment(t)) for t in texts]


def build_features() -> FeatureUnion:
    """Word TF-IDF (jieba uni+bigrams) beside character TF-IDF (1–3-grams)."""
    words = Pipeline(
        [
            ("segment", Segmenter()),
            (
                "tfidf",
                TfidfVectorizer(
                    tokenizer=str.split,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=(1, 2),
                    min_df=1,
                    sublinear_tf=True,
                ),
            ),
        ]
    )
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    return FeatureUnion([("words", words), ("chars", chars)])


CANDIDATES = ("logreg", "svc", "cnb")
"""The classifiers training compares (`build_classifier`); each compiles to a LinearScorer."""


def checked_candidates(names: Iterable[str], option: str) -> tuple[str, ...]:
    """The candidate kinds named, or a ModelError naming `option` and the kinds to choose from."""
    chosen = tuple(n.strip() for n in names if n.strip())
    if not chosen or any(n not in CANDIDATES for n in chosen):
        raise ModelError(f"{option} {','.join(chosen)!r}: choose from {', '.join(CANDIDATES)} / 未知分类器")
    return chosen


def build_classifier(kind: str) -> BaseEstimator:
    """One of the candidate classifiers, with balanced class weights where it takes them."""
    if kind == "logreg":
        return LogisticRegression(C=20.0, class_weight="balanced", max_iter=3000)
    # the other candidates' modules are imported only when training asks for them
    if kind == "svc":
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        return CalibratedClassifierCV(LinearSVC(C=0.5, class_weight="balanced"), method="sigmoid", cv=3)
    if kind == "cnb":
        from sklearn.naive_bayes import ComplementNB

        return ComplementNB(alpha=0.3)
    raise ValueError(f"unknown classifier kind {kind!r}; choose from {CANDIDATES}")


def build_pipeline(kind: str = "logreg") -> Pipeline:
    """normalise → features → classify, as one Pipeline that joblib saves whole."""
    return Pipeline(
        [
            ("normalise", TextNormaliser()),
            ("features", build_features()),
            ("classify", build_classifier(kind)),
        ]
    )


def _branch(vectoriser: TfidfVectorizer, analyzer: str) -> TfidfBranch:
    """A fitted TfidfVectorizer as arrays, refusing settings nlp.classify.inference does not reproduce."""
    expected = {
        "analyzer": analyzer,
        "binary": False,
        "norm": "l2",
        "use_idf": True,
        "strip_accents": None,
        "preprocessor": None,
        "stop_words": None,
        "input": "content",
    }
    if analyzer == "word":
        expected |= {"tokenizer": str.split, "lowercase": False}
    params = vectoriser.get_params()
    differing = {k: params[k] for k, v in expected.items() if params[k] != v}
    if differing:
        raise ModelError(f"cannot compile a TfidfVectorizer with {differing} / 无法编译该特征设置")
    return TfidfBranch(
        terms=vectoriser.get_feature_names_out().astype(str),
        idf=np.asarray(vectoriser.idf_, dtype=np.float64),
        ngrams=tuple(vectoriser.ngram_range),
        sublinear=bool(vectoriser.sublinear_tf),
        lowercase=bool(vectoriser.lowercase),
    )


def _scorer(classifier: Any, classes: list[str]) -> LinearScorer:
    """The fitted classifier's predict_proba as a LinearScorer (the tests check both give the same numbers)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.naive_bayes import ComplementNB

    n = len(classes)
    if isinstance(classifier, LogisticRegression):
        coef, intercept = classifier.coef_.T, classifier.intercept_
        if n == 2:  # one score for the second class: softmax over (0, score) is its sigmoid
            coef = np.column_stack([np.zeros(len(coef)), coef[:, 0]])
            intercept = np.array([0.0, intercept[0]])
        return LinearScorer("softmax", coef[None].copy(), np.asarray(intercept, dtype=np.float64)[None].copy())
    if isinstance(classifier, ComplementNB):  # predict_proba is the softmax of X · feature_log_prob_ᵀ
        return LinearScorer("softmax", classifier.feature_log_prob_.T[None].copy(), np.zeros((1, n)))
    if isinstance(classifier, CalibratedClassifierCV) and classifier.method == "sigmoid":
        coefs, intercepts, a, b = [], [], [], []
        for calibrated in classifier.calibrated_classifiers_:
            estimator = calibrated.estimator
            if list(estimator.classes_) != classes or len(calibrated.calibrators) != (1 if n == 2 else n):
                raise ModelError("cannot compile a calibrated classifier fitted on a subset of the codes")
            coef, intercept = estimator.coef_.T, estimator.intercept_
            slopes = np.array([c.a_ for c in calibrated.calibrators])
            offsets = np.array([c.b_ for c in calibrated.calibrators])
            if n == 2:  # the one score and calibrator belong to the second class
                coef = np.column_stack([np.zeros(len(coef)), coef[:, 0]])
                intercept = np.array([0.0, intercept[0]])
                slopes, offsets = np.array([0.0, slopes[0]]), np.array([0.0, offsets[0]])
            coefs.append(coef)
            intercepts.append(intercept)
            a.append(slopes)
            b.append(offsets)
        return LinearScorer("sigmoid", np.array(coefs), np.array(intercepts), np.array(a), np.array(b))
    raise ModelError(f"cannot compile a {type(classifier).__name__} classifier / 无法编译该分类器")


def compile_pipeline(pipeline: Pipeline) -> CompiledClassifier:
    """A fitted Pipeline from build_pipeline as the arrays nlp.classify.inference classifies with."""
    features = dict(pipeline.named_steps["features"].transformer_list)
    classes = [str(c) for c in pipeline.classes_]
    return CompiledClassifier(
        classes=classes,
        words=_branch(features["words"].named_steps["tfidf"], "word"),
        chars=_branch(features["chars"], "char"),
        scorer=_scorer(pipeline.named_steps["classify"], classes),
    )
