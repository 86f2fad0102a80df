"""PIANCHA_READ_API_KEY: the data routes (documents, statistics, corrections, models) need a key; the rest stay open."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from nlp.config import Settings
from tests.api.conftest import API_KEY

READ_KEY = "read-only-key-42"
GUARDED = ["/v1/documents", "/v1/stats/causes?group_by=project", "/v1/findings", "/v1/labels", "/v1/models"]


@pytest.fixture(scope="module")
def guarded(api_settings, tmp_path_factory):
    db = tmp_path_factory.mktemp("read-key-db") / "piancha.sqlite"
    settings = api_settings.model_copy(update={"database_url": f"sqlite:///{db}", "read_api_key": READ_KEY})
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize("path", GUARDED)
def test_data_routes_need_the_read_or_the_write_key(guarded, path):
    refused = guarded.get(path)
    assert refused.status_code == 401 and "read key" in refused.json()["detail"]
    assert guarded.get(path, headers={"X-API-Key": "wrong"}).status_code == 401
    assert guarded.get(path, headers={"X-API-Key": READ_KEY}).status_code == 200
    assert guarded.get(path, headers={"X-API-Key": API_KEY}).status_code == 200


def test_the_read_key_does_not_write(guarded):
    r = guarded.post("/v1/labels", headers={"X-API-Key": READ_KEY}, json={"deviation_id": 1, "label": "system"})
    assert r.status_code == 401


def test_classify_health_taxonomy_and_dashboard_stay_open(guarded):
    assert guarded.post("/v1/classify", json={"text": "系统故障"}).status_code == 200
    for path in ("/healthz", "/readyz", "/v1/categories", "/"):
        assert guarded.get(path).status_code == 200, path


def test_an_empty_read_key_is_no_key():
    assert Settings(read_api_key="  ").read_api_key is None
