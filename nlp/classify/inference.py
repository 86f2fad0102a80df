"""Classifying with a trained version: predictions with abstention and evidence, from plain arrays.

A trained version is saved twice (nlp.classify.registry): `model.joblib`, the whole scikit-learn Pipeline that
evaluation, audits and retraining use, and `inference.npz`, what classifying needs — the two TF-IDF
vocabularies with their idf weights and the linear scorer's coefficients. Reading the second needs only
NumPy, SciPy's sparse matrices and jieba, so the service starts without importing scikit-learn (which
brings scipy.stats and pandas: about 1.5 s of a start). `nlp.classify.pipeline.compile_pipeline` writes it from a
fitted Pipeline; the tests check that it gives the Pipeline's own features and probabilities.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from nlp.errors import ModelError
from nlp.taxonomy import ABSTAIN, load_taxonomy
from nlp.text import check_text, normalise, split_cause_measure
from nlp.text.words import segment

DEFAULT_THRESHOLD = 0.35
"""Used only when a model's metadata has no threshold of its own (training chooses one)."""
DEFAULT_MARGIN = 0.0
FORMAT = 1
"""The layout of inference.npz; a file of another layout is refused (retrain or re-save the version)."""

_WHITE_SPACES = re.compile(r"\s\s+")  # what scikit-learn's character analyser collapses to one space


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


def word_ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    """Word n-grams of `low`..`high` tokens, joined by spaces (as scikit-learn's word analyser makes them)."""
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


@dataclass
class TfidfBranch:
    """One fitted TF-IDF branch: its terms in column order, their idf, and how texts become n-grams."""

    terms: np.ndarray
    idf: np.ndarray
    ngrams: tuple[int, int]
    sublinear: bool
    lowercase: bool
    vocabulary: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.vocabulary = {str(t): j for j, t in enumerate(self.terms)}
        self._by_length: dict[int, tuple[np.ndarray, np.ndarray]] | None = None

    def count_grams(self, grams_per_text: Sequence[list[str]]) -> sparse.csr_matrix:
        """How often each vocabulary term occurs among each text's n-grams (one row per text)."""
        lookup = self.vocabulary.get
        found: list[int] = []
        indptr = [0]
        for grams in grams_per_text:
            found.extend(map(lookup, grams, repeat(-1, len(grams))))  # -1: not in the vocabulary
            indptr.append(len(found))
        columns = np.asarray(found, dtype=np.int64)
        known = columns >= 0
        rows = np.repeat(np.arange(len(grams_per_text)), np.diff(indptr))
        return self._counts(rows[known], columns[known], len(grams_per_text))

    def count_chars(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """`count_grams` of the texts' character n-grams, looked up as integers rather than built as strings.

        An n-gram of code points c₁…cₙ (each below 2²¹) is the integer c₁·2²¹⁽ⁿ⁻¹⁾ + … + cₙ; the texts are
        joined by NUL, so an n-gram across two texts holds a NUL, and no term does (checked on the first call).
        The result equals counting the n-gram strings as scikit-learn's character analyser makes them (white
        space runs collapsed to one space, every substring of low..high characters): a test checks it.
        """
        if self._by_length is None:
            self._by_length = self._integer_terms()
        cleaned = [_WHITE_SPACES.sub(" ", t.lower() if self.lowercase else t) for t in texts]
        points = np.frombuffer("\0".join(cleaned).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        row_of = np.repeat(np.arange(len(texts)), [len(t) + 1 for t in cleaned])[: len(points)]
        rows, columns = [], []
        low, high = self.ngrams
        for n in range(low, high + 1):
            if len(points) < n or n not in self._by_length:
                continue
            keys = points[: len(points) - n + 1].copy()
            for k in range(1, n):
                keys = (keys << np.uint64(21)) | points[k : len(points) - n + 1 + k]
            sorted_keys, columns_of = self._by_length[n]
            at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
            hit = sorted_keys[at] == keys
            rows.append(row_of[: len(keys)][hit])
            columns.append(columns_of[at[hit]])
        if not rows:
            return self._counts(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), len(texts))
        return self._counts(np.concatenate(rows), np.concatenate(columns), len(texts))

    def _integer_terms(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Per n-gram length: the terms as sorted integer keys, and their columns."""
        by_length: dict[int, tuple[list[int], list[int]]] = {}
        for column, term in enumerate(map(str, self.terms)):
            if "\0" in term or any(ord(c) >= 1 << 21 for c in term):
                raise ModelError(f"character term {term!r} cannot be looked up as an integer / 无法编码的字符")
            key = 0
            for c in term:
                key = (key << 21) | ord(c)
            keys, columns = by_length.setdefault(len(term), ([], []))
            keys.append(key)
            columns.append(column)
        out = {}
        for n, (keys, columns) in by_length.items():
            order = np.argsort(np.asarray(keys, dtype=np.uint64))
            out[n] = (np.asarray(keys, dtype=np.uint64)[order], np.asarray(columns, dtype=np.int64)[order])
        return out

    def _counts(self, rows: np.ndarray, columns: np.ndarray, n_texts: int) -> sparse.csr_matrix:
        counts = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, columns)), shape=(n_texts, len(self.terms))
        )  # repeated (text, term) pairs add up
        counts.sum_duplicates()
        return counts

    def weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """The L2-normalised TF-IDF of term counts, one row per text (as TfidfVectorizer.transform)."""
        if self.sublinear:
            np.log(counts.data, out=counts.data)
            counts.data += 1
        counts.data *= self.idf[counts.indices]
        per_row = np.diff(counts.indptr)
        norms = np.sqrt(np.add.reduceat(counts.data**2, counts.indptr[:-1][per_row > 0])) if counts.nnz else []
        counts.data /= np.repeat(norms, per_row[per_row > 0])
        return counts


TEXTS_PER_VECTORISATION = 2048
"""Texts vectorised together: large enough to amortise NumPy's per-call cost, small enough to stay in cache."""


@dataclass
class LinearScorer:
    """Class probabilities from a linear model: `softmax` (logistic regression, complement naive Bayes) or
    `sigmoid` (one-vs-rest scores calibrated by Platt's sigmoid, averaged over the calibration folds)."""

    form: str
    coefs: np.ndarray
    """(parts, features, classes); one part for softmax, one per calibration fold for sigmoid."""
    intercepts: np.ndarray
    """(parts, classes)"""
    sigmoid_slopes: np.ndarray | None = None
    """(parts, classes): Platt's slope per calibration fold and class (sigmoid only)."""
    sigmoid_offsets: np.ndarray | None = None
    """(parts, classes): Platt's offset per calibration fold and class (sigmoid only)."""

    def probabilities(self, vectors: sparse.csr_matrix) -> np.ndarray:
        """(texts, classes) probabilities of vectorised texts."""
        n_classes = self.coefs.shape[2]
        if self.form == "softmax":
            scores = vectors @ self.coefs[0] + self.intercepts[0]
            exp = np.exp(scores - scores.max(axis=1, keepdims=True))
            return exp / exp.sum(axis=1, keepdims=True)
        total = np.zeros((vectors.shape[0], n_classes))
        for k in range(len(self.coefs)):
            scores = vectors @ self.coefs[k] + self.intercepts[k]
            p = 1.0 / (1.0 + np.exp(self.sigmoid_slopes[k] * scores + self.sigmoid_offsets[k]))  # expit(-(a·s + b))
            if n_classes == 2:  # one calibrator, for the second class
                p[:, 0] = 1.0 - p[:, 1]
            else:
                denominator = p.sum(axis=1, keepdims=True)
                p = np.divide(p, denominator, out=np.full_like(p, 1 / n_classes), where=denominator != 0)
            p[(1.0 < p) & (p <= 1.0 + 1e-5)] = 1.0
            total += p
        return total / len(self.coefs)


@dataclass
class CompiledClassifier:
    """A fitted Pipeline's features and scorer as arrays: vectorises normalised texts and scores them."""

    classes: list[str]
    words: TfidfBranch
    chars: TfidfBranch
    scorer: LinearScorer

    def vectorise(self, model_texts: Sequence[str]) -> sparse.csr_matrix:
        """The word ∪ character features of normalised texts (words' columns first, as the Pipeline's union)."""
        words = [word_ngrams(segment(t), *self.words.ngrams) for t in model_texts]  # jieba words hold no spaces
        word_counts, char_counts = self.words.count_grams(words), self.chars.count_chars(model_texts)
        return sparse.hstack([self.words.weigh(word_counts), self.chars.weigh(char_counts)], format="csr")

    def probabilities(self, vectors: sparse.csr_matrix) -> np.ndarray:
        """(texts, classes) probabilities of vectorised texts."""
        return self.scorer.probabilities(vectors)

    def evidence_weights(self) -> np.ndarray:
        """(classes, features): how much each feature pushes towards each class, centred over the classes."""
        weights = self.scorer.coefs.mean(axis=0).T
        return weights - weights.mean(axis=0, keepdims=True)

    def save(self, path: Path) -> None:
        """Write the arrays to one .npz (no pickled objects in it), whole or not at all."""
        s = self.scorer
        layout = {
            "format": FORMAT,
            **{
                name: {"ngrams": b.ngrams, "sublinear": b.sublinear, "lowercase": b.lowercase}
                for name, b in (("words", self.words), ("chars", self.chars))
            },
            "scorer": s.form,
        }
        arrays = {
            "layout": np.array(json.dumps(layout)),
            "classes": np.array(self.classes),
            "word_terms": self.words.terms.astype(str),
            "word_idf": self.words.idf,
            "char_terms": self.chars.terms.astype(str),
            "char_idf": self.chars.idf,
            "coefs": s.coefs,
            "intercepts": s.intercepts,
        }
        if s.form == "sigmoid":
            arrays |= {"a": s.sigmoid_slopes, "b": s.sigmoid_offsets}  # the file's names (FORMAT 1)
        partial = path.with_name(f".{path.name}.partial")
        with partial.open("wb") as f:
            np.savez(f, **arrays)
        partial.replace(path)  # a reader finds the whole file or none

    @classmethod
    def load(cls, path: Path) -> CompiledClassifier:
        """Read a file written by `save`; ModelError when it is missing, damaged or of another layout."""
        try:
            with np.load(path, allow_pickle=False) as data:
                layout = json.loads(str(data["layout"]))
                if layout.get("format") != FORMAT:
                    raise ModelError(f"{path}: layout {layout.get('format')!r}, expected {FORMAT} / 模型文件格式不符")
                arrays = {k: data[k] for k in data.files}
        except ModelError:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{path}: not a readable model file ({exc}) / 模型文件无法读取") from None

        def branch(name: str) -> TfidfBranch:
            spec = layout[name]
            return TfidfBranch(
                terms=arrays[f"{name[:-1]}_terms"],
                idf=arrays[f"{name[:-1]}_idf"],
                ngrams=tuple(spec["ngrams"]),
                sublinear=spec["sublinear"],
                lowercase=spec["lowercase"],
            )

        scorer = LinearScorer(layout["scorer"], arrays["coefs"], arrays["intercepts"], arrays.get("a"), arrays.get("b"))
        return cls([str(c) for c in arrays["classes"]], branch("words"), branch("chars"), scorer)


class CauseModel:
    """A trained version with its abstain settings; classifies texts.

    `pipeline` is the scikit-learn Pipeline the version was compiled from: given when the model was just
    trained, otherwise read from disk on first use (evaluation needs it; classifying never does).
    """

    def __init__(
        self,
        compiled: CompiledClassifier,
        version: str | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
        metadata: dict[str, Any] | None = None,
        pipeline: Any = None,
        load_pipeline: Callable[[], Any] | None = None,
    ) -> None:
        self.compiled = compiled
        self.version = version
        self.threshold = threshold
        self.margin = margin
        self.metadata = metadata or {}
        self._pipeline = pipeline
        self._load_pipeline = load_pipeline
        self.classes_ = list(compiled.classes)
        taxonomy = load_taxonomy()
        self._names = {c: taxonomy.name_zh(c) for c in [*self.classes_, ABSTAIN]}
        self._feature_names = np.concatenate([compiled.words.terms, compiled.chars.terms]).astype(object)
        n_words = len(compiled.words.terms)
        # A single character (采, 失) explains nothing to a reader: evidence is words and longer character n-grams.
        self._explains = np.array([j < n_words or len(name) > 1 for j, name in enumerate(self._feature_names)])
        self._weights = compiled.evidence_weights()

    @property
    def pipeline(self) -> Any:
        """The scikit-learn Pipeline of this version (loaded on first use)."""
        if self._pipeline is None:
            if self._load_pipeline is None:
                raise ModelError("this model has no scikit-learn pipeline to load / 模型缺少训练管道")
            self._pipeline = self._load_pipeline()
        return self._pipeline

    def classify(self, text: str, top: int = 3, evidence: int = 8) -> Prediction:
        """Classify one text (raises TextError on empty or over-long text)."""
        return self.classify_batch([text], top=top, evidence=evidence)[0]

    def classify_batch(self, texts: Sequence[str], top: int = 3, evidence: int = 8) -> list[Prediction]:
        """Classify many texts; order is kept."""
        for i, t in enumerate(texts):
            check_text(t, where=f"texts[{i}]" if len(texts) > 1 else "text")
        results: list[Prediction] = []
        for start in range(0, len(texts), TEXTS_PER_VECTORISATION):
            results.extend(self._classify_chunk(texts[start : start + TEXTS_PER_VECTORISATION], top, evidence))
        return results

    def _classify_chunk(self, texts: Sequence[str], top: int, evidence: int) -> list[Prediction]:
        splits = [split_cause_measure(normalise(t)) for t in texts]
        vectors = self.compiled.vectorise([s.for_model for s in splits])
        probabilities = self.compiled.probabilities(vectors)
        orders = np.argsort(probabilities, axis=1)[:, ::-1]  # each row's codes, most probable first
        results = []
        for row, (split, probs, order) in enumerate(zip(splits, probabilities.tolist(), orders.tolist())):
            best, second = probs[order[0]], probs[order[1]] if len(order) > 1 else 0.0
            label = self.classes_[order[0]]
            abstained = bool(best < self.threshold or best - second < self.margin)
            results.append(
                Prediction(
                    label=ABSTAIN if abstained else label,
                    label_zh=self._names[ABSTAIN if abstained else label],
                    confidence=round(best, 4),
                    abstained=abstained,
                    ranking=[
                        Ranked(self.classes_[k], self._names[self.classes_[k]], round(probs[k], 4)) for k in order[:top]
                    ],
                    cause_text=split.cause,
                    measure_text=split.measure,
                    evidence=self._evidence(vectors, row, order[0], evidence) if evidence else [],
                    model_version=self.version,
                )
            )
        return results

    def _evidence(self, vectors: sparse.csr_matrix, row: int, class_index: int, k: int) -> list[Evidence]:
        """The n-grams of one vectorised text that weigh most towards a class."""
        span = slice(vectors.indptr[row], vectors.indptr[row + 1])
        columns, values = vectors.indices[span], vectors.data[span]
        contributions = values * self._weights[class_index, columns] * self._explains[columns]
        chosen: list[Evidence] = []
        for j in np.argsort(contributions)[::-1]:
            if contributions[j] <= 0 or len(chosen) >= k:
                break
            term = str(self._feature_names[columns[j]])
            if any(term.replace(" ", "") in e.term.replace(" ", "") for e in chosen):
                continue
            chosen.append(Evidence(term=term, weight=round(float(contributions[j]), 4)))
        return chosen
