"""Labelling-loop fixtures: the seed forms in a fresh database, a copy of the session model, the CLI against both."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from nlp.classify.inference import Prediction, Ranked
from nlp.config import get_settings
from nlp.store import ingest_file, open_store
from nlp.taxonomy import ABSTAIN, load_taxonomy
from tests.store.conftest import StubModel
from tests.support.models import install

runner = CliRunner()


class FixedModel:
    """A stand-in classifier answering fixed probabilities per text (abstains below 0.35), for ordering tests."""

    version = "fixed-1"
    threshold = 0.35

    def __init__(self, answers: dict[str, list[tuple[str, float]]]) -> None:
        self.answers = answers

    def classify_batch(self, texts: Sequence[str], top: int = 3, evidence: int = 8) -> list[Prediction]:
        names = load_taxonomy().name_zh
        out = []
        for t in texts:
            ranking = [Ranked(code, names(code), p) for code, p in self.answers[t][:top]]
            abstained = ranking[0].confidence < self.threshold
            label = ABSTAIN if abstained else ranking[0].label
            out.append(Prediction(label, names(label), ranking[0].confidence, abstained, ranking, t, ""))
        return out


@pytest.fixture
def seed_db(tmp_path: Path, seed_file: Path) -> str:
    """A SQLite database holding the seed forms (classified by the keyword stub: the queue reclassifies anyway)."""
    url = f"sqlite:///{tmp_path / 'seed.sqlite'}"
    with open_store(url) as store:
        ingest_file(store, seed_file, StubModel())
    return url


@pytest.fixture
def model_copy(small_trained, on_small_corpus, tmp_path: Path) -> Path:
    """A model directory of our own holding the small model, retrained here on the small corpus (never the shared one)."""
    return install(small_trained, tmp_path / "models")


@pytest.fixture
def piancha(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., Result]]:
    """Run `piancha …` with PIANCHA_MODEL_DIR / PIANCHA_DATABASE_URL as set through `piancha.env(...)`."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("PIANCHA_DATABASE_URL", f"sqlite:///{tmp_path / 'none.sqlite'}")
    monkeypatch.setenv("PIANCHA_MODEL_DIR", str(tmp_path / "no-models"))

    def run(*args: str) -> Result:
        get_settings.cache_clear()
        return runner.invoke(app, [str(a) for a in args])

    def env(model_dir: Path | None = None, database_url: str | None = None) -> None:
        if model_dir is not None:
            monkeypatch.setenv("PIANCHA_MODEL_DIR", str(model_dir))
        if database_url is not None:
            monkeypatch.setenv("PIANCHA_DATABASE_URL", database_url)

    run.env = env  # type: ignore[attr-defined]
    yield run
    get_settings.cache_clear()
