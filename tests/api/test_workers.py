"""Several workers: a promotion or rollback made anywhere (here: by another process) is served by every worker."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from nlp.classify.registry import activate
from nlp.store import open_store
from tests.support.models import install
from tests.support.servers import UVICORN, serving

WORKERS = 2
WATCH_SECONDS = 0.5


@pytest.fixture
def two_versions(small_trained, tmp_path):
    """A model directory with the small model under two version names, the first one current."""
    first, second = small_trained.version, f"{small_trained.version}-b"
    return install(small_trained, tmp_path / "models", first, second), first, second


def _versions(base: str, n: int) -> list[str]:
    """The model_version of n classify answers, each on a new connection (so the kernel spreads them over workers)."""
    seen = []
    for _ in range(n):
        with httpx.Client(timeout=10) as client:
            r = client.post(f"{base}/v1/classify", json={"text": "系统网络不稳定，出现临时性故障"})
            assert r.status_code == 200, r.text
            seen.append(r.json()["model_version"])
    return seen


@pytest.mark.slow
def test_every_worker_serves_the_new_current_version_within_seconds(two_versions, tmp_path):
    root, first, second = two_versions
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIANCHA_")}
    env |= {
        "PIANCHA_MODEL_DIR": str(root),
        "PIANCHA_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "PIANCHA_MODEL_WATCH_SECONDS": str(WATCH_SECONDS),
        "PIANCHA_CACHE_DIR": str(tmp_path / "cache"),
    }
    with open_store(env["PIANCHA_DATABASE_URL"]):  # created before the workers start, as README's deployment says
        pass
    with serving(env, tmp_path / "workers.log", command=[*UVICORN, "--workers", str(WORKERS)]) as base:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # /readyz answered by one worker: wait until both serve the first
            try:
                if set(_versions(base, 8)) == {first}:
                    break
            except (httpx.TransportError, AssertionError):
                time.sleep(0.3)
        else:
            raise AssertionError((tmp_path / "workers.log").read_text())
        activate(second, root)  # as another worker, host or `piancha train` would
        switched = time.monotonic()
        while set(_versions(base, 4)) != {second}:  # every answer is still a 200 while the workers swap
            assert time.monotonic() - switched < 10, "workers did not follow models/current within 10 s"
        assert set(_versions(base, 30)) == {second}  # both workers, on 30 fresh connections


def test_a_current_version_that_cannot_be_loaded_keeps_the_serving_model(two_versions):
    from api.serving import ModelHolder

    root, first, second = two_versions
    holder = ModelHolder(root)
    holder.load()
    (root / second / "inference.npz").write_bytes(b"damaged")
    (root / second / "model.joblib").write_bytes(b"damaged")
    activate(second, root)
    assert holder.follow_current() is False and holder.model.version == first
    activate(first, root)
    assert holder.follow_current() is False  # already serving it
