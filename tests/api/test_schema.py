"""The OpenAPI document is true: a schema-based fuzzer (schemathesis) finds no 5xx and no answer that breaks it.

Bounded for CI: a fixed number of examples per operation and a fixed seed. Write routes run against a database of
their own with the key configured and given, so the fuzzer reaches the routes' own validation.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app
from tests.api.conftest import API_KEY

EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
"""No 5xx, and every status, content type and body declared. (Not schemathesis's positive-data check: a text of
punctuation only fits the schema's string and is rightly refused with 422, which is declared.)"""


@pytest.fixture(scope="module")
def fuzzed_app(api_settings, tmp_path_factory):
    db = tmp_path_factory.mktemp("schema-db") / "schema.sqlite"
    app = create_app(api_settings.model_copy(update={"database_url": f"sqlite:///{db}", "retrain_queue": 0}))
    with TestClient(app):  # runs the lifespan: model and database loaded
        yield app


@pytest.fixture(scope="module")
def api_schema(fuzzed_app):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.exclude(method="POST", path="/v1/retrain").parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_5xx_or_an_answer_the_schema_does_not_declare(case):
    case.call_and_validate(headers={"X-API-Key": API_KEY}, checks=CHECKS)


def test_every_write_route_declares_401_and_every_id_route_404(fuzzed_app):
    paths = fuzzed_app.openapi()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            responses = set(operation["responses"])
            if method == "post" and path not in ("/v1/classify", "/v1/classify/batch"):
                assert "401" in responses, (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
    assert {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(
        paths["/v1/stats/causes"]["get"]["responses"]["200"]["content"]
    )
    assert "429" in paths["/v1/retrain"]["post"]["responses"]
