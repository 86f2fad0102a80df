"""The 审计发现 tab in headless Chromium: counts per unit, the list with links to the forms, marking a verdict."""

from __future__ import annotations

import json
import urllib.request

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import _expect, _upload_seed


def _open_findings(page) -> None:
    """Show the 审计发现 tab and wait until its list is drawn afresh."""
    before = int(page.get_attribute("#panel-findings", "data-renders") or 0)
    page.click("#tab-findings")
    page.wait_for_function(
        "n => Number(document.getElementById('panel-findings').dataset.renders || 0) > n", arg=before, timeout=60_000
    )


def _findings(server: str) -> list[dict]:
    with urllib.request.urlopen(f"{server}/v1/findings?rule=pasted_explanation", timeout=30) as response:
        return json.loads(response.read())["findings"]


def test_the_seed_pasted_text_is_listed_counted_per_unit_and_links_to_its_form(page, seed_file, server):
    _upload_seed(page, seed_file)
    _open_findings(page)
    expect = _expect()
    unit = page.locator('#findings-units tbody tr[data-unit="上海市交通委员会交通指挥中心"]')
    expect(unit).to_have_count(1)
    pasted_count = unit.locator('td[data-rule="pasted_explanation"]').inner_text()
    listed = [f for f in _findings(server) if f["unit"] == "上海市交通委员会交通指挥中心"]
    assert int(pasted_count) == len(listed) >= 1
    row = page.locator("#findings-table tbody tr", has_text="城市维护工程项目").filter(
        has_text="同一说明套用于多个指标"
    )
    expect(row).to_have_count(1)
    for name in ("设备购置完成率", "工程竣工及时性", "机房设施扩容"):
        assert name in row.locator("td.indicators").inner_text()
    assert "6 个三级指标" in row.inner_text()
    screenshot(page, "5-findings")

    row.locator("a.form-link").click()
    expect(page.locator("#panel-forms")).to_be_visible()
    expect(page.locator("#forms-table tbody td.project", has_text="城市维护工程项目")).to_have_count(1)


def test_marking_a_finding_keeps_the_verdict_with_who_and_when(page, seed_file, server):
    _upload_seed(page, seed_file)
    _open_findings(page)
    row = page.locator("#findings-table tbody tr", has_text="城市维护工程项目").filter(
        has_text="同一说明套用于多个指标"
    )
    finding = row.get_attribute("data-finding")
    row.locator('button[data-verdict="confirmed"]').click()
    marked = page.locator(f'#findings-table tbody tr[data-finding="{finding}"]')
    expect = _expect()
    expect(marked.locator(".verdict-status")).to_have_text("已核实", timeout=30_000)
    expect(page.locator("#last-verdict")).to_contain_text("已核实")
    stored = next(f for f in _findings(server) if f["id"] == finding)
    assert stored["verdict"] == "confirmed" and stored["verdict_by"] and stored["verdict_at"]

    _open_findings(page)  # recomputed from the store: the verdict is still there
    expect(page.locator(f'#findings-table tbody tr[data-finding="{finding}"] .verdict-status')).to_have_text("已核实")
    page.locator(f'#findings-table tbody tr[data-finding="{finding}"] button.undo').click()
    expect(marked.locator(".verdict-status")).to_have_text("未核实", timeout=30_000)
    assert next(f for f in _findings(server) if f["id"] == finding)["verdict"] is None
