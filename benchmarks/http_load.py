"""Bounded HTTP load on a local piancha server: requests/s and p50/p95/p99 latency.

Run: python benchmarks/http_load.py [--rate 200] [--seconds 10] [--batches 10] [--model-dir models]
Starts `piancha serve` on a free loopback port (its own temporary database, no seed), sends
single-text /v1/classify requests at a fixed rate for a fixed time (open loop, bounded count),
then timed /v1/classify/batch requests of 1,000 texts, prints the figures and stops the server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks import local_server  # noqa: E402
from nlp.paths import MODELS_DIR  # noqa: E402
from nlp.text import CONTENT  # noqa: E402
from nlp.training.corpus import load_corpus  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def single_load(base: str, texts: list[str], rate: float, seconds: float) -> tuple[list[float], int, float]:
    """Send `rate` requests per second for `seconds` (open loop); return latencies, errors, wall time."""
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, timeout=10, limits=limits) as client:

        async def one(i: int) -> None:
            nonlocal errors
            start = time.perf_counter()
            try:
                r = await client.post("/v1/classify", json={"text": texts[i % len(texts)]})
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - start)

        began = time.perf_counter()
        tasks = []
        for i in range(total):
            delay = began + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        return latencies, errors, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="single-text requests per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long the single-text load lasts")
    parser.add_argument("--batches", type=int, default=10, help="how many 1,000-text batch requests")
    parser.add_argument("--model-dir", type=Path, default=MODELS_DIR)
    args = parser.parse_args()

    texts = [t for t in load_corpus()["text"] if CONTENT.search(t)]  # "/" and the like are refused
    port = local_server.free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PIANCHA_MODEL_DIR": str(args.model_dir),
            "PIANCHA_LOAD_SEED": "false",
            "PIANCHA_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
        }
        env.pop("PIANCHA_API_KEY", None)
        server, ready = local_server.start([sys.executable, "-m", "cli", "serve", "--port", str(port)], port, env)
        try:
            print(f"server ready in {ready:.2f} s (process start to /readyz 200; benchmarks/startup.py repeats it)")
            for t in texts[:50]:  # warm
                httpx.post(f"{base}/v1/classify", json={"text": t}, timeout=10)

            latencies, errors, wall = asyncio.run(single_load(base, texts, args.rate, args.seconds))
            ms = [1000 * x for x in latencies]
            print(
                f"/v1/classify: {len(ms)} requests at {args.rate:.0f}/s offered, {len(ms) / wall:.0f}/s achieved, "
                f"{errors} errors"
            )
            print(
                f"  latency ms: p50 {percentile(ms, 50):.1f}  p95 {percentile(ms, 95):.1f}  "
                f"p99 {percentile(ms, 99):.1f}  max {max(ms):.1f}"
            )

            batch = (texts * (1000 // len(texts) + 1))[:1000]
            times = []
            with httpx.Client(base_url=base, timeout=60) as client:
                for _ in range(args.batches):
                    start = time.perf_counter()
                    r = client.post("/v1/classify/batch", json={"texts": batch})
                    times.append(time.perf_counter() - start)
                    assert r.status_code == 200 and len(r.json()["results"]) == 1000
            median = statistics.median(times)
            print(
                f"/v1/classify/batch of 1,000 texts: {args.batches} requests, median {median:.3f} s, "
                f"max {max(times):.3f} s ({1000 / median:.0f} texts/s)"
            )
        finally:
            local_server.stop(server)


if __name__ == "__main__":
    main()
