"""Time to parse the seed file (11 forms of PDF-extracted text) into records, and 1,000 generated forms per format.

Run: python benchmarks/parse_seed.py [--repeat 20] [--forms 1000] [--formats txt,xlsx,xls,docx,pdf] [FILE]
Prints, for the seed: the first (cold) parse, the median of the following parses, forms, deviation
records and how many of those carry points_lost. Then for each format: random forms (fixed seed,
tests/support/random_forms.py) written by the test renderer, 100 to a file (not timed), and parsed back (timed):
seconds, forms per second, and how many came back whole (header, names, texts) and with points_lost.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.forms import Form, parse_forms  # noqa: E402
from nlp.paths import SEED_DIR  # noqa: E402
from tests.support.random_forms import make_form, make_layout  # noqa: E402
from tests.support.render import RENDERERS, render_text  # noqa: E402

_PER_FILE = 100


def _whole(got: Form, form: Form) -> bool:
    return (
        got.project == form.project
        and got.total_score == form.total_score
        and [i.name for i in got.indicators] == [i.name for i in form.indicators]
        and sorted((d.indicator, d.text) for d in got.deviations)
        == sorted((d.indicator, d.text) for d in form.deviations)
    )


def time_seed(path: Path, repeat: int) -> None:
    start = time.perf_counter()
    forms = parse_forms(path)
    cold = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        parse_forms(path)
        times.append(time.perf_counter() - start)
    deviations = sum(len(f.deviations) for f in forms)
    tied = sum(f.points_tied for f in forms)
    print(f"file: {path.name}")
    print(f"forms: {len(forms)}  deviation records: {deviations}  points_lost tied: {tied}")
    print(f"first parse: {cold * 1000:.1f} ms")
    print(f"median of {repeat}: {statistics.median(times) * 1000:.1f} ms")


def time_generated(suffix: str, count: int, folder: Path) -> None:
    rng = random.Random(f"benchmark{suffix}")
    forms = [make_form(rng) for _ in range(count)]
    if suffix == ".txt":
        texts = [render_text(form, make_layout(rng, len(form.indicators))) for form in forms]
        start = time.perf_counter()
        parsed = [parse_forms(text)[0] for text in texts]
        seconds = time.perf_counter() - start
    else:  # files of 100 forms (a workbook of 1,000 sheets is beyond the archive limit of 1,000 members)
        paths = [
            RENDERERS[suffix](forms[i : i + _PER_FILE], folder / f"generated{i}{suffix}")
            for i in range(0, count, _PER_FILE)
        ]
        start = time.perf_counter()
        parsed = [form for path in paths for form in parse_forms(path)]
        seconds = time.perf_counter() - start
    whole = sum(_whole(got, form) for got, form in zip(parsed, forms)) if len(parsed) == count else 0
    deviations = sum(len(f.deviations) for f in parsed)
    tied = sum(f.points_tied for f in parsed)
    print(
        f"{suffix:5} {count} forms: {seconds:.2f} s ({count / seconds:,.0f} forms/s); whole {whole}/{count}; "
        f"points_lost known for {tied}/{deviations} deviations"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--forms", type=int, default=1000, help="generated forms per format (0: seed only)")
    parser.add_argument("--formats", default="txt,xlsx,xls,docx,pdf")
    args = parser.parse_args()
    time_seed(args.file or sorted(SEED_DIR.glob("*.txt"))[0], args.repeat)
    if args.forms:
        with tempfile.TemporaryDirectory(prefix="piancha-bench-") as tmp:
            for name in args.formats.split(","):
                time_generated(f".{name.strip().lstrip('.')}", args.forms, Path(tmp))


if __name__ == "__main__":
    main()
