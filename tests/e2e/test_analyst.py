"""The dashboard as an analyst meets it (issue 12): nothing leaves the machine, Chinese words, explicit corrections
that apply to every deviation with the same text, and a phone-sized page that never scrolls sideways."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard import _chart_counts, _expect, _open_stats, _upload_seed

TABS = ["classify", "forms", "stats", "findings", "model"]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
SAMPLE = "由于工程复杂，需补充完成地质勘探报告和施工图设计，因此项目于12月才完成工程招标。后续计划于2024年正式开工。"
ALLOWED_WORDS = {"piancha", "CSV", "Excel", "PNG", "F1", "API", "Key", "X-API-Key", "txt", "pdf", "xlsx", "n"}
"""Latin words the dashboard may show outside code columns: the product, file formats, F1 and the API key's header."""


def _show_everything(page, seed_file) -> None:
    """Every tab with something on it: a classified text, the seed document, the charts and the model page."""
    page.fill("#classify-text", SAMPLE)
    page.click("#classify-submit")
    _expect()(page.locator("#classify-result")).to_be_visible()
    _upload_seed(page, seed_file)
    _open_stats(page, "project")
    page.click("#tab-findings")
    page.wait_for_selector("#findings-table tbody tr")
    page.click("#tab-model")
    page.wait_for_selector("#chart-confusion .heatmaplayer")


def _visible_latin_words(page) -> list[str]:
    """Latin words in the visible text, tooltips and chart labels of the page, outside <code> and code columns.

    Tooltips marked `.details` hold the server's own message for whoever needs it (the sentence beside is Chinese).
    """
    return page.evaluate(
        r"""() => {
          const skip = (n) => n.closest('code, .code-col, script, style, [hidden], .sr-only');
          const words = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const p = n.parentElement;
            if (!p || skip(p) || !p.getClientRects().length) continue;
            words.push(...(n.textContent.match(/[A-Za-z][A-Za-z0-9_-]*/g) || []));
          }
          for (const e of document.querySelectorAll('[title], [data-title], [aria-label], [placeholder]')) {
            if (skip(e) || e.matches('.details')) continue;
            for (const a of ['title', 'data-title', 'aria-label', 'placeholder']) {
              words.push(...((e.getAttribute(a) || '').match(/[A-Za-z][A-Za-z0-9_-]*/g) || []));
            }
          }
          return words;
        }"""
    )


def test_nothing_on_the_page_can_send_data_off_the_machine(page, seed_file, server):
    _show_everything(page, seed_file)
    for tab in TABS:
        page.click(f"#tab-{tab}")
        targets = page.evaluate(
            """() => [...document.querySelectorAll('a[href], form[action], iframe, img[src], link[href], script[src]')]
                 .map(e => e.href || e.action || e.src)"""
        )
        assert all(t.startswith(server) or t.startswith("data:") for t in targets), targets
    # plotly: no "send to cloud", no Chart Studio link, and only the PNG download left on the mode bar
    for chart in ("chart-groups", "chart-points", "chart-trend", "chart-confusion"):
        config = page.evaluate(
            """id => { const gd = document.getElementById(id); return gd && gd._context ?
                 {cloud: gd._context.showSendToCloud, studio: gd._context.showEditInChartStudio,
                  link: gd._context.showLink} : null }""",
            chart,
        )
        if config is not None:
            assert not any(config.values()), (chart, config)  # False, or a button this plotly no longer has
    page.click("#tab-stats")
    page.hover("#chart-groups")
    titles = page.eval_on_selector_all(".modebar-btn", "bs => bs.map(b => b.getAttribute('data-title'))")
    assert titles and set(titles) == {"下载为 PNG 图片"}, titles
    assert not page.locator("text=/Share|Chart Studio|plotly\\.com|Edit in/i").count()


def test_no_english_word_outside_code_columns(page, seed_file):
    _show_everything(page, seed_file)
    data_words = set(re.findall(r"[A-Za-z][A-Za-z0-9_-]*", seed_file.read_text(encoding="utf-8")))  # e.g. ETC
    found: Counter[str] = Counter()
    for tab in [*TABS, "categories"]:
        if tab == "categories":
            page.click("#categories-link")
            _expect()(page.locator("#categories-table tbody tr").first).to_be_visible()
        else:
            page.click(f"#tab-{tab}")
        if tab == "stats":
            page.hover("#chart-groups")
        found.update(
            w
            for w in _visible_latin_words(page)
            if w not in ALLOWED_WORDS and w not in data_words and not re.search(r"\d", w)  # ids, hashes, files
        )
    assert not found, f"English words on the dashboard: {found.most_common(30)}"


def test_arrow_down_on_a_deviation_dropdown_sends_nothing_and_enter_confirms(page, seed_file):
    _upload_seed(page, seed_file)
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and "/v1/labels" in r.url and posts.append(r.url))
    row = page.locator("#deviations-table tbody tr").first
    deviation = row.get_attribute("data-deviation")
    select = row.locator("select")
    before = select.input_value()
    select.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(800)
    assert posts == [], "ArrowDown on a closed dropdown sent a correction"
    assert page.evaluate("() => document.activeElement.tagName") == "SELECT"
    if select.input_value() == before:  # the platform did not move the choice: pick one by hand
        select.select_option(
            index=1 if select.input_value() != select.locator("option").nth(1).get_attribute("value") else 0
        )
    assert not row.locator("button.confirm").is_disabled()
    page.keyboard.press("Enter")
    corrected = page.locator(f'#deviations-table tbody tr[data-deviation="{deviation}"]')
    _expect()(corrected.locator(".flag.human")).to_be_visible(timeout=30_000)
    assert len(posts) == 1
    assert "模型答案" in corrected.locator("td.code").inner_text()
    page.click("#undo-label")
    _expect()(corrected.locator(".flag.human")).to_have_count(0, timeout=30_000)
    assert corrected.locator("select").input_value() == before


def test_a_correction_of_a_repeated_text_changes_the_chart_by_that_many(page, seed_file):
    _upload_seed(page, seed_file)
    texts = Counter(t for t in page.locator("#deviations-table tbody td.text").all_inner_texts() if t.strip())
    text, n = texts.most_common(1)[0]
    assert n > 1, "the seed should have one text under several indicators"
    rows = page.locator("#deviations-table tbody tr").filter(has=page.locator("td.text", has_text=text))
    row = rows.first
    old = row.locator("select").input_value()
    new = "policy" if old != "policy" else "staffing"
    _open_stats(page, "project")
    before = _chart_counts(page)
    page.click("#tab-forms")
    assert f"{n} 条" in row.locator("td.code").inner_text()
    row.locator("select").select_option(new)
    with page.expect_response(lambda r: "/v1/labels" in r.url and r.request.method == "POST") as answer:
        row.locator("button.confirm").click()
    assert answer.value.json()["touched"] == n
    _expect()(page.locator("#status")).to_contain_text(f"已更正 {n} 条偏差")
    _open_stats(page, "project")
    after = _chart_counts(page)
    assert after.get(new, 0) == before.get(new, 0) + n, (before, after)
    assert after.get(old, 0) == before.get(old, 0) - n, (before, after)
    page.click("#tab-forms")
    page.click("#undo-label")
    _expect()(page.locator("#last-correction")).to_contain_text("已撤销")


def test_the_last_document_reopens_and_an_empty_low_confidence_filter_says_so(page, seed_file):
    _upload_seed(page, seed_file)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.click("#tab-forms")
    _expect()(page.locator("#deviations-table tbody tr").first).to_be_visible()
    if page.locator("#deviations-table tr.low-confidence").count() == 0:
        page.check("#only-low")
        _expect()(page.locator("#only-low-empty")).to_be_visible()


@pytest.mark.parametrize("size", list(SIZES))
def test_every_tab_fits_the_viewport_and_is_photographed(page, seed_file, size):
    _show_everything(page, seed_file)
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    for tab in TABS:
        page.click(f"#tab-{tab}")
        page.wait_for_timeout(400)  # plotly redraws at the new size
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        if size == "phone":
            assert scroll <= width, f"{tab}: the page is {scroll} px wide at {width} px"
        screenshot(page, f"issue12-{size}-{tab}")


def test_text_has_no_english_in_status_after_a_bad_request(page):
    page.fill("#classify-text", "，。")
    page.click("#classify-submit")
    status = page.locator("#status")
    _expect()(status).to_have_class(re.compile("error"))
    assert not re.search(r"[A-Za-z]{3,}", status.inner_text()), status.inner_text()
    assert status.get_attribute("title")
    # the refused request itself is what this test is about, not a page error
    page.problems.errors[:] = [e for e in page.problems.errors if "422" not in e]
