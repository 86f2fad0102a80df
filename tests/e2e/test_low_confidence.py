"""Low-confidence rows stand out, and correcting one settles it (a server that abstains below 0.9)."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.e2e.conftest import running_server, screenshot
from tests.e2e.test_dashboard import _expect, _upload_seed

STRICT_THRESHOLD = 0.9


@pytest.fixture(scope="module")
def strict_server(e2e_model_root, tmp_path_factory):
    db = tmp_path_factory.mktemp("e2e-strict-db") / "piancha.sqlite"
    with running_server(e2e_model_root, db, "strict-server", PIANCHA_ABSTAIN_THRESHOLD=str(STRICT_THRESHOLD)) as base:
        yield base


@pytest.fixture
def base_url(strict_server) -> str:
    return strict_server


def _deviations(base: str) -> list[dict]:
    with urllib.request.urlopen(f"{base}/v1/documents", timeout=30) as response:
        document_id = json.loads(response.read())[0]["id"]
    with urllib.request.urlopen(f"{base}/v1/documents/{document_id}", timeout=30) as response:
        return [d for f in json.loads(response.read())["form_list"] for d in f["deviations"]]


def test_low_confidence_rows_stand_out_and_a_correction_settles_one(page, strict_server, seed_file):
    _upload_seed(page, seed_file)
    deviations = _deviations(strict_server)
    abstained = {str(d["id"]) for d in deviations if d["abstained"]}
    assert abstained, "at a 0.9 threshold some seed deviation should abstain"
    flagged = set(
        page.eval_on_selector_all("#deviations-table tr.low-confidence", "rows => rows.map(r => r.dataset.deviation)")
    )
    assert abstained <= flagged
    row = page.locator(f'#deviations-table tr[data-deviation="{sorted(abstained, key=int)[0]}"]')
    _expect()(row.locator(".flag")).to_have_text("低置信度，请复核")
    assert row.locator("select").input_value() == "other"
    assert "弃权" in row.locator("td").nth(4).inner_text()
    background = row.locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), background
    page.check("#only-low")
    visible = page.eval_on_selector_all(
        "#deviations-table tbody tr", "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.deviation)"
    )
    assert set(visible) == flagged
    screenshot(page, "9-low-confidence")
    page.uncheck("#only-low")

    row.locator("select").select_option("schedule")
    _expect()(row.locator(".flag.human")).to_be_visible(timeout=30_000)
    assert "low-confidence" not in (row.get_attribute("class") or "")
