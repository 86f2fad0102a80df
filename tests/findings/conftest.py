"""Findings fixtures: the store fixtures (SQLite always, PostgreSQL when a URL is given) and the stub classifier."""

from __future__ import annotations

from tests.store.conftest import store, stub_model, url  # noqa: F401 (fixtures)
