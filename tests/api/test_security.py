"""An empty API key is no key; error messages name versions and uploads, never the server's folders."""

from __future__ import annotations

import tempfile
import time

import nbformat
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import cli.serve
from api.main import create_app
from cli.main import app
from nlp.config import Settings, get_settings


@pytest.mark.parametrize("value", ["", "   ", "\t"])
def test_an_empty_api_key_in_the_environment_is_no_key(monkeypatch, value):
    monkeypatch.setenv("PIANCHA_API_KEY", value)
    assert Settings().api_key is None


def test_a_set_api_key_is_kept(monkeypatch):
    monkeypatch.setenv("PIANCHA_API_KEY", "s3cret")
    assert Settings().api_key == "s3cret"


def test_serve_with_an_empty_key_binds_loopback_only_and_says_so(monkeypatch, api_model_root, tmp_path):
    monkeypatch.setenv("PIANCHA_API_KEY", "")
    monkeypatch.setenv("PIANCHA_HOST", "0.0.0.0")
    monkeypatch.setenv("PIANCHA_MODEL_DIR", str(api_model_root))
    monkeypatch.setenv("PIANCHA_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite'}")
    monkeypatch.setenv("PIANCHA_LOAD_SEED", "false")
    get_settings.cache_clear()
    bound: dict[str, object] = {}
    monkeypatch.setattr(cli.serve.uvicorn, "run", lambda app, host, port, **kw: bound.update(host=host, app=app))
    try:
        result = CliRunner().invoke(app, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert bound["host"] == "127.0.0.1"
    assert "no PIANCHA_API_KEY is set: binding to 127.0.0.1 instead of 0.0.0.0" in result.output


def test_with_a_key_an_empty_header_is_refused(client):
    for headers in ({"X-API-Key": ""}, {"X-API-Key": " "}, {}):
        assert (
            client.post("/v1/labels", headers=headers, json={"deviation_id": 1, "label": "system"}).status_code == 401
        )


def test_a_key_that_bypassed_the_settings_check_still_means_no_key(api_settings, tmp_path):
    open_settings = api_settings.model_copy(
        update={"api_key": "", "database_url": f"sqlite:///{tmp_path / 'o.sqlite'}"}
    )
    with TestClient(create_app(open_settings)) as c:
        r = c.post("/v1/labels", json={"deviation_id": 1, "label": "system"})
    assert r.status_code == 404  # through to the store: no key configured, not a key "" that every header fails


def test_errors_about_model_versions_name_the_version_not_the_model_directory(client, auth, api_model_root):
    for r in (
        client.post("/v1/models/20200101-000000-000000/activate", headers=auth),
        client.get("/v1/models/20200101-000000-000000"),
    ):
        assert r.status_code == 404 and "'20200101-000000-000000'" in r.json()["detail"]
        assert str(api_model_root) not in r.text and tempfile.gettempdir() not in r.text


def _notebook(rows: str) -> bytes:
    cell = nbformat.v4.new_raw_cell("text,label,reviewed\n" + rows)
    cell.metadata["tags"] = ["labels"]
    return nbformat.writes(nbformat.v4.new_notebook(cells=[cell])).encode()


def _retrain_error(api_settings, auth, tmp_path, name: str, content: bytes) -> tuple[str, str]:
    """The error of a retrain job on one upload, and the server's retrain folder."""
    settings = api_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'r.sqlite'}"})
    with TestClient(create_app(settings)) as c:
        job = c.post("/v1/retrain", headers=auth, files={"files": (name, content, "application/json")}).json()["job"]
        deadline = time.monotonic() + 120
        while (status := c.get(f"/v1/retrain/{job}").json())["status"] not in {"done", "failed"}:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        workdir = str(c.app.state.jobs._workdir)
    assert status["status"] == "failed"
    return status["error"], workdir


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (_notebook("服务器宕机导致数据丢失,weather,yes\n"), "复核-2024.ipynb, cell 1, row 1: unknown code 'weather'"),
        (b"{not a notebook", "upload '复核-2024.ipynb': not a readable notebook"),
    ],
)
def test_a_failed_retrain_names_the_upload_not_the_temporary_folder(api_settings, auth, tmp_path, content, says):
    error, workdir = _retrain_error(api_settings, auth, tmp_path, "复核-2024.ipynb", content)
    assert says in error
    assert workdir not in error and "piancha-retrain-" not in error and tempfile.gettempdir() not in error
