"""`piancha serve` as a real process on a loopback port, talked to over HTTP."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.api.conftest import API_KEY
from tests.support.servers import serving


@pytest.fixture(scope="module")
def server(api_model_root, seed_file, tmp_path_factory):
    env = {
        **os.environ,
        "PIANCHA_MODEL_DIR": str(api_model_root),
        "PIANCHA_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('server-db') / 'piancha.sqlite'}",
        "PIANCHA_SEED_DIR": str(seed_file.parent),
        "PIANCHA_API_KEY": API_KEY,
    }
    with serving(env, tmp_path_factory.mktemp("server-log") / "serve.log") as base:
        yield base


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
