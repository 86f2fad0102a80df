"""Shared fixtures: the seed forms, the full model trained once per session, and a small fast one.

The tiers (markers registered in pyproject.toml): the default run trains only the small model (`small_trained`: 25
authored texts per code and the seed notebook, pointed at through PIANCHA_LABELLED_DIR / PIANCHA_NOTEBOOKS_DIR),
once, and every test that needs a model uses it; a test that needs the full model (`trained`, what the quality
tests judge) is marked `slow` here, and everything under tests/e2e is `e2e`. `pytest -m "slow or e2e or postgres"`
runs the rest; CI runs both.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlp.classify.registry import load_model
from nlp.paths import NOTEBOOKS_DIR, SEED_DIR
from nlp.training.corpus import load_corpus
from nlp.training.selection import TrainResult, train


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that need the full model `slow` and those under tests/e2e `e2e`, so the default run skips them."""
    e2e = Path(__file__).parent / "e2e"
    for item in items:
        if "trained" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
        if e2e in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


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


SMALL_PER_CODE = 25


@pytest.fixture(scope="session")
def small_corpus(corpus, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small labelled corpus laid out like the repository's: labelled/ (CSV) and notebooks/ (the seed notebook)."""
    root = tmp_path_factory.mktemp("small-corpus")
    (root / "labelled").mkdir()
    (root / "notebooks").mkdir()
    authored = corpus[corpus["source"] == "authored"].groupby("label").head(SMALL_PER_CODE)
    columns = ["text", "label", "secondary", "sector", "level", "source"]
    authored[columns].to_csv(root / "labelled" / "sample.csv", index=False)
    shutil.copy(NOTEBOOKS_DIR / "1.0-label-seed-forms.ipynb", root / "notebooks")
    return {"PIANCHA_LABELLED_DIR": root / "labelled", "PIANCHA_NOTEBOOKS_DIR": root / "notebooks"}


@pytest.fixture
def on_small_corpus(small_corpus, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Point training and retraining at the small corpus for one test."""
    for name, path in small_corpus.items():
        monkeypatch.setenv(name, str(path))
    return small_corpus


@pytest.fixture(scope="session")
def small_trained(small_corpus, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    """A model trained on the small corpus, with the same training code as the full one (a few seconds)."""
    paths = sorted(small_corpus["PIANCHA_LABELLED_DIR"].glob("*.csv")) + sorted(
        small_corpus["PIANCHA_NOTEBOOKS_DIR"].glob("*.ipynb")
    )
    return train(load_corpus(paths), root=tmp_path_factory.mktemp("small-models"))


@pytest.fixture(scope="session")
def small_model_root(small_trained: TrainResult) -> Path:
    """The small model's directory, its version current; for tests that only read it (copy it to retrain)."""
    return small_trained.path.parent


@pytest.fixture(scope="session")
def small_model(small_model_root: Path):
    """The small model as loaded back from disk."""
    return load_model(root=small_model_root)
