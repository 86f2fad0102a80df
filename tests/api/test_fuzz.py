"""No request, however malformed, gets a 500: hypothesis generates bodies, parameters, paths and files."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.main import create_app

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
texts = st.text(max_size=60) | st.sampled_from(["", " ", "。", "系统卡顿", "字" * 2001, "\x00", "\u202e"])
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def fuzz_client(api_settings, tmp_path_factory):
    db = tmp_path_factory.mktemp("fuzz-db") / "fuzz.sqlite"
    open_settings = api_settings.model_copy(update={"database_url": f"sqlite:///{db}", "api_key": None})
    with TestClient(create_app(open_settings), raise_server_exceptions=False) as c:
        yield c


@FUZZ
@given(body=json_values | st.fixed_dictionaries({"text": texts}))
def test_classify_never_500(fuzz_client, body):
    assert fuzz_client.post("/v1/classify", json=body).status_code in {200, 422}


@FUZZ
@given(body=json_values | st.fixed_dictionaries({"texts": st.lists(texts, max_size=4) | json_values}))
def test_batch_never_500(fuzz_client, body):
    assert fuzz_client.post("/v1/classify/batch", json=body).status_code in {200, 422}


@FUZZ
@given(body=json_values | st.fixed_dictionaries({"deviation_id": json_values, "label": json_values}))
def test_labels_never_500(fuzz_client, body):
    assert fuzz_client.post("/v1/labels", json=body).status_code in {200, 404, 422}


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["group_by", "year", "department", "format"]), st.text(max_size=20)))
def test_stats_never_500(fuzz_client, params):
    assert fuzz_client.get("/v1/stats/causes", params=params).status_code in {200, 422}


@FUZZ
@given(segment=st.text(min_size=1, max_size=30))
def test_paths_never_500(fuzz_client, segment):
    part = quote(segment, safe="")
    for method, path in [
        ("GET", f"/v1/documents/{part}"),
        ("GET", f"/v1/models/{part}"),
        ("POST", f"/v1/models/{part}/activate"),
        ("GET", f"/v1/retrain/{part}"),
    ]:
        assert fuzz_client.request(method, path).status_code < 500, (method, path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(max_size=20) | st.sampled_from(["a.txt", "b.pdf", "c.xlsx", "d.TXT"]), content=st.binary(max_size=2000)
)
def test_document_upload_never_500(fuzz_client, name, content):
    r = fuzz_client.post("/v1/documents", files={"file": (name, content, "application/octet-stream")})
    assert r.status_code in {200, 413, 415, 422}, r.text
