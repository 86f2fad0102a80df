"""Report fixtures: the store fixtures (SQLite always, PostgreSQL when a URL is given)."""

from __future__ import annotations

from tests.store.conftest import store, url  # noqa: F401 (fixtures)
