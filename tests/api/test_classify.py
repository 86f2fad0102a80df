"""POST /v1/classify and /v1/classify/batch, GET /v1/categories, health."""

from __future__ import annotations

import pytest

SEED_TEXT = "由于有些路段养护施工，导致部分点位不能调查数据。下一步将合理安排调查时间。"


def test_classify_returns_the_documented_shape(client):
    r = client.post("/v1/classify", json={"text": SEED_TEXT})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {
        "label",
        "label_zh",
        "confidence",
        "abstained",
        "ranking",
        "cause_text",
        "measure_text",
        "evidence",
        "model_version",
    }
    assert body["label"] == "external" and body["label_zh"] == "客观外部因素"
    assert body["measure_text"].startswith("下一步将合理安排")
    assert body["ranking"][0]["label"] == "external"
    assert body["evidence"] and all({"term", "weight"} == set(e) for e in body["evidence"])
    assert body["model_version"] == client.get("/readyz").json()["model_version"]


def test_batch_keeps_order(client):
    texts = ["服务器宕机，网络中断两次", "受台风影响停工", "年底考核有4人不合格，已进行再培训再考核。"]
    r = client.post("/v1/classify/batch", json={"texts": texts})
    assert r.status_code == 200
    assert [x["label"] for x in r.json()["results"]] == ["system", "external", "staffing"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   \n"}, "text"),
        ({"text": "字" * 2001}, "text"),
        ({"text": 123}, "text"),
        ({}, "text"),
        ({"texts": []}, "texts"),
        ({"texts": ["系统故障", "  "]}, "texts"),
        ({"texts": ["系统故障"] * 1001}, "texts"),
        ({"texts": "系统故障"}, "texts"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(client, body, field):
    path = "/v1/classify/batch" if field == "texts" else "/v1/classify"
    r = client.post(path, json=body)
    assert r.status_code == 422
    assert any(field in d["loc"] for d in r.json()["detail"])


def test_batch_error_names_the_item(client):
    r = client.post("/v1/classify/batch", json={"texts": ["系统故障", "  "]})
    assert "texts[1]" in r.text


def test_malformed_json_is_a_client_error_not_a_crash(client):
    r = client.post("/v1/classify", content=b"\xff\xfe not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert "parsing the body" in r.json()["detail"]


def test_categories_lists_the_14_codes_then_other(client):
    r = client.get("/v1/categories")
    codes = [c["code"] for c in r.json()]
    assert len(codes) == 15 and codes[-1] == "other" and "schedule" in codes and "no_cause" in codes
    assert r.json()[0]["name_zh"] == "进度滞后"


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True


def test_api_docs_are_served_without_a_cdn(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in page.text
    assert "jsdelivr" not in page.text and "unpkg" not in page.text and "https://" not in page.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/v1/classify" in spec["paths"] and "/v1/stats/causes" in spec["paths"]
