"""`piancha serve` as a real process on a free loopback port, stopped when the block ends."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(env: dict[str, str], log: Path, cwd: Path | None = None, timeout: float = 120) -> Iterator[str]:
    """Start `python -m cli serve` with `env` (in `cwd`), wait for /readyz 200, yield its base URL, stop it."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port)],
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
                raise AssertionError(f"server exited: {log.read_text()}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"server not ready in {timeout:.0f} s: {log.read_text()}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
