"""Label audit: the labelled examples most likely mislabelled, codes too thin to learn, near-duplicate texts with
different labels, and examples that are mostly an improvement measure.

report = audit_labels(load_corpus())     # out-of-fold probabilities on the fixed folds (a few model fits)
report.issues(20)                        # lowest self-confidence first, as cleanlab ranks label issues
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.labelling.notebooks import labelling_notebook
from nlp.taxonomy import load_taxonomy
from nlp.text import normalise, split_cause_measure
from nlp.training.selection import FOLDS, fixed_folds, out_of_fold_probabilities

if TYPE_CHECKING:
    import nbformat

log = logging.getLogger(__name__)

MIN_EXAMPLES = 20
"""A code with fewer labelled examples than this is listed as too thin to learn. At 20 a code gets 16 training
examples per cross-validation fold; the authored corpus has at least 60 per code, a new department's notebook
often has 0–7 (the seed forms)."""
NEAR_DUPLICATE_COSINE = 0.70
"""Character 1–3-gram TF-IDF cosine at or above which two texts are near-duplicates (as tests/test_corpus.py)."""
MEASURE_RATIO = 3.0
"""A text is mostly an improvement measure when its measure part is at least this many times longer than its cause
part, or when it has no cause part at all. Examples labelled no_cause are not listed: a text that only restates
the deviation or only gives a measure is no_cause by the labelling guide."""
ROWS_PER_SIMILARITY_BLOCK = 2000
"""Texts whose cosine similarities to the whole corpus are computed as one dense block (memory stays bounded)."""

SUSPECT_COLUMNS = ["text", "label", "self_confidence", "suggested", "suggested_confidence", "issue", "origin"]
CONFLICT_COLUMNS = ["text", "label", "origin", "other_text", "other_label", "other_origin", "similarity"]
MEASURE_COLUMNS = ["text", "label", "cause", "measure", "origin", "note"]
NOTEBOOK_COLUMNS = ["text", "label", "secondary", "reviewed", "suggested", "self_confidence", "reason", "origin"]


@dataclass
class LabelAudit:
    """What the audit found in one corpus."""

    suspects: pd.DataFrame
    """Every cross-validated example, lowest self-confidence (p of its own label) first; `issue` when the model
    prefers another code."""
    thin_codes: pd.DataFrame
    conflicts: pd.DataFrame
    measure_heavy: pd.DataFrame
    kind: str
    n_examples: int

    def issues(self, top: int | None = None) -> pd.DataFrame:
        """The likely mislabelled examples, most suspect first."""
        found = self.suspects[self.suspects["issue"]]
        return found if top is None else found.head(top)


def self_confidence(corpus: pd.DataFrame, kind: str = "logreg") -> pd.DataFrame:
    """Out-of-fold p(given label) for every example of a code with at least FOLDS examples, ascending."""
    counts = corpus["label"].value_counts()
    usable = corpus[corpus["label"].isin(counts[counts >= FOLDS].index)].reset_index(drop=True)
    if usable["label"].nunique() < 2:
        return pd.DataFrame(columns=SUSPECT_COLUMNS)
    labels = usable["label"].to_numpy()
    texts = usable["text"].tolist()
    splits = fixed_folds(usable["label"]).split(texts, labels)
    probabilities, classes = out_of_fold_probabilities(kind, texts, labels, splits)
    index = {c: i for i, c in enumerate(classes)}
    own = probabilities[np.arange(len(usable)), [index[label] for label in labels]]
    best = probabilities.argmax(axis=1)
    frame = pd.DataFrame(
        {
            "text": usable["text"],
            "label": labels,
            "self_confidence": own.round(4),
            "suggested": np.array(classes)[best],
            "suggested_confidence": probabilities.max(axis=1).round(4),
            "origin": usable["origin"],
        }
    )
    frame["issue"] = frame["suggested"] != frame["label"]
    return frame.sort_values(["self_confidence", "text"], kind="stable")[SUSPECT_COLUMNS].reset_index(drop=True)


def thin_codes(corpus: pd.DataFrame, minimum: int = MIN_EXAMPLES) -> pd.DataFrame:
    """Every code of the taxonomy with fewer than `minimum` examples (zero included), fewest first."""
    taxonomy = load_taxonomy()
    counts = corpus["label"].value_counts()
    rows = [
        {"code": c, "name_zh": taxonomy.name_zh(c), "n": int(counts.get(c, 0))}
        for c in taxonomy.codes
        if counts.get(c, 0) < minimum
    ]
    return pd.DataFrame(rows, columns=["code", "name_zh", "n"]).sort_values("n", kind="stable").reset_index(drop=True)


def near_duplicate_conflicts(corpus: pd.DataFrame, threshold: float = NEAR_DUPLICATE_COSINE) -> pd.DataFrame:
    """Pairs of texts at least `threshold` alike (character 1–3-gram TF-IDF cosine) that carry different labels."""
    texts, labels, origins = corpus["text"].tolist(), corpus["label"].to_numpy(), corpus["origin"].tolist()
    if len(texts) < 2:
        return pd.DataFrame(columns=CONFLICT_COLUMNS)
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).fit_transform(texts).tocsr()
    pairs = []
    for start in range(0, len(texts), ROWS_PER_SIMILARITY_BLOCK):
        block = (vectors[start : start + ROWS_PER_SIMILARITY_BLOCK] @ vectors.T).toarray()
        rows, cols = np.nonzero(block >= threshold)
        for r, j in zip(rows, cols):
            i = start + r
            if j > i and labels[i] != labels[j]:
                pairs.append(
                    {
                        "text": texts[i],
                        "label": labels[i],
                        "origin": origins[i],
                        "other_text": texts[j],
                        "other_label": labels[j],
                        "other_origin": origins[j],
                        "similarity": round(float(block[r, j]), 4),
                    }
                )
    frame = pd.DataFrame(pairs, columns=CONFLICT_COLUMNS)
    return frame.sort_values("similarity", ascending=False, kind="stable").reset_index(drop=True)


def measure_heavy(corpus: pd.DataFrame, ratio: float = MEASURE_RATIO) -> pd.DataFrame:
    """Examples whose text is mostly an improvement measure (the model reads only the cause part)."""
    rows = []
    for text, label, origin in zip(corpus["text"], corpus["label"], corpus["origin"]):
        split = split_cause_measure(normalise(text))
        if not split.measure or label == "no_cause":  # a text that is only a measure is no_cause by the guide
            continue
        if not split.cause:
            note = "no cause before the measure: no_cause unless the text states a cause / 原因部分为空，仅见改进措施"
        elif len(split.measure) >= ratio * len(split.cause):
            note = (
                f"measure {len(split.measure)} chars vs cause {len(split.cause)}: "
                "is the label the cause, not the remedy? / 措施远长于原因"
            )
        else:
            continue
        rows.append(
            {
                "text": text,
                "label": label,
                "cause": split.cause,
                "measure": split.measure,
                "origin": origin,
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=MEASURE_COLUMNS)


def audit_labels(corpus: pd.DataFrame, kind: str = "logreg", minimum: int = MIN_EXAMPLES) -> LabelAudit:
    """Run every check of the label audit on a labelled corpus."""
    suspects = self_confidence(corpus, kind)
    log.info("audit: %d of %d examples prefer another code", int(suspects["issue"].sum()), len(suspects))
    return LabelAudit(
        suspects=suspects,
        thin_codes=thin_codes(corpus, minimum),
        conflicts=near_duplicate_conflicts(corpus),
        measure_heavy=measure_heavy(corpus),
        kind=kind,
        n_examples=len(corpus),
    )


def review_rows(audit: LabelAudit, corpus: pd.DataFrame, top: int = 50) -> pd.DataFrame:
    """One row per text to look at again (top suspects, both sides of each conflict, measure-heavy), with reasons."""
    reasons: dict[str, list[str]] = {}
    suggested: dict[str, tuple[str, float | str]] = {}
    for row in audit.issues(top).itertuples():
        reasons.setdefault(row.text, []).append(
            f"self-confidence {row.self_confidence:.3f}; model says {row.suggested} {row.suggested_confidence:.2f}"
        )
    for row in audit.conflicts.itertuples():
        reasons.setdefault(row.text, []).append(
            f"near-duplicate ({row.similarity:.2f}) of a text labelled {row.other_label} in {row.other_origin}"
        )
        reasons.setdefault(row.other_text, []).append(
            f"near-duplicate ({row.similarity:.2f}) of a text labelled {row.label} in {row.origin}"
        )
    for row in audit.measure_heavy.itertuples():
        reasons.setdefault(row.text, []).append(row.note)
    for row in audit.suspects.itertuples():
        suggested[row.text] = (row.suggested, row.self_confidence)
    known = corpus.drop_duplicates("text").set_index("text")
    rows = []
    for text, why in reasons.items():
        guess, confidence = suggested.get(text, ("", ""))
        rows.append(
            {
                "text": text,
                "label": known.at[text, "label"],
                "secondary": known.at[text, "secondary"],
                "reviewed": "",
                "suggested": guess,
                "self_confidence": confidence,
                "reason": "; ".join(why),
                "origin": known.at[text, "origin"],
            }
        )
    return pd.DataFrame(rows, columns=NOTEBOOK_COLUMNS)


def audit_notebook(audit: LabelAudit, corpus: pd.DataFrame, top: int = 50) -> nbformat.NotebookNode:
    """The audit as a labelling notebook: the examples to check again, label pre-filled with the current one."""
    rows = review_rows(audit, corpus, top)
    thin = ", ".join(f"`{r.code}` {r.name_zh} ({r.n})" for r in audit.thin_codes.itertuples()) or "none / 无"
    intro = (
        "# Label audit / 标注审查\n\n"
        f"{len(rows)} of {audit.n_examples} labelled examples to check again (classifier `{audit.kind}`, "
        f"out-of-fold on the fixed folds; written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC):\n\n"
        f"- {int(audit.suspects['issue'].sum())} examples whose own label gets a lower cross-validated probability "
        f"than another code (the {top} least self-confident are listed);\n"
        f"- {len(audit.conflicts)} pairs of near-duplicate texts (cosine ≥ {NEAR_DUPLICATE_COSINE}) with different "
        "labels;\n"
        f"- {len(audit.measure_heavy)} examples that are mostly an improvement measure.\n\n"
        f"**Codes with fewer than {MIN_EXAMPLES} examples** (too few to learn; label more of them): {thin}.\n\n"
        "**How to review / 审核方法.** `label` holds the current label. Change it if it is wrong (`suggested` is "
        "the model's cross-validated choice, not a fact), and put `yes` in `reviewed` for every row you checked. "
        "Then run `piancha retrain` on this file: reviewed rows override the same texts' labels. To make a fix "
        "permanent, also correct the file named in `origin`.\n"
        "对每一行核对 `label`，错误请修改；已核对的行在 `reviewed` 填 `yes`。"
    )
    return labelling_notebook(intro, rows, NOTEBOOK_COLUMNS)
