"""Shared fixtures: the seed forms and one model trained once per test session."""
from __future__ import annotations

from pathlib import Path

import pytest

from nlp.corpus import load_corpus
from nlp.paths import SEED_DIR
from nlp.registry import load_model
from nlp.training import TrainResult, train


@pytest.fixture(scope="session")
def seed_file() -> Path:
    """The user's seed file: 11 forms of 上海市交通委员会交通指挥中心, 2023, as PDF-extracted text."""
    files = sorted(SEED_DIR.glob("*.txt"))
    assert files, f"no seed forms found in {SEED_DIR}"
    return files[0]


@pytest.fixture(scope="session")
def seed_text(seed_file: Path) -> str:
    return seed_file.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def corpus():
    """The repository's whole labelled corpus."""
    return load_corpus()


@pytest.fixture(scope="session")
def model_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model directory holding one model trained on the repository's corpus."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def trained(corpus, model_root: Path) -> TrainResult:
    """One full training run (candidate selection, CV, held-out, save, promote)."""
    return train(corpus, root=model_root)


@pytest.fixture(scope="session")
def model(trained: TrainResult, model_root: Path):
    """The trained model as loaded back from disk."""
    return load_model(root=model_root)
