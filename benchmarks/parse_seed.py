"""Time to parse the seed file (11 forms of PDF-extracted text) into records.

Run: python benchmarks/parse_seed.py [--repeat 20] [FILE]
Prints the first (cold) parse, the median of the following parses, forms, deviation records
and how many of those carry points_lost.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.forms import parse_forms  # noqa: E402
from nlp.paths import SEED_DIR  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    path = args.file or sorted(SEED_DIR.glob("*.txt"))[0]
    start = time.perf_counter()
    forms = parse_forms(path)
    cold = time.perf_counter() - start
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        parse_forms(path)
        times.append(time.perf_counter() - start)
    deviations = sum(len(f.deviations) for f in forms)
    tied = sum(f.points_tied for f in forms)
    print(f"file: {path.name}")
    print(f"forms: {len(forms)}  deviation records: {deviations}  points_lost tied: {tied}")
    print(f"first parse: {cold * 1000:.1f} ms")
    print(f"median of {args.repeat}: {statistics.median(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
