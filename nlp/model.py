"""The cause classifier: one scikit-learn Pipeline, predictions with abstention and evidence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from nlp.segment import Segmenter
from nlp.taxonomy import ABSTAIN, load_taxonomy
from nlp.text import check_text, normalise, split_cause_measure

CANDIDATES = ("logreg", "svc", "cnb")
DEFAULT_THRESHOLD = 0.35
"""Used only when a model's metadata has no threshold of its own (training chooses one)."""
DEFAULT_MARGIN = 0.0


class TextNormaliser(BaseEstimator, TransformerMixin):
    """Pipeline step: raw deviation texts → normalised cause part (the measure is left out)."""

    def fit(self, texts: Sequence[str], y: object = None) -> TextNormaliser:
        """Nothing to learn."""
        return self

    def transform(self, texts: Sequence[str]) -> list[str]:
        """Normalise and keep what the model reads."""
        return [split_cause_measure(normalise(t)).for_model for t in texts]


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


def build_classifier(kind: str) -> BaseEstimator:
    """One of the candidate classifiers, with balanced class weights where it takes them."""
    if kind == "logreg":
        return LogisticRegression(C=20.0, class_weight="balanced", max_iter=3000)
    # the other candidates' modules load only when asked for: a served LogisticRegression never needs them
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


def linear_weights(classifier: BaseEstimator) -> np.ndarray:
    """Per-class feature weights of a fitted classifier (higher pushes towards the class)."""
    if isinstance(classifier, LogisticRegression):
        return classifier.coef_
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.naive_bayes import ComplementNB

    if isinstance(classifier, CalibratedClassifierCV):
        return np.mean([c.estimator.coef_ for c in classifier.calibrated_classifiers_], axis=0)
    if isinstance(classifier, ComplementNB):
        return classifier.feature_log_prob_
    return classifier.coef_


def tfidf_function(vectoriser: TfidfVectorizer) -> Callable[[Sequence[str]], sparse.csr_matrix]:
    """A fitted TfidfVectorizer's transform as direct arithmetic (same numbers, no per-call validation)."""
    analyse, vocabulary, idf = vectoriser.build_analyzer(), vectoriser.vocabulary_, vectoriser.idf_
    if vectoriser.norm != "l2" or not vectoriser.use_idf or vectoriser.binary:
        return vectoriser.transform
    lookup = vocabulary.get

    def transform(texts: Sequence[str]) -> sparse.csr_matrix:
        indices: list[int] = []
        indptr = [0]
        for text in texts:
            indices.extend(j for j in map(lookup, analyse(text)) if j is not None)
            indptr.append(len(indices))
        counts = sparse.csr_matrix(
            (np.ones(len(indices)), np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(texts), len(idf)),
        )
        counts.sum_duplicates()  # repeated n-grams of a text become one count
        if vectoriser.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1
        counts.data *= idf[counts.indices]
        per_row = np.diff(counts.indptr)
        rows = np.repeat(np.arange(len(texts)), per_row)
        lengths = np.sqrt(np.bincount(rows, weights=counts.data**2, minlength=len(texts)))
        counts.data /= np.repeat(np.where(lengths > 0, lengths, 1.0), per_row)
        return counts

    return transform


def features_function(features: FeatureUnion) -> Callable[[Sequence[str]], sparse.csr_matrix]:
    """The fitted word ∪ char features of normalised texts, computed without sklearn's per-call overhead."""
    parts = dict(features.transformer_list)
    segmenter, words = parts["words"].named_steps["segment"], tfidf_function(parts["words"].named_steps["tfidf"])
    chars = tfidf_function(parts["chars"])
    return lambda texts: sparse.hstack([words(segmenter.transform(texts)), chars(texts)], format="csr")


def probability_function(classifier: BaseEstimator) -> Callable[[Any], np.ndarray]:
    """`predict_proba` of a fitted classifier as plain matrix algebra where its form is known.

    sklearn's own predict_proba validates its input once per calibrator (14 × 3 times for the
    calibrated SVC), which costs milliseconds per call; the arithmetic below is the same and the
    tests check that it gives the same numbers.
    """
    if isinstance(classifier, LogisticRegression):
        if len(classifier.classes_) > 2:
            coef, intercept = classifier.coef_.T, classifier.intercept_
            return lambda x: softmax(x @ coef + intercept, axis=1)
        return classifier.predict_proba
    from sklearn.calibration import CalibratedClassifierCV

    if isinstance(classifier, CalibratedClassifierCV) and classifier.method == "sigmoid":
        parts = []
        for calibrated in classifier.calibrated_classifiers_:
            estimator = calibrated.estimator
            if len(calibrated.calibrators) != len(classifier.classes_) or list(estimator.classes_) != list(
                classifier.classes_
            ):
                return classifier.predict_proba
            a = np.array([c.a_ for c in calibrated.calibrators])
            b = np.array([c.b_ for c in calibrated.calibrators])
            parts.append((estimator.coef_.T, estimator.intercept_, a, b))

        def calibrated_proba(x: Any) -> np.ndarray:
            total = np.zeros((x.shape[0], len(classifier.classes_)))
            for coef, intercept, a, b in parts:
                p = expit(-(a * (x @ coef + intercept) + b))
                denominator = p.sum(axis=1, keepdims=True)
                p = np.divide(p, denominator, out=np.full_like(p, 1 / p.shape[1]), where=denominator != 0)
                p[(1.0 < p) & (p <= 1.0 + 1e-5)] = 1.0
                total += p
            return total / len(parts)

        return calibrated_proba
    return classifier.predict_proba


@dataclass
class Ranked:
    """One code of the ranking."""

    label: str
    label_zh: str
    confidence: float


@dataclass
class Evidence:
    """An n-gram that pushed the text towards its label."""

    term: str
    weight: float


@dataclass
class Prediction:
    """The classifier's answer for one text."""

    label: str
    label_zh: str
    confidence: float
    abstained: bool
    ranking: list[Ranked]
    cause_text: str
    measure_text: str
    evidence: list[Evidence] = field(default_factory=list)
    model_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


class CauseModel:
    """A fitted pipeline with its version and abstain settings; classifies texts."""

    def __init__(
        self,
        pipeline: Pipeline,
        version: str | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.version = version
        self.threshold = threshold
        self.margin = margin
        self.metadata = metadata or {}
        self.classes_ = list(pipeline.classes_)
        taxonomy = load_taxonomy()
        self._names = {c: taxonomy.name_zh(c) for c in [*self.classes_, ABSTAIN]}
        features = dict(pipeline.named_steps["features"].transformer_list)
        self._feature_names = np.concatenate(
            [features["words"].named_steps["tfidf"].get_feature_names_out(), features["chars"].get_feature_names_out()]
        ).astype(object)
        n_words = len(features["words"].named_steps["tfidf"].vocabulary_)
        # A single character (采, 失) explains nothing to a reader: evidence is words and longer character n-grams.
        self._explains = np.array([j < n_words or len(name) > 1 for j, name in enumerate(self._feature_names)])
        self._features = features_function(pipeline.named_steps["features"])
        self._proba = probability_function(pipeline.named_steps["classify"])
        weights = linear_weights(pipeline.named_steps["classify"])
        self._weights = weights - weights.mean(axis=0, keepdims=True)

    def classify(self, text: str, top: int = 3, evidence: int = 8) -> Prediction:
        """Classify one text (raises TextError on empty or over-long text)."""
        return self.classify_batch([text], top=top, evidence=evidence)[0]

    def classify_batch(self, texts: Sequence[str], top: int = 3, evidence: int = 8) -> list[Prediction]:
        """Classify many texts in one vectorisation; order is kept."""
        for i, t in enumerate(texts):
            check_text(t, where=f"texts[{i}]" if len(texts) > 1 else "text")
        splits = [split_cause_measure(normalise(t)) for t in texts]
        model_input = [s.for_model for s in splits]
        features = self._features(model_input)
        probabilities = self._proba(features)
        results = []
        for row, (split, probs) in enumerate(zip(splits, probabilities)):
            order = np.argsort(probs)[::-1]
            best, second = probs[order[0]], probs[order[1]] if len(order) > 1 else 0.0
            label = self.classes_[order[0]]
            abstained = bool(best < self.threshold or best - second < self.margin)
            results.append(
                Prediction(
                    label=ABSTAIN if abstained else label,
                    label_zh=self._names[ABSTAIN if abstained else label],
                    confidence=round(float(best), 4),
                    abstained=abstained,
                    ranking=[
                        Ranked(self.classes_[k], self._names[self.classes_[k]], round(float(probs[k]), 4))
                        for k in order[:top]
                    ],
                    cause_text=split.cause,
                    measure_text=split.measure,
                    evidence=self._evidence(features[row], order[0], evidence) if evidence else [],
                    model_version=self.version,
                )
            )
        return results

    def _evidence(self, vector: Any, class_index: int, k: int) -> list[Evidence]:
        """The n-grams of one vectorised text that weigh most towards a class."""
        vector = vector.tocsr()
        contributions = vector.data * self._weights[class_index, vector.indices] * self._explains[vector.indices]
        chosen: list[Evidence] = []
        for j in np.argsort(contributions)[::-1]:
            if contributions[j] <= 0 or len(chosen) >= k:
                break
            term = str(self._feature_names[vector.indices[j]])
            if any(term.replace(" ", "") in e.term.replace(" ", "") for e in chosen):
                continue
            chosen.append(Evidence(term=term, weight=round(float(contributions[j]), 4)))
        return chosen
