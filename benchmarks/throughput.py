"""Throughput of the classifier against jieba alone, and model load time.

Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/throughput.py [--n 20000] [--rounds 5]
Prints texts/s for jieba segmentation alone and for the full batch classify on the same texts
(best of --rounds, the two taking turns), their ratio, and the time to load the model
(inference.npz + jieba dictionary) in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.classify.registry import load_model  # noqa: E402
from nlp.paths import MODELS_DIR  # noqa: E402
from nlp.text import CONTENT  # noqa: E402
from nlp.text.words import HMM, initialize  # noqa: E402
from nlp.training.corpus import load_corpus  # noqa: E402

LOAD_SNIPPET = """
import time, sys
t0 = time.perf_counter()
from nlp.classify.registry import load_model
from nlp.text.words import initialize
t1 = time.perf_counter()
m = load_model(root=__import__('pathlib').Path(sys.argv[1]))
t2 = time.perf_counter()
initialize()
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def rate(func, texts: list[str], repeat: int = 3) -> float:
    """Best-of-`repeat` texts per second."""
    return rates({"": func}, texts, repeat)[""]


def rates(funcs: dict, texts: list[str], rounds: int) -> dict[str, float]:
    """Best-of-`rounds` texts per second of each function, the functions taking turns within every round, so
    that a slow spell of this shared machine falls on all of them alike rather than on one."""
    best = dict.fromkeys(funcs, float("inf"))
    for _ in range(rounds):
        for name, func in funcs.items():
            start = time.perf_counter()
            func(texts)
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: len(texts) / seconds for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="how many texts (the corpus, repeated)")
    parser.add_argument("--model-dir", type=Path, default=MODELS_DIR)
    parser.add_argument("--rounds", type=int, default=5, help="jieba alone and batch classify take turns this often")
    args = parser.parse_args()

    corpus = [t for t in load_corpus()["text"] if CONTENT.search(t)]  # "/" and the like are refused
    texts = (corpus * (args.n // len(corpus) + 1))[: args.n]
    mean_len = sum(map(len, texts)) / len(texts)
    tokenizer = initialize()
    model = load_model(root=args.model_dir)

    paired = rates(
        {
            "jieba": lambda ts: [tokenizer.lcut(t, HMM=HMM) for t in ts],
            "batch": lambda ts: model.classify_batch(ts, evidence=0),
        },
        texts,
        rounds=args.rounds,
    )
    jieba_rate, batch_rate = paired["jieba"], paired["batch"]
    jieba_default_rate = rate(lambda ts: [tokenizer.lcut(t) for t in ts], texts)
    explained_rate = rate(lambda ts: model.classify_batch(ts), texts, repeat=1)
    single = texts[:2000]
    single_rate = rate(lambda ts: [model.classify(t) for t in ts], single, repeat=1)

    loads = [
        tuple(
            float(x)
            for x in subprocess.run(
                [sys.executable, "-c", LOAD_SNIPPET, str(args.model_dir)],
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).resolve().parents[1],
            ).stdout.split()
        )
        for _ in range(3)
    ]
    kind = model.metadata.get("classifier")
    print(f"texts: {len(texts)} (mean {mean_len:.0f} characters), model {model.version} ({kind})")
    print(f"jieba segmentation alone:        {jieba_rate:10.0f} texts/s   (as the pipeline calls it, HMM={HMM})")
    print(f"jieba with its defaults (HMM on): {jieba_default_rate:9.0f} texts/s")
    print(f"batch classify (no evidence):    {batch_rate:10.0f} texts/s   ratio {batch_rate / jieba_rate:.2f}")
    print(f"batch classify (with evidence):  {explained_rate:10.0f} texts/s   ratio {explained_rate / jieba_rate:.2f}")
    print(f"one text at a time (evidence):   {single_rate:10.0f} texts/s")
    imports, model_load, jieba_load = min(loads, key=lambda x: x[1] + x[2])
    print(
        f"model load in a fresh process: {model_load + jieba_load:.2f} s (inference.npz {model_load:.2f} s + jieba "
        f"dictionary {jieba_load:.2f} s), after {imports:.2f} s of importing nlp.classify.registry (numpy, jieba)"
    )


if __name__ == "__main__":
    main()
