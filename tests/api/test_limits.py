"""One upload or one client cannot exhaust the server: workbook bombs, slow reads, a flood of retrain jobs."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

import nlp.forms
from api.main import create_app
from tests.forms.test_limits import padded_xml, rebuilt, rows_xml


def slow_read(data: bytes, file_name: str):
    """Stands in for nlp.forms.read_upload in the child process: the seed read, three seconds late."""
    time.sleep(3)
    return nlp.forms.read_upload(data, file_name)


def stuck_read(data: bytes, file_name: str):
    time.sleep(120)


@pytest.fixture(scope="module")
def plain_xlsx(tmp_path_factory):
    import openpyxl

    path = tmp_path_factory.mktemp("plain") / "plain.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "x"
    workbook.save(path)
    return path


@pytest.fixture
def fresh(api_settings, tmp_path):
    """A client of its own (own database), built from the session's settings with some changed."""
    clients = []

    def make(**changes) -> TestClient:
        settings = api_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'own.sqlite'}", **changes})
        client = TestClient(create_app(settings))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _documents(client) -> int:
    return len(client.get("/v1/documents").json())


@pytest.mark.parametrize(
    ("name", "build", "says"),
    [
        ("bomb.xlsx", lambda base, path: rebuilt(base, path, padded_xml(300)), "MiB uncompressed"),
        ("rows.xlsx", lambda base, path: rebuilt(base, path, rows_xml(100_000)), "rows"),
    ],
)
def test_a_workbook_bomb_upload_is_413_naming_the_file_and_quick(client, auth, plain_xlsx, tmp_path, name, build, says):
    data = build(plain_xlsx, tmp_path / name).read_bytes()
    assert len(data) < 2 * 2**20
    before = _documents(client)
    started = time.perf_counter()
    r = client.post("/v1/documents", headers=auth, files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == 413, r.text
    assert r.json()["detail"].startswith(f"{name}: ") and says in r.json()["detail"]
    assert time.perf_counter() - started < 10
    assert _documents(client) == before and client.get("/healthz").status_code == 200


def test_a_workbook_bomb_among_retrain_uploads_is_413_and_queues_nothing(client, auth, plain_xlsx, tmp_path):
    data = rebuilt(plain_xlsx, tmp_path / "labels.xlsx", padded_xml(300)).read_bytes()
    r = client.post("/v1/retrain", headers=auth, files={"files": ("labels.xlsx", data, "application/octet-stream")})
    assert r.status_code == 413 and r.json()["detail"].startswith("labels.xlsx: ")
    assert client.app.state.jobs.pending() == 0


def test_an_upload_past_the_time_limit_is_422_naming_it_and_stores_nothing(fresh, auth, seed_file):
    client = fresh(parse_time_limit=0.01)  # a child cannot even start its interpreter in 10 ms
    files = {"file": (seed_file.name, seed_file.read_bytes(), "text/plain")}
    r = client.post("/v1/documents", headers=auth, files=files)
    assert r.status_code == 422, r.text
    assert (
        r.json()["detail"] == f"{seed_file.name}: not read within the limit of 0.01 s; refused / 文件解析超时，未读取"
    )
    assert _documents(client) == 0


def test_other_requests_are_answered_while_an_upload_is_being_read(fresh, auth, seed_file, monkeypatch):
    client = fresh(parse_time_limit=60)
    monkeypatch.setattr(nlp.forms, "read_upload", slow_read)  # pickled by name: the child runs slow_read
    outcome: dict[str, object] = {}

    def upload() -> None:
        files = {"file": (seed_file.name, seed_file.read_bytes(), "text/plain")}
        outcome["response"] = client.post("/v1/documents", headers=auth, files=files)
        outcome["done"] = time.perf_counter()

    thread = threading.Thread(target=upload)
    started = time.perf_counter()
    thread.start()
    time.sleep(0.5)
    answered = []
    while thread.is_alive() and time.perf_counter() - started < 2.5:
        assert client.get("/healthz").status_code == 200
        assert client.post("/v1/classify", json={"text": "系统故障"}).status_code == 200
        answered.append(time.perf_counter())
    thread.join(60)
    # Several answers, every one of them before the upload finished: the upload held nothing up.
    assert len(answered) >= 3 and max(answered) < outcome["done"]
    assert outcome["done"] - started >= 3  # the upload took its three seconds …
    assert outcome["response"].status_code == 200 and outcome["response"].json()["forms"] == 11  # … and was stored


def test_a_stuck_reader_is_stopped_at_the_limit(fresh, auth, seed_file, monkeypatch):
    client = fresh(parse_time_limit=2)
    monkeypatch.setattr(nlp.forms, "read_upload", stuck_read)
    started = time.perf_counter()
    r = client.post("/v1/documents", headers=auth, files={"file": ("stuck.txt", seed_file.read_bytes(), "text/plain")})
    assert r.status_code == 422 and r.json()["detail"].startswith("stuck.txt: not read within the limit of 2 s")
    assert time.perf_counter() - started < 10


def test_retrain_jobs_beyond_one_running_and_the_queue_are_429(fresh, auth, monkeypatch):
    client = fresh(retrain_queue=2)
    jobs = client.app.state.jobs
    release = threading.Event()

    def held(job, force):  # stands in for a training run: holds the worker until released
        job.status = "running"
        release.wait(60)
        job.status = "done"

    monkeypatch.setattr(jobs, "_run", held)
    try:
        accepted = [client.post("/v1/retrain", headers=auth) for _ in range(3)]
        assert [r.status_code for r in accepted] == [202, 202, 202]  # one running, two queued
        refused = client.post("/v1/retrain", headers=auth, files={"files": ("review.csv", b"text,label\n", "text/csv")})
        assert refused.status_code == 429, refused.text
        detail = refused.json()["detail"]
        assert "one job running and 2 queued" in detail and "重新训练队列已满" in detail
        assert refused.headers["retry-after"] == "60"
        assert len(jobs.jobs) == 3  # the refused one left no job behind
    finally:
        release.set()
    deadline = time.monotonic() + 30
    while jobs.pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert jobs.pending() == 0
    assert client.post("/v1/retrain", headers=auth).status_code == 202  # room again once they finished
