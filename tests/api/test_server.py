"""`piancha serve` as a real process on a loopback port, talked to over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.api.conftest import API_KEY


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(api_model_root, seed_file, tmp_path_factory):
    port = _free_port()
    env = {
        **os.environ,
        "PIANCHA_MODEL_DIR": str(api_model_root),
        "PIANCHA_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('server-db') / 'piancha.sqlite'}",
        "PIANCHA_SEED_DIR": str(seed_file.parent),
        "PIANCHA_API_KEY": API_KEY,
    }
    log = tmp_path_factory.mktemp("server-log") / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while time.monotonic() - started < 120:
            if process.poll() is not None:
                raise AssertionError(f"server exited: {log.read_text()}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"server not ready in 120 s: {log.read_text()}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_served_over_http_classify_seed_loaded_upload_and_stats(server, seed_file):
    r = httpx.post(f"{server}/v1/classify", json={"text": "机电系统出现过一次二级故障"}, timeout=10)
    assert r.status_code == 200 and r.json()["label"] == "system"

    stats = httpx.get(f"{server}/v1/stats/causes", params={"group_by": "project"}, timeout=10).json()
    assert len(stats["groups"]) == 11  # serve loaded the seed forms into the empty database

    files = {"file": (seed_file.name, seed_file.read_bytes(), "text/plain")}
    assert httpx.post(f"{server}/v1/documents", files=files, timeout=30).status_code == 401
    upload = httpx.post(f"{server}/v1/documents", files=files, headers={"X-API-Key": API_KEY}, timeout=30)
    assert upload.status_code == 200 and upload.json()["duplicate"] is True

    by_department = httpx.get(f"{server}/v1/stats/causes", params={"group_by": "department"}, timeout=10).json()
    assert by_department["groups"][0]["group"] == "上海市交通委员会"
    assert by_department["groups"][0]["deviations"] == upload.json()["deviations"]
