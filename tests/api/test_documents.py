"""Upload forms, read documents and statistics, correct labels — and every error path."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.support.expected import SUMMARY_COLUMNS


@pytest.fixture(scope="module")
def uploaded(client, auth, seed_file):
    r = client.post(
        "/v1/documents", headers=auth, files={"file": (seed_file.name, seed_file.read_bytes(), "text/plain")}
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_upload_of_the_seed_file_stores_11_classified_forms(uploaded):
    assert uploaded["duplicate"] is False and uploaded["forms"] == 11
    projects = {f["project"] for f in uploaded["form_list"]}
    assert len(projects) == 11 and "城市维护工程项目" in projects
    deviations = [d for f in uploaded["form_list"] for d in f["deviations"]]
    assert len(deviations) == uploaded["deviations"] >= 50
    assert all(d["code"] and d["label_zh"] and d["id"] for d in deviations)


def test_uploading_the_same_file_again_returns_the_stored_document(client, auth, uploaded, seed_file):
    r = client.post("/v1/documents", headers=auth, files={"file": ("again.txt", seed_file.read_bytes(), "text/plain")})
    assert r.status_code == 200
    assert r.json()["duplicate"] is True and r.json()["id"] == uploaded["id"]
    assert any("already ingested" in w for w in r.json()["warnings"])


def test_documents_list_and_detail(client, uploaded):
    listed = client.get("/v1/documents").json()
    assert [d["id"] for d in listed].count(uploaded["id"]) == 1
    detail = client.get(f"/v1/documents/{uploaded['id']}").json()
    assert detail["sha256"] == uploaded["sha256"] and len(detail["form_list"]) == 11


def test_stats_by_project_has_11_groups_adding_up_to_the_deviations(client, uploaded):
    body = client.get("/v1/stats/causes", params={"group_by": "project"}).json()
    assert len(body["groups"]) == 11
    assert sum(r["count"] for r in body["rows"]) == uploaded["deviations"]
    assert set(body["rows"][0]) >= {"group", "label", "label_zh", "count", "share", "points_lost", "forms", "example"}
    by_department = client.get("/v1/stats/causes", params={"group_by": "department", "year": 2023}).json()
    assert [g["group"] for g in by_department["groups"]] == ["上海市交通委员会"]
    assert by_department["groups"][0]["deviations"] == uploaded["deviations"]


def test_stats_as_csv_and_xlsx(client, uploaded):
    csv = client.get("/v1/stats/causes", params={"group_by": "department", "format": "csv", "headers": "code"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf")  # a UTF-8 BOM: Excel on Windows reads the Chinese
    frame = pd.read_csv(io.StringIO(csv.content.decode("utf-8-sig")))
    assert list(frame.columns[:8]) == SUMMARY_COLUMNS
    xlsx = client.get("/v1/stats/causes", params={"group_by": "unit", "format": "xlsx"})
    assert xlsx.status_code == 200
    assert pd.read_excel(io.BytesIO(xlsx.content))["次数"].sum() == uploaded["deviations"]


def test_stats_csv_and_excel_have_chinese_headers_by_default(client, uploaded):
    csv = client.get("/v1/stats/causes", params={"group_by": "project", "format": "csv"})
    frame = pd.read_csv(io.StringIO(csv.content.decode("utf-8-sig")))
    assert list(frame.columns[:8]) == ["分组", "代码", "原因类别", "次数", "占比", "扣分", "表单数", "示例"]
    assert "弃权率" in frame.columns and frame["次数"].sum() == uploaded["deviations"]
    xlsx = client.get("/v1/stats/causes", params={"group_by": "project", "format": "xlsx"})
    sheets = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None)
    assert set(sheets) == {"汇总", "分组合计"}
    assert list(sheets["汇总"].columns) == list(frame.columns)


def test_a_correction_applies_to_every_deviation_of_the_document_with_the_same_text(client, auth, uploaded):
    deviations = [d for f in uploaded["form_list"] for d in f["deviations"]]
    by_text: dict[str, list[int]] = {}
    for d in deviations:
        by_text.setdefault(d["text"], []).append(d["id"])
    text, ids = max(by_text.items(), key=lambda kv: len(kv[1]))
    assert len(ids) > 1, "the seed has a text under several indicators"
    one = client.post(
        "/v1/labels", headers=auth, json={"deviation_id": ids[0], "label": "policy", "apply_to_same_text": False}
    )
    assert one.json()["touched"] == 1 and one.json()["deviation_ids"] == [ids[0]]
    every = client.post("/v1/labels", headers=auth, json={"deviation_id": ids[0], "label": "staffing"})
    assert every.json()["touched"] == len(ids) and sorted(every.json()["deviation_ids"]) == sorted(ids)
    undone = client.post("/v1/labels", headers=auth, json={"deviation_id": ids[0], "label": None})
    assert undone.json()["touched"] == len(ids) and undone.json()["corrected_code"] is None


def test_a_correction_overrides_the_prediction_in_statistics_and_is_exported(client, auth, uploaded):
    deviation = uploaded["form_list"][0]["deviations"][0]
    new_code = "coordination" if deviation["code"] != "coordination" else "policy"
    before = client.get("/v1/stats/causes", params={"group_by": "department"}).json()
    count = {r["label"]: r["count"] for r in before["rows"]}
    r = client.post(
        "/v1/labels", headers=auth, json={"deviation_id": deviation["id"], "label": new_code, "who": "审计处 王芳"}
    )
    assert r.status_code == 200 and r.json()["code"] == new_code and r.json()["corrected_by"] == "审计处 王芳"
    touched = r.json()["touched"]  # every deviation of the document with the same text
    after = {
        r["label"]: r["count"] for r in client.get("/v1/stats/causes", params={"group_by": "department"}).json()["rows"]
    }
    assert after[new_code] == count.get(new_code, 0) + touched
    assert after.get(deviation["code"], 0) == count[deviation["code"]] - touched
    exported = client.get("/v1/labels").json()
    assert deviation["id"] in r.json()["deviation_ids"]
    # one exported row per text (the latest of the same-text corrections), with the new code
    assert [e["label"] for e in exported if e["deviation_id"] in r.json()["deviation_ids"]] == [new_code]


def test_unknown_code_is_422_listing_the_valid_codes(client, auth, uploaded):
    deviation_id = uploaded["form_list"][0]["deviations"][0]["id"]
    r = client.post("/v1/labels", headers=auth, json={"deviation_id": deviation_id, "label": "weather"})
    assert r.status_code == 422 and "unknown code 'weather'" in r.text and "schedule" in r.text


def test_unknown_ids_are_404(client, auth):
    assert client.post("/v1/labels", headers=auth, json={"deviation_id": 999999, "label": "system"}).status_code == 404
    assert client.get("/v1/documents/999999").status_code == 404


def test_wrong_types_are_422_naming_the_field(client, auth):
    r = client.post("/v1/labels", headers=auth, json={"deviation_id": "abc", "label": "system"})
    assert r.status_code == 422 and "deviation_id" in r.text
    r = client.get("/v1/stats/causes", params={"group_by": "weather"})
    assert r.status_code == 422 and "group_by" in r.text
    assert client.get("/v1/documents/abc").status_code == 422


def test_write_routes_need_the_key(client, seed_file):
    assert client.post("/v1/labels", json={"deviation_id": 1, "label": "system"}).status_code == 401
    files = {"file": (seed_file.name, seed_file.read_bytes(), "text/plain")}
    assert client.post("/v1/documents", files=files).status_code == 401


def test_unsupported_upload_type_is_415(client, auth):
    r = client.post(
        "/v1/documents", headers=auth, files={"file": ("form.doc", b"\xd0\xcf\x11\xe0", "application/octet-stream")}
    )
    assert r.status_code == 415 and "form.doc" in r.json()["detail"]


def test_a_broken_docx_upload_is_422_naming_the_file(client, auth):
    r = client.post(
        "/v1/documents", headers=auth, files={"file": ("form.docx", b"PK\x03\x04", "application/octet-stream")}
    )
    assert r.status_code == 422 and "form.docx: not a readable .docx" in r.json()["detail"]


@pytest.mark.parametrize("suffix", [".docx", ".xls"])
def test_word_and_old_excel_uploads_are_read_like_xlsx(client, auth, tmp_path, suffix):
    import random

    from tests.support.random_forms import make_form
    from tests.support.render import RENDERERS

    form = make_form(random.Random(f"upload{suffix}"))
    path = RENDERERS[suffix]([form], tmp_path / f"upload{suffix}")
    r = client.post(
        "/v1/documents", headers=auth, files={"file": (path.name, path.read_bytes(), "application/octet-stream")}
    )
    assert r.status_code == 200, r.text
    (stored,) = r.json()["form_list"]
    assert stored["project"] == form.project
    got = sorted((d["indicator"], d["points_lost"]) for d in stored["deviations"])
    assert got == sorted((d.indicator, d.points_lost) for d in form.deviations)


def test_upload_that_is_not_a_form_is_422_naming_the_file_and_stores_nothing(client, auth):
    before = len(client.get("/v1/documents").json())
    r = client.post(
        "/v1/documents",
        headers=auth,
        files={"file": ("notes.txt", "会议纪要：下周一讨论预算。".encode(), "text/plain")},
    )
    assert r.status_code == 422 and "notes.txt" in r.json()["detail"]
    garbage = client.post(
        "/v1/documents", headers=auth, files={"file": ("scan.pdf", b"\x00\x01garbage", "application/pdf")}
    )
    assert garbage.status_code == 422 and "scan.pdf" in garbage.json()["detail"]
    assert len(client.get("/v1/documents").json()) == before


def test_upload_over_the_size_limit_is_413(api_settings, seed_file):
    small = api_settings.model_copy(update={"max_upload_bytes": 1000, "api_key": None})
    with TestClient(create_app(small)) as c:
        r = c.post("/v1/documents", files={"file": (seed_file.name, seed_file.read_bytes(), "text/plain")})
    assert r.status_code == 413 and "limit of 1000 bytes" in r.json()["detail"]


def test_a_stored_summary_out_of_step_is_503_naming_the_table(client, uploaded):
    from sqlalchemy import delete, select

    from nlp.store.models import ProjectSummaryRow, ProjectTotalRow
    from nlp.store.rollup import refresh_project_summary

    store = client.app.state.store
    with store.engine.begin() as c:
        c.execute(delete(ProjectSummaryRow).where(ProjectSummaryRow.rank == 0))
    try:
        r = client.get("/v1/stats/causes", params={"group_by": "project"})
        assert r.status_code == 503
        assert "project_summary_rows is not in step" in r.json()["detail"]
    finally:  # the session's other tests share this database: rebuild what was removed
        with store.transaction() as session:
            refresh_project_summary(session, session.scalars(select(ProjectTotalRow.project)).all())
    assert client.get("/v1/stats/causes", params={"group_by": "project"}).status_code == 200


def test_a_correction_can_be_undone_and_an_unknown_one_is_404(client, auth, uploaded):
    deviation = uploaded["form_list"][1]["deviations"][0]
    code = "policy" if deviation["code"] != "policy" else "system"
    body = {"deviation_id": deviation["id"], "label": code, "who": "王芳"}
    assert client.post("/v1/labels", headers=auth, json=body).status_code == 200
    assert client.delete(f"/v1/labels/{deviation['id']}").status_code == 401  # a write route: the key is needed
    undone = client.delete(f"/v1/labels/{deviation['id']}", headers=auth)
    assert undone.status_code == 200, undone.text
    assert undone.json()["corrected_code"] is None and undone.json()["code"] == deviation["code"]
    assert deviation["id"] not in {e["deviation_id"] for e in client.get("/v1/labels").json()}
    assert client.delete("/v1/labels/999999", headers=auth).status_code == 404
