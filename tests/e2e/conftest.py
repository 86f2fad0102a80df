"""End-to-end fixtures: a real uvicorn server on loopback and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.models import install
from tests.support.servers import UVICORN, serving

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = Path(os.environ.get("PIANCHA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
API_KEY = "e2e-key-42"
OLDER = "older"
"""Suffix of a second saved version (a copy of the trained one) so the model page has something to roll back to."""


@pytest.fixture(scope="session")
def e2e_model_root(trained, tmp_path_factory) -> Path:
    """The session's trained model, plus an older copy of it under another version name."""
    older = f"{trained.version}-{OLDER}"
    root = install(trained, tmp_path_factory.mktemp("e2e-models"), trained.version, older)
    meta_file = root / older / "metadata.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    created = datetime.fromisoformat(meta["created_at"]) - timedelta(days=30)
    meta.update(version=older, created_at=created.isoformat(timespec="seconds"))
    meta_file.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return root


@contextmanager
def running_server(model_root: Path, db: Path, name: str, **env: str) -> Iterator[str]:
    """`python -m uvicorn api.main:create_app --factory` on a free loopback port; yields its base URL."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIANCHA_")},
        "PIANCHA_MODEL_DIR": str(model_root),
        "PIANCHA_DATABASE_URL": f"sqlite:///{db}",
        "PIANCHA_API_KEY": API_KEY,
        "PIANCHA_LOAD_SEED": "false",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    with serving(environment, SCREENSHOTS.parent / f"e2e-{name}.log", cwd=ROOT, command=UVICORN) as base:
        yield base


@pytest.fixture(scope="session")
def server(e2e_model_root, tmp_path_factory) -> Iterator[str]:
    """The dashboard's server over a private model directory and an empty SQLite database."""
    db = tmp_path_factory.mktemp("e2e-db") / "piancha.sqlite"
    with running_server(e2e_model_root, db, "server") as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a browser build downloaded by Playwright)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the end-to-end tests need the playwright package: pip install -e '.[test]' / 缺少 playwright")
    if not CHROMIUM.is_file():
        pytest.fail(
            f"the end-to-end tests need Debian's chromium at {CHROMIUM}: run `bash .ci/chromium.sh` "
            "(apt-get install chromium) / 未安装 chromium"
        )
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class PageProblems:
    """What went wrong inside the page: uncaught errors, console errors, requests that left the loopback origin."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.errors: list[str] = []
        self.foreign: list[str] = []

    def request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.base) or url.startswith("data:") or url.startswith("blob:")):
            self.foreign.append(url)


@pytest.fixture
def base_url(server) -> str:
    """The server the `page` fixture opens (a test module may override this fixture)."""
    return server


@pytest.fixture
def page(browser, base_url):
    """A fresh page on the dashboard; prompts get the API key, confirms are accepted; fails on page errors."""
    server = base_url
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    problems = PageProblems(server)
    page.on("pageerror", lambda exc: problems.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda m: m.type == "error" and problems.errors.append(f"console: {m.text}"))
    page.on("request", problems.request)
    page.prompts = []

    def on_dialog(dialog) -> None:
        page.prompts.append((dialog.type, dialog.message))
        dialog.accept(API_KEY if dialog.type == "prompt" else None)

    page.on("dialog", on_dialog)
    page.problems = problems
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready=true]")
    yield page
    context.close()
    assert not problems.foreign, f"the dashboard fetched from outside the server (not offline): {problems.foreign}"
    # 401 on the first write is the API-key round trip the dashboard is built for; anything else is a bug.
    errors = [e for e in problems.errors if "401" not in e]
    assert not errors, f"errors in the page: {errors}"


def screenshot(page, name: str) -> Path:
    """A full-page screenshot under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
