"""Batch classify end to end through the command line: `piancha classify --input F.csv --output G.csv` on one core.

Run: python benchmarks/classify_file.py [--n 20000] [--runs 3] [--model-dir models]
Writes --n texts (the corpus's, repeated and numbered so that none is a cached repeat) to a CSV, runs the command
pinned to one core (taskset -c 0) --runs times, and prints texts/s over the whole process: start, model load,
reading, classifying and writing. The issue's target is at least 1,000 texts/s.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.paths import MODELS_DIR, REPO_ROOT  # noqa: E402
from nlp.text import CONTENT  # noqa: E402
from nlp.training.corpus import load_corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model-dir", type=Path, default=MODELS_DIR)
    args = parser.parse_args()
    texts = [t for t in load_corpus()["text"] if CONTENT.search(t)]
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.csv", Path(tmp) / "out.csv"
        with source.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "text"])
            for i in range(args.n):
                writer.writerow([i, f"{texts[i % len(texts)]}（第{i}条）"])
        pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
        command = [*pin, sys.executable, "-m", "cli", "classify", "--input", str(source), "--output", str(target)]
        env = {
            **os.environ,
            "PIANCHA_MODEL_DIR": str(args.model_dir),
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        }
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        best = min(times)
        mean_chars = sum(len(texts[i % len(texts)]) for i in range(args.n)) / args.n
        print(
            f"piancha classify --input ({args.n} texts, mean {mean_chars:.0f} characters, one core): "
            f"best {best:.2f} s of {args.runs} = {args.n / best:,.0f} texts/s end to end (target ≥ 1,000/s)"
        )


if __name__ == "__main__":
    main()
