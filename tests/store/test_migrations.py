"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from nlp.store import open_store
from nlp.store.models import Base


def test_migrated_schema_matches_the_models(url: str) -> None:
    with open_store(url) as store, store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_schema_head_is_alembics_newest_revision() -> None:
    """open_store skips Alembic when a database is at SCHEMA_HEAD, so the constant must name the real head."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from nlp.store.session import MIGRATIONS_DIR, SCHEMA_HEAD

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD

