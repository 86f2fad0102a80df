"""The dashboard's routes: the page, its assets, and the chart library from the installed plotly package."""

from __future__ import annotations

import gzip

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.routers.dashboard import plotly_js
from nlp.config import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("assets")
    settings = Settings(model_dir=tmp / "models", database_url=f"sqlite:///{tmp / 'db.sqlite'}", load_seed=False)
    with TestClient(create_app(settings)) as c:
        yield c


def test_root_serves_the_dashboard_in_chinese(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in response.text
    for tab in ("分类", "表单", "统计", "模型"):
        assert f">{tab}</button>" in response.text


def test_page_loads_nothing_from_outside(client):
    html = client.get("/").text
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    for asset in ("/static/app.js", "/static/app.css", "/static/vendor/plotly.min.js"):
        assert asset in html
        assert client.get(asset).status_code == 200


def test_plotly_comes_from_the_installed_package_gzipped(client):
    raw = plotly_js().read_bytes()
    response = client.get("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.content == raw  # httpx undoes the gzip
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < len(raw) / 2
    assert "max-age" in response.headers["cache-control"]
    assert len(gzip.compress(raw)) > 0


@pytest.mark.parametrize(
    "name",
    ["..%2Fmain.py", "..%2F..%2Fpyproject.toml", ".hidden.js", "missing.js", "app.js%00.css", "a" * 5000 + ".js"],
)
def test_only_dashboard_assets_are_served(client, name):
    assert client.get(f"/static/{name}").status_code == 404
