"""GET /v1/findings, POST /v1/findings/verdicts and GET /v1/reports/department.xlsx over a real app and database."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from nlp.config import Settings
from nlp.store import ingest_forms, open_store
from tests.api.conftest import API_KEY
from tests.store.conftest import StubModel
from tests.support.findings_forms import DEPARTMENT, Row, form

PASTED = "由于工程复杂，需补充完成地质勘探报告和施工图设计，因此项目于12月才完成工程招标。"


@pytest.fixture(scope="module")
def findings_client(small_trained, tmp_path_factory):
    """An app over the small model and a database holding forms of two years with findings."""
    db = tmp_path_factory.mktemp("findings-db") / "piancha.sqlite"
    with open_store(f"sqlite:///{db}") as store:
        rows = [Row(name, text=PASTED) for name in ("甲", "乙", "丙")]
        ingest_forms(
            store, [form("机房工程", 2023, rows), form("机房工程", 2024, rows[:2])], StubModel(), file_name="a"
        )
        ingest_forms(store, [form("别的工程", 2023, rows, department="别的局")], StubModel(), file_name="b")
    settings = Settings(
        model_dir=small_trained.path.parent, database_url=f"sqlite:///{db}", api_key=API_KEY, load_seed=False
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_findings_are_listed_with_counts_per_unit_and_filtered_like_the_statistics(findings_client):
    body = findings_client.get("/v1/findings").json()
    pasted = [f for f in body["findings"] if f["rule"] == "pasted_explanation"]
    assert len(pasted) == 2 and body["total"] == len(body["findings"])
    assert body["rules"]["pasted_explanation"] == "同一说明套用于多个指标"
    assert {u["unit"] for u in body["units"]} >= {"上海市测试局信息中心"}
    only = findings_client.get("/v1/findings", params={"department": DEPARTMENT, "year": 2023}).json()
    assert {(f["department"], f["year"]) for f in only["findings"]} == {(DEPARTMENT, 2023)}
    rule = findings_client.get("/v1/findings", params={"rule": "pasted_explanation"}).json()
    assert {f["rule"] for f in rule["findings"]} == {"pasted_explanation"}
    assert findings_client.get("/v1/findings", params={"rule": "nonsense"}).status_code == 422


def test_findings_download_as_csv_with_chinese_headers_and_as_excel(findings_client):
    csv = findings_client.get("/v1/findings", params={"format": "csv"})
    assert csv.text.startswith("\ufeff编号,规则,审计发现") and "同一说明套用于多个指标" in csv.text
    xlsx = findings_client.get("/v1/findings", params={"format": "xlsx"})
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["审计发现", "各单位"]


def test_a_verdict_needs_the_write_key_and_is_kept(findings_client):
    finding = findings_client.get("/v1/findings", params={"rule": "pasted_explanation"}).json()["findings"][0]
    body = {"finding_id": finding["id"], "verdict": "confirmed", "who": "审计员李明"}
    assert findings_client.post("/v1/findings/verdicts", json=body).status_code == 401
    marked = findings_client.post("/v1/findings/verdicts", json=body, headers={"X-API-Key": API_KEY})
    assert marked.status_code == 200 and marked.json()["verdict_zh"] == "已核实"
    again = findings_client.get("/v1/findings", params={"rule": "pasted_explanation"}).json()["findings"]
    kept = next(f for f in again if f["id"] == finding["id"])
    assert (kept["verdict"], kept["verdict_by"]) == ("confirmed", "审计员李明") and kept["verdict_at"]


@pytest.mark.parametrize(
    "body, status",
    [
        ({"finding_id": "0" * 20, "verdict": "confirmed", "who": "王芳"}, 404),
        ({"finding_id": "x", "verdict": "maybe"}, 422),
        ({"verdict": "confirmed"}, 422),
    ],
    ids=["unknown-id", "unknown-verdict", "no-id"],
)
def test_a_bad_verdict_is_refused_naming_what_is_wrong(findings_client, body, status):
    r = findings_client.post("/v1/findings/verdicts", json=body, headers={"X-API-Key": API_KEY})
    assert r.status_code == status, r.text


def test_the_department_report_downloads_and_an_unknown_department_is_422(findings_client):
    r = findings_client.get("/v1/reports/department.xlsx", params={"department": DEPARTMENT, "year": 2023})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["概览", "各单位原因", "审计发现", "偏差明细"] and book["概览"]._charts
    missing = findings_client.get("/v1/reports/department.xlsx", params={"department": "没有的部门"})
    assert missing.status_code == 422 and "没有该部门" in missing.json()["detail"]
    assert findings_client.get("/v1/reports/department.xlsx").status_code == 422
