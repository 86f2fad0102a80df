"""A piancha server as a real process on a free loopback port, stopped when the block ends."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

PIANCHA_SERVE = ["cli", "serve"]
"""`piancha serve`: trains a model when none is current, loads the seed forms into an empty database."""
UVICORN = ["uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1"]
"""The app factory under uvicorn, as a deployment with several workers runs it."""


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(
    env: dict[str, str],
    log: Path,
    cwd: Path | None = None,
    timeout: float = 120,
    command: list[str] = PIANCHA_SERVE,
) -> Iterator[str]:
    """Start `python -m <command> --port P` with `env` (in `cwd`), wait for /readyz 200, yield its base URL, stop it.

    A server that exits or is not ready within `timeout` seconds fails the test with the end of its log."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", *command, "--port", str(port)],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            if process.poll() is not None:
                raise AssertionError(f"server exited with code {process.returncode}: {_tail(log)}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"server not ready in {timeout:.0f} s: {_tail(log)}")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]
