"""An app over a private copy of the session's small model, so retraining here touches nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from nlp.config import Settings
from tests.support.models import install

API_KEY = "test-key-0123"


@pytest.fixture(scope="session")
def api_model_root(small_trained, tmp_path_factory) -> Path:
    return install(small_trained, tmp_path_factory.mktemp("api-models"))


@pytest.fixture(scope="session")
def api_settings(api_model_root, tmp_path_factory) -> Settings:
    db = tmp_path_factory.mktemp("api-db") / "piancha.sqlite"
    return Settings(model_dir=api_model_root, database_url=f"sqlite:///{db}", api_key=API_KEY, load_seed=False)


@pytest.fixture(scope="session")
def client(api_settings):
    with TestClient(create_app(api_settings)) as c:
        yield c


@pytest.fixture(scope="session")
def auth() -> dict[str, str]:
    return {"X-API-Key": API_KEY}
