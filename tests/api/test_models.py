"""Model versions, retraining from an uploaded notebook, rollback, and the swap under load."""

from __future__ import annotations

import threading
import time

import nbformat
import pytest

REVIEWED = [
    ("区级配套资金迟迟未能落实，设备款无法按合同约定时间支付", "funding"),
    ("村级光伏电站监控平台频繁掉线，发电数据无法回传", "system"),
]


def _notebook_bytes() -> bytes:
    table = "text,label,reviewed\n" + "".join(f"{t},{label},yes\n" for t, label in REVIEWED)
    table += "未审核的猜测不应参与训练,policy,\n"
    cell = nbformat.v4.new_raw_cell(table)
    cell.metadata["tags"] = ["labels"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 复核"), cell])
    return nbformat.writes(nb).encode("utf-8")


def _wait(client, job: str, seconds: float = 600) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(f"/v1/retrain/{job}").json()
        if body["status"] in {"done", "failed"}:
            return body
        time.sleep(1)
    raise AssertionError(f"retrain job {job} did not finish in {seconds} s")


def test_models_lists_the_serving_version_with_metrics(client, small_trained):
    """The serving version's summary carries its model card's figures and the threshold it serves with."""
    models = client.get("/v1/models").json()
    serving = [m for m in models if m["serving"]]
    card = small_trained.card
    assert len(serving) == 1 and serving[0]["current"] and serving[0]["version"] == card.version
    assert serving[0]["transfer_macro_f1"] == card.transfer_f1() and serving[0]["n_examples"] == card.n_examples
    assert serving[0]["headline_n"] == card.headline.n and serving[0]["headline_macro_f1"] == card.headline.macro_f1
    assert serving[0]["abstain_threshold"] == card.abstain_threshold


def test_model_detail_has_confusion_matrix(client):
    version = client.get("/readyz").json()["model_version"]
    meta = client.get(f"/v1/models/{version}").json()
    every = meta["metrics"]["transfer"]["all"]
    assert len(every["confusion"]) == len(every["labels"]) == 14


def test_unknown_or_malicious_versions_are_404(client, auth):
    assert client.get("/v1/models/19990101-000000-abcdef").status_code == 404
    assert client.post("/v1/models/nope/activate", headers=auth).status_code == 404
    assert client.post("/v1/models/..%2F..%2Fetc/activate", headers=auth).status_code == 404


def test_write_routes_need_the_api_key(client):
    version = client.get("/readyz").json()["model_version"]
    assert client.post(f"/v1/models/{version}/activate").status_code == 401
    assert client.post(f"/v1/models/{version}/activate", headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.post("/v1/retrain").status_code == 401
    assert client.post("/v1/retrain", headers={"X-API-Key": "钥匙".encode()}).status_code == 401


def test_retrain_upload_of_wrong_type_is_415(client, auth):
    r = client.post(
        "/v1/retrain", headers=auth, files={"files": ("model.pkl", b"\x80\x04junk", "application/octet-stream")}
    )
    assert r.status_code == 415 and "model.pkl" in r.json()["detail"]


def test_unknown_retrain_job_is_404(client):
    assert client.get("/v1/retrain/nope").status_code == 404


@pytest.mark.slow
def test_retrain_with_uploaded_notebook_changes_version_and_activate_rolls_back(
    client, auth, small_trained, on_small_corpus
):
    before = client.get("/readyz").json()["model_version"]
    r = client.post(
        "/v1/retrain?force=true",
        headers=auth,
        files={"files": ("review.ipynb", _notebook_bytes(), "application/x-ipynb+json")},
    )
    assert r.status_code == 202
    outcome = _wait(client, r.json()["job"])
    assert outcome["status"] == "done", outcome
    assert outcome["promoted"] is True and outcome["version"] != before
    assert outcome["metrics"]["n_examples"] == small_trained.metadata["n_examples"] + len(REVIEWED)  # unreviewed unused
    after = client.post("/v1/classify", json={"text": REVIEWED[0][0]}).json()
    assert after["model_version"] == outcome["version"] and after["label"] == "funding"

    results: list[int] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            results.append(client.post("/v1/classify", json={"text": "服务器宕机导致数据丢失"}).status_code)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    rolled = client.post(f"/v1/models/{before}/activate", headers=auth)
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    assert rolled.status_code == 200 and rolled.json()["version"] == before
    assert results and set(results) == {200}
    assert client.post("/v1/classify", json={"text": "系统卡顿"}).json()["model_version"] == before
