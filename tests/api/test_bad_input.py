"""Input that once reached a 500 (schema fuzzing, by hand): each is a 4xx naming the field."""

from __future__ import annotations

import pytest

JSON = {"content-type": "application/json"}
TOO_BIG = "9223372036854775808"  # 2**63, one more than SQLite's largest integer


def _multipart(filename: bytes, content: bytes = b"hello") -> tuple[bytes, dict[str, str]]:
    """A multipart body with the filename written as raw bytes (clients percent-encode a NUL; attackers need not)."""
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="file"; filename="'
        + filename
        + b'"\r\nContent-Type: text/plain\r\n\r\n'
        + content
        + b"\r\n--XX--\r\n"
    )
    return body, {"content-type": "multipart/form-data; boundary=XX"}


def _fields(response) -> list[str]:
    return [str(part) for error in response.json()["detail"] for part in error["loc"]]


@pytest.mark.parametrize(
    ("path", "raw", "field"),
    [
        ("/v1/classify", '{"text":"\\ud800系统故障"}', "text"),
        ("/v1/classify/batch", '{"texts":["系统故障","\\ud800系统故障"]}', "texts"),
        ("/v1/classify/batch", '{"texts":"\\ud800系统故障"}', "texts"),  # wrong type: the 422 echoes the input
        ("/v1/labels", '{"deviation_id":1,"label":"system","who":"\\udfff"}', "who"),
        ("/v1/labels", '{"deviation_id":1,"label":"\\ud800"}', "label"),
    ],
)
def test_a_lone_surrogate_is_422_naming_the_field(client, auth, path, raw, field):
    r = client.post(path, content=raw.encode(), headers={**JSON, **auth})
    assert r.status_code == 422, r.text
    assert field in _fields(r)
    assert r.headers["content-type"].startswith("application/json")
    r.content.decode("utf-8")  # the echoed input is still valid UTF-8 JSON
    assert client.get("/healthz").status_code == 200


def test_a_surrogate_in_a_batch_names_the_item(client):
    r = client.post("/v1/classify/batch", content='{"texts":["系统故障","\\ud800"]}'.encode(), headers=JSON)
    assert r.status_code == 422 and "texts[1]" in r.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", f"/v1/documents/{TOO_BIG}", None, "document_id"),
        ("GET", f"/v1/documents?offset={TOO_BIG}", None, "offset"),
        ("POST", "/v1/labels", f'{{"deviation_id":{TOO_BIG},"label":"system"}}', "deviation_id"),
        ("POST", "/v1/labels", f'{{"deviation_id":{TOO_BIG}0000,"label":"system"}}', "deviation_id"),
    ],
)
def test_an_integer_above_2_63_is_422_naming_the_field(client, auth, method, path, body, field):
    r = client.request(method, path, content=body.encode() if body else None, headers={**JSON, **auth})
    assert r.status_code == 422, r.text
    assert field in _fields(r) and "9223372036854775807" in r.text


def test_the_largest_integer_is_an_ordinary_unknown_id(client, auth):
    assert client.get("/v1/documents/9223372036854775807").status_code == 404
    assert client.get("/v1/documents?offset=9223372036854775807").json() == []
    r = client.post("/v1/labels", headers=auth, json={"deviation_id": 2**63 - 1, "label": "system"})
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("filename", "says"),
    [
        (b"a" * 252 + b".txt", "256 bytes long, more than 255"),
        ("系".encode() * 86 + b".txt", "262 bytes long, more than 255"),  # 90 characters, 262 bytes
        (b"form\x00.txt", "contains a NUL character"),
    ],
)
def test_an_upload_name_the_file_system_cannot_hold_is_422_naming_the_field(client, auth, filename, says):
    body, headers = _multipart(filename)
    r = client.post("/v1/documents", content=body, headers={**headers, **auth})
    assert r.status_code == 422, r.text
    assert _fields(r) == ["body", "file"] and says in r.json()["detail"][0]["msg"]


def test_an_upload_name_of_255_bytes_is_read(client, auth):
    body, headers = _multipart(b"a" * 251 + b".txt", "会议纪要：下周一讨论预算。".encode())
    r = client.post("/v1/documents", content=body, headers={**headers, **auth})
    assert r.status_code == 422 and "no 财政项目支出绩效自评表 found" in r.json()["detail"]  # read, not a form


def test_a_retrain_upload_name_over_255_bytes_is_422_naming_the_field(client, auth):
    r = client.post("/v1/retrain", headers=auth, files={"files": ("a" * 300 + ".csv", b"text,label\n", "text/csv")})
    assert r.status_code == 422 and _fields(r) == ["body", "files"]
    assert client.get("/v1/retrain/none").status_code == 404  # and no job was queued for it


@pytest.mark.parametrize("version", ["v" * 256, "v" * 10_000, "20240101\x00"])
def test_a_model_version_that_cannot_exist_is_404_naming_it(client, auth, version):
    from urllib.parse import quote

    got = client.get(f"/v1/models/{quote(version)}")
    assert got.status_code == 404 and "invalid model version" in got.json()["detail"]
    activated = client.post(f"/v1/models/{quote(version)}/activate", headers=auth)
    assert activated.status_code == 404 and "invalid model version" in activated.json()["detail"]
    assert len(got.json()["detail"]) < 200  # the name is cut, not echoed whole


@pytest.mark.parametrize("raw", [b'{"text":', b'{"text": "x",}', b"not json", b'{"texts": [1, 2'])
def test_malformed_json_is_400_saying_where(client, raw):
    r = client.post("/v1/classify", content=raw, headers=JSON)
    assert r.status_code == 400, r.text
    detail = r.json()["detail"]
    assert detail.startswith("body: malformed JSON at character ") and "请求体不是有效的JSON" in detail


def test_json_of_the_wrong_shape_is_still_422(client):
    assert client.post("/v1/classify", content=b'{"text": 5}', headers=JSON).status_code == 422


def test_cjk_extension_b_text_is_classified_not_called_punctuation(client):
    r = client.post("/v1/classify", json={"text": "𠀀𠀁𡈼𪚥系统"})
    assert r.status_code == 200, r.text
    only_ext_b = client.post("/v1/classify", json={"text": "𠀀𠀁𡈼𪚥"})
    assert only_ext_b.status_code == 200, only_ext_b.text
