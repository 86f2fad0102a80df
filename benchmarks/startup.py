"""Service startup: process start to the first 200 from /readyz, with a trained model and a loaded database.

Run: python benchmarks/startup.py [--runs 5] [--model-dir models]
     python benchmarks/startup.py --fresh   (a fresh clone's first start: no model, empty database)
Loads the seed forms into a temporary SQLite database once (as the first `piancha serve` does), then
starts the server `--runs` times each way, `piancha serve` (as `python -m cli serve`) and
`uvicorn api.main:create_app --factory`, polls /readyz every 10 ms and prints min/median/max seconds.
The issue's target is under 3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import local_server  # noqa: E402
from nlp.classify.registry import current_version  # noqa: E402
from nlp.paths import MODELS_DIR  # noqa: E402


def time_to_ready(command: list[str], port: int, env: dict[str, str]) -> float:
    """Seconds from spawning `command` to /readyz answering 200; the server is stopped afterwards."""
    server, seconds = local_server.start(command, port, env)
    local_server.stop(server)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model-dir", type=Path, default=MODELS_DIR)
    parser.add_argument(
        "--fresh", action="store_true", help="time a first start with no model (training included) instead"
    )
    args = parser.parse_args()
    if args.fresh:
        return fresh_start()
    if current_version(args.model_dir) is None:
        raise SystemExit(f"no current model in {args.model_dir}: run `piancha train` first")

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PIANCHA_MODEL_DIR": str(args.model_dir),
            "PIANCHA_DATABASE_URL": f"sqlite:///{tmp}/startup.sqlite",
        }
        env.pop("PIANCHA_API_KEY", None)
        port = local_server.free_port()
        first = time_to_ready([sys.executable, "-m", "cli", "serve", "--port", str(port)], port, env)
        print(f"first start (loads the 11 seed forms into an empty database): {first:.2f} s")
        ways = {
            "piancha serve": lambda port: [sys.executable, "-m", "cli", "serve", "--port", str(port)],
            "uvicorn --factory": lambda port: [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:create_app",
                "--factory",
                "--port",
                str(port),
            ],
        }
        for name, command in ways.items():
            times = []
            for _ in range(args.runs):
                port = local_server.free_port()
                times.append(time_to_ready(command(port), port, env))
            print(
                f"{name}: process start to /readyz 200 in min {min(times):.2f} s, "
                f"median {statistics.median(times):.2f} s, max {max(times):.2f} s ({args.runs} runs; target < 3 s)"
            )


def fresh_start() -> None:
    """A fresh clone's first `piancha serve`: no model and no database, so it trains and loads the seed first."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PIANCHA_MODEL_DIR": f"{tmp}/models", "PIANCHA_DATABASE_URL": f"sqlite:///{tmp}/db.sqlite"}
        env.pop("PIANCHA_API_KEY", None)
        port = local_server.free_port()
        command = [sys.executable, "-m", "cli", "serve", "--port", str(port)]
        server, seconds = local_server.start(command, port, env, timeout=600)
        local_server.stop(server)
        print(f"fresh first start (trains the model, loads the 11 seed forms): {seconds:.1f} s (target < 180 s)")


if __name__ == "__main__":
    main()
