"""A fresh clone works alone: nothing beside it, and `piancha serve` still finds the user's seed forms."""

from __future__ import annotations

import os
import subprocess

import httpx
import pytest

from nlp.paths import REPO_ROOT
from tests.support.models import install
from tests.support.servers import serving


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """The committed repository cloned into an empty folder (no ../shared beside it)."""
    if not (REPO_ROOT / ".git").exists():
        pytest.fail(f"{REPO_ROOT} is not a git checkout: a fresh clone cannot be made from it")
    target = tmp_path_factory.mktemp("empty") / "piancha"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(target)], check=True)
    assert sorted(p.name for p in target.parent.iterdir()) == ["piancha"]
    return target


def test_the_clone_carries_the_seed_forms_and_the_corpus(clone):
    assert sorted(p.name for p in (clone / "data" / "raw").glob("*.txt")) == ["000_18e20b045d9f6443.txt"]
    assert len(list((clone / "data" / "labelled").glob("*.csv"))) >= 7


def test_serve_in_the_clone_loads_the_eleven_seed_forms(clone, small_trained, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIANCHA_")}
    models = clone / "models"
    install(small_trained, models)  # a trained model, to spare a training
    env |= {"PYTHONPATH": str(clone), "PIANCHA_CACHE_DIR": str(tmp_path / "cache")}
    with serving(env, tmp_path / "serve.log", cwd=clone) as base:
        documents = httpx.get(f"{base}/v1/documents", timeout=10).json()
        assert len(documents) == 1 and documents[0]["forms"] == 11
    assert (clone / "data" / "piancha.sqlite").is_file()  # the clone's own embedded database
