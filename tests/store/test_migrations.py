"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from nlp.store import ingest_forms, open_store, set_label
from nlp.store.models import Base
from nlp.store.session import SCHEMA_HEAD, _alembic_config, stored_revision
from nlp.store.stats import summarise
from tests.store.conftest import StubModel, hand_built_seed, silent_form


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


def test_a_database_at_0001_with_data_gets_its_project_summary_on_open(url: str, tmp_path: Path) -> None:
    """0002 adds the stored by-project summary; a database already holding forms has it filled from them."""
    forms = hand_built_seed()
    forms[2].project = forms[3].project
    forms.append(silent_form())
    with open_store(f"sqlite:///{tmp_path / 'source.sqlite'}") as source:  # the rows ingest writes
        ingest_forms(source, forms, StubModel(), file_name="a.txt")
        ingest_forms(source, hand_built_seed()[:3], StubModel("stub-2"), file_name="b.txt")
        set_label(source, 2, "policy", "王芳")
        expected = summarise(source, by="project")
        with source.engine.connect() as c:
            rows = {t.name: [r._mapping for r in c.execute(t.select())] for t in Base.metadata.sorted_tables}

    engine = create_engine(url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with engine.begin() as connection:
        at_0001 = set(inspect(connection).get_table_names())
        assert "form_causes" in at_0001 and "project_totals" not in at_0001
        for table in Base.metadata.sorted_tables:  # parents first
            if table.name in at_0001 and rows[table.name]:
                connection.execute(table.insert(), rows[table.name])
    engine.dispose()

    with open_store(url) as store:
        assert stored_revision(store.engine) == SCHEMA_HEAD
        assert summarise(store, by="project") == expected
        assert (
            len(expected.groups) == 12 and expected.rows
        )  # the 11 seed projects (one of them twice) and the silent one
