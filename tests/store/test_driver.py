"""PostgreSQL's driver is the `postgres` extra: without it, one `error:` line and exit code 2, never a traceback."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

import cli.serve
from cli.main import app
from nlp.config import get_settings
from nlp.store import StoreError, open_store

URL = "postgresql+psycopg://piancha:secret@db.example/piancha"


@pytest.fixture
def no_driver(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` now fails as if it were not installed
    monkeypatch.setenv("PIANCHA_DATABASE_URL", URL)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_open_store_without_the_driver_says_how_to_install_it(no_driver):
    with pytest.raises(StoreError) as caught:
        open_store(URL)
    message = str(caught.value)
    assert "the PostgreSQL driver 'psycopg' is not installed" in message
    assert "pip install -e '.[postgres]'" in message and "未安装 PostgreSQL 驱动" in message
    assert "secret" not in message  # the password is hidden


@pytest.mark.parametrize("command", [["documents"], ["summary", "--by", "department"], ["serve"]])
def test_the_cli_without_the_driver_prints_one_error_line(no_driver, monkeypatch, small_model_root, command):
    monkeypatch.setenv("PIANCHA_MODEL_DIR", str(small_model_root))
    monkeypatch.setenv("PIANCHA_API_KEY", "k")  # no loopback notice: the error is the only line
    monkeypatch.setattr(cli.serve.uvicorn, "run", lambda *a, **k: pytest.fail("serve started without a database"))
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: postgresql+psycopg://piancha:***@db.example/piancha: ")
    assert "Traceback" not in result.output
