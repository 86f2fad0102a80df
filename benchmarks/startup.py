"""Service startup: process start to the first 200 from /readyz, with a trained model and a loaded database.

Run: python benchmarks/startup.py [--runs 5] [--model-dir models]
Loads the seed forms into a temporary SQLite database once (as the first `piancha serve` does), then
starts the server `--runs` times each way, `piancha serve` (as `python -m cli serve`) and
`uvicorn api.main:create_app --factory`, polls /readyz every 10 ms and prints min/median/max seconds.
The issue's target is under 3 s.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nlp.paths import MODELS_DIR  # noqa: E402
from nlp.registry import current_version  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_ready(command: list[str], port: int, env: dict[str, str]) -> float:
    """Seconds from spawning `command` to /readyz answering 200; the server is stopped afterwards."""
    url = f"http://127.0.0.1:{port}/readyz"
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                raise SystemExit(f"{' '.join(command)} exited:\n{server.stderr.read().decode()}")
            if time.perf_counter() - started > 120:
                raise SystemExit(f"{' '.join(command)}: not ready after 120 s")
            time.sleep(0.01)
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model-dir", type=Path, default=MODELS_DIR)
    args = parser.parse_args()
    if current_version(args.model_dir) is None:
        raise SystemExit(f"no current model in {args.model_dir}: run `piancha train` first")

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PIANCHA_MODEL_DIR": str(args.model_dir),
               "PIANCHA_DATABASE_URL": f"sqlite:///{tmp}/startup.sqlite"}
        env.pop("PIANCHA_API_KEY", None)
        port = free_port()
        first = time_to_ready([sys.executable, "-m", "cli", "serve", "--port", str(port)], port, env)
        print(f"first start (loads the 11 seed forms into an empty database): {first:.2f} s")
        ways = {
            "piancha serve": lambda port: [sys.executable, "-m", "cli", "serve", "--port", str(port)],
            "uvicorn --factory": lambda port: [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
                                               "--port", str(port)],
        }
        for name, command in ways.items():
            times = []
            for _ in range(args.runs):
                port = free_port()
                times.append(time_to_ready(command(port), port, env))
            print(f"{name}: process start to /readyz 200 in min {min(times):.2f} s, "
                  f"median {statistics.median(times):.2f} s, max {max(times):.2f} s ({args.runs} runs; target < 3 s)")


if __name__ == "__main__":
    main()
