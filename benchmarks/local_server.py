"""Starting a piancha server on a free loopback port for a benchmark, and waiting until it is ready."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], port: int, env: dict[str, str], timeout: float = 120) -> tuple[subprocess.Popen, float]:
    """Spawn `command` and poll /readyz every 10 ms; return the process and the seconds until it answered 200."""
    url = f"http://127.0.0.1:{port}/readyz"
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return server, time.perf_counter() - started
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"{' '.join(command)} exited:\n{server.stderr.read().decode()}")
        if time.perf_counter() - started > timeout:
            server.terminate()
            raise SystemExit(f"{' '.join(command)}: not ready after {timeout:.0f} s")
        time.sleep(0.01)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=20)
