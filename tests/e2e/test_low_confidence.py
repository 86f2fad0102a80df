"""Low-confidence rows stand out, and correcting one settles it (a server that abstains on a fifth of the seed)."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.e2e.conftest import running_server, screenshot
from tests.e2e.test_dashboard import _expect, _upload_seed

ABSTAINING_SHARE = 0.2


def strict_threshold(model_root, seed_file) -> float:
    """A threshold the model's confidence on a fifth of the seed deviations falls below (the seed is in its training
    data, so it is sure of most of them)."""
    from nlp.classify.registry import load_model
    from nlp.forms import parse_forms

    texts = [d.text for f in parse_forms(seed_file) for d in f.deviations]
    confidences = sorted(p.confidence for p in load_model(root=model_root).classify_batch(texts, evidence=0))
    return confidences[int(len(confidences) * ABSTAINING_SHARE)]


@pytest.fixture(scope="module")
def strict_server(e2e_model_root, seed_file, tmp_path_factory):
    db = tmp_path_factory.mktemp("e2e-strict-db") / "piancha.sqlite"
    threshold = strict_threshold(e2e_model_root, seed_file)
    with running_server(e2e_model_root, db, "strict-server", PIANCHA_ABSTAIN_THRESHOLD=str(threshold)) as base:
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
    assert abstained, "at the strict threshold some seed deviation should abstain"
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
    row.locator("button.confirm").click()
    _expect()(row.locator(".flag.human")).to_be_visible(timeout=30_000)
    assert "low-confidence" not in (row.get_attribute("class") or "")
