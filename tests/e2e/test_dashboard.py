"""The dashboard in headless Chromium against a real server: classify, upload, correct, charts, model page."""

from __future__ import annotations

import json
import urllib.request

from tests.e2e.conftest import OLDER, screenshot

SEED_PROJECTS = 11
SYSTEM_TEXT = "翻派单过程中，系统卡顿或人为判断失误，导致部分工单处置延迟。下一步将加强系统维护。"


def _expect():
    from playwright.sync_api import expect

    return expect


def _post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _upload_seed(page, seed_file) -> None:
    page.click("#tab-forms")
    page.set_input_files("#upload-file", str(seed_file))
    page.click("#upload-submit")
    _expect()(page.locator("#forms-table tbody tr")).to_have_count(SEED_PROJECTS, timeout=60_000)


def _open_stats(page, group: str = "project") -> None:
    """Show the 统计 tab and wait until its charts are drawn afresh."""
    before = int(page.get_attribute("#panel-stats", "data-renders") or 0)
    page.click("#tab-stats")
    page.wait_for_function(
        "n => Number(document.getElementById('panel-stats').dataset.renders || 0) > n", arg=before, timeout=30_000
    )
    if page.input_value("#filter-group") != group:
        before += 1
        page.select_option("#filter-group", group)
        page.wait_for_function(
            "n => Number(document.getElementById('panel-stats').dataset.renders || 0) > n", arg=before, timeout=30_000
        )


def _chart_counts(page) -> dict[str, int]:
    """Deviations per code as drawn in the stacked bar chart (the plotly traces of #chart-groups)."""
    return page.evaluate(
        """() => Object.fromEntries(document.getElementById('chart-groups').data
              .map(t => [t.meta, t.x.reduce((a, b) => a + b, 0)]))"""
    )


def test_paste_a_text_and_see_its_code(page, server):
    expected = _post_json(f"{server}/v1/classify", {"text": SYSTEM_TEXT})
    page.fill("#classify-text", SYSTEM_TEXT)
    page.click("#classify-submit")
    expect = _expect()
    expect(page.locator("#classify-result")).to_be_visible()
    expect(page.locator("#result-code")).to_have_text(expected["label"])
    expect(page.locator("#result-name")).to_have_text(expected["label_zh"])
    assert expected["label"] == "system"
    assert page.locator("#ranking-table tbody tr").count() == len(expected["ranking"])
    marked = page.locator("#result-text mark").all_inner_texts()
    assert marked, "no evidence term highlighted in the text"
    assert all(m in SYSTEM_TEXT for m in marked)
    screenshot(page, "1-classify")


def test_upload_the_seed_and_see_eleven_projects_and_bars(page, seed_file):
    _upload_seed(page, seed_file)
    projects = page.locator("#forms-table tbody td.project").all_inner_texts()
    assert len(set(projects)) == SEED_PROJECTS, projects
    rows = page.locator("#deviations-table tbody tr")
    assert rows.count() > 0
    deviation_projects = set(page.locator("#deviations-table tbody td.project").all_inner_texts())
    assert deviation_projects <= set(projects)
    screenshot(page, "2-forms")

    _open_stats(page, "project")
    bars = page.locator("#chart-groups .barlayer path")
    assert bars.count() > 0, "the stacked bar chart drew no bar"
    drawn_projects = page.evaluate("() => document.getElementById('chart-groups').data[0].y")
    assert set(drawn_projects) <= set(projects)
    assert sum(_chart_counts(page).values()) == page.evaluate(
        "() => document.getElementById('chart-groups').data.length && "
        "Array.from(document.querySelectorAll('#stats-table tbody tr td:nth-child(4)')).reduce((s, td) => s + Number(td.textContent), 0)"
    )
    # Points lost per cause: bars, or the note that the form's scores could not be tied to its deviations.
    assert page.locator("#chart-points .barlayer path").count() > 0 or page.locator("#chart-points-empty").is_visible()
    # the seed has one year: a sentence instead of a one-column line chart
    assert page.locator("#chart-trend .scatterlayer .trace").count() > 0 or "一个年度" in page.inner_text(
        "#chart-trend-note"
    )
    screenshot(page, "3-stats")


def test_correct_a_code_and_see_the_chart_change(page, seed_file):
    _upload_seed(page, seed_file)
    _open_stats(page, "project")
    before = _chart_counts(page)

    page.click("#tab-forms")
    row = page.locator("#deviations-table tbody tr").first
    select = row.locator("select")
    old = select.input_value()
    new = "policy" if old != "policy" else "staffing"
    deviation = row.get_attribute("data-deviation")
    text = row.locator("td.text").inner_text()
    same_text = [t for t in page.locator("#deviations-table tbody td.text").all_inner_texts() if t == text]
    select.select_option(new)
    row.locator("button.confirm").click()
    corrected = page.locator(f'#deviations-table tbody tr[data-deviation="{deviation}"]')
    _expect()(corrected.locator(".flag.human")).to_be_visible(timeout=30_000)
    assert corrected.locator("select").input_value() == new
    assert any(kind == "prompt" for kind, _ in page.prompts), "the API key was not asked for on 401"
    flagged = page.eval_on_selector_all(
        "#deviations-table tbody tr",
        "rows => rows.filter(r => r.querySelector('.flag.human')).map(r => r.dataset.deviation)",
    )
    assert deviation in flagged and len(flagged) >= len(same_text)
    screenshot(page, "4-corrected")

    _open_stats(page, "project")
    after = _chart_counts(page)
    assert after.get(new, 0) == before.get(new, 0) + len(same_text), (before, after)
    assert after.get(old, 0) == before.get(old, 0) - len(same_text), (before, after)
    screenshot(page, "5-stats-after-correction")

    # The correction is stored: the document read back shows it.
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click("#tab-forms")
    page.wait_for_function("() => document.querySelectorAll('#document-select option').length > 1")
    page.select_option("#document-select", index=1)
    stored = page.locator(f'#deviations-table tbody tr[data-deviation="{deviation}"] select')
    _expect()(stored).to_have_value(new, timeout=30_000)


def test_filters_and_downloads(page, seed_file, server):
    _upload_seed(page, seed_file)
    _open_stats(page, "department")
    departments = page.locator("#filter-department option").all_inner_texts()
    assert len(departments) >= 2  # 全部 + the seed's department
    csv_href = page.get_attribute("#download-csv", "href")
    xlsx_href = page.get_attribute("#download-xlsx", "href")
    assert "format=csv" in csv_href and "group_by=department" in csv_href
    with page.expect_download() as download:
        page.click("#download-csv")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[0].startswith("分组,代码,原因类别,次数")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert open(download.value.path(), "rb").read(2) == b"PK", f"{xlsx_href} is not an Excel file"

    page.select_option("#filter-year", index=1)
    page.wait_for_function("() => document.getElementById('panel-stats').dataset.loading === 'false'")
    assert "year=" in page.get_attribute("#download-csv", "href")
    screenshot(page, "6-stats-by-department")


def test_model_page_shows_metrics_and_rolls_back(page, trained):
    page.click("#tab-model")
    expect = _expect()
    expect(page.locator("#model-version")).to_have_text(trained.version)
    labels = trained.metadata["metrics"]["transfer"]["all"]["labels"]
    expect(page.locator("#per-code-table tbody tr")).to_have_count(len(labels))
    page.wait_for_selector("#chart-confusion .heatmaplayer")
    expect(page.locator("#versions-table tbody tr")).to_have_count(2)
    screenshot(page, "7-model")

    older = f"{trained.version}-{OLDER}"
    page.click(f'#versions-table button[data-version="{older}"]')
    expect(page.locator("#model-version")).to_have_text(older, timeout=30_000)
    expect(page.locator("#model-badge")).to_contain_text(older)
    screenshot(page, "8-model-rolled-back")

    page.click(f'#versions-table button[data-version="{trained.version}"]')  # leave the server as found
    expect(page.locator("#model-version")).to_have_text(trained.version, timeout=30_000)


def test_tabs_work_from_the_keyboard(page):
    page.focus("#tab-classify")
    page.keyboard.press("ArrowRight")
    _expect()(page.locator("#panel-forms")).to_be_visible()
    assert page.get_attribute("#tab-forms", "aria-selected") == "true"
    page.keyboard.press("End")
    _expect()(page.locator("#panel-model")).to_be_visible()
    assert page.url.endswith("#model")
