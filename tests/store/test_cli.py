"""The store's commands: ingest, summary in every format, label, export-labels, reclassify, documents."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import cli.store
from cli.main import app
from nlp.config import get_settings
from tests.store.conftest import StubModel

runner = CliRunner()


@pytest.fixture
def piancha(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run `piancha …` against a fresh SQLite file, with the stub model as the current model."""
    monkeypatch.setenv("PIANCHA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("COLUMNS", "200")  # rich tables unwrapped
    get_settings.cache_clear()
    models = iter([StubModel("stub-1"), StubModel("stub-2", rules=[("", "external")])])
    monkeypatch.setattr(cli.store, "load_model", lambda root=None: next(models))

    def run(*args: str):
        return runner.invoke(app, list(args))

    yield run
    get_settings.cache_clear()


def test_ingest_stores_the_seed_once_and_says_so_the_second_time(piancha, seed_file: Path) -> None:
    first = piancha("ingest", str(seed_file))
    assert first.exit_code == 0, first.output
    assert "11 forms" in first.output and "document 1" in first.output
    again = piancha("ingest", str(seed_file))
    assert again.exit_code == 0 and "already ingested as document 1" in again.output
    listing = piancha("documents")
    assert seed_file.name[:20] in listing.output and "stub-1" in listing.output


def test_ingest_reports_a_bad_file_and_still_stores_the_others(piancha, seed_file: Path, tmp_path: Path) -> None:
    result = piancha("ingest", str(tmp_path / "missing.pdf"), str(seed_file))
    assert result.exit_code == 2
    assert "missing.pdf: no such file" in result.output
    assert "1 of 2 files not ingested" in result.output
    assert "11 forms" in result.output


def test_summary_writes_table_csv_json_and_xlsx(piancha, seed_file: Path, tmp_path: Path) -> None:
    piancha("ingest", str(seed_file))
    table = piancha("summary", "--by", "department")
    assert table.exit_code == 0 and "上海市交通委员会" in table.output and "abstain rate" in table.output
    as_json = piancha("summary", "--by", "project", "--format", "json")
    rows = json.loads(as_json.output)
    assert len({r["group"] for r in rows}) == 11
    assert list(rows[0])[:8] == ["group", "label", "label_zh", "count", "share", "points_lost", "forms", "example"]
    csv_path = tmp_path / "s.csv"
    assert piancha("summary", "--by", "project", "--output", str(csv_path)).exit_code == 0
    frame = pd.read_csv(csv_path)
    assert frame["count"].sum() == sum(r["count"] for r in rows)
    xlsx = tmp_path / "s.xlsx"
    assert piancha("summary", "--by", "year", "--format", "xlsx", "--output", str(xlsx)).exit_code == 0
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"summary", "groups"} and list(sheets["groups"]["group"]) == [2023]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--by", "city"), "cannot summarise by 'city'"),
        (("--format", "pdf"), "--format 'pdf': choose one of table, csv, json, xlsx"),
        (("--format", "xlsx"), "--format xlsx needs --output"),
    ],
)
def test_summary_refuses_bad_options(piancha, args: tuple[str, ...], message: str) -> None:
    result = piancha("summary", *args)
    assert result.exit_code == 2 and message in result.output


def test_label_then_export_then_reclassify_keeps_the_correction(piancha, seed_file: Path, tmp_path: Path) -> None:
    piancha("ingest", str(seed_file))
    labelled = piancha("label", "1", "funding", "--by", "王芳")
    assert labelled.exit_code == 0 and "funding 资金支付" in labelled.output
    bad = piancha("label", "1", "money", "--by", "王芳")
    assert bad.exit_code == 2 and "unknown code 'money'" in bad.output
    out = tmp_path / "corrections.csv"
    assert piancha("export-labels", str(out)).exit_code == 0
    assert list(pd.read_csv(out)["label"]) == ["funding"]
    result = piancha("reclassify")
    assert result.exit_code == 0 and "1 human corrections kept" in result.output
    rows = json.loads(piancha("summary", "--format", "json").output)
    assert {r["label"]: r["count"] for r in rows}["funding"] == 1


def test_label_undo_removes_the_correction_and_a_code_needs_a_name(piancha, seed_file: Path, tmp_path: Path) -> None:
    piancha("ingest", str(seed_file))
    assert piancha("label", "1", "funding", "--by", "王芳").exit_code == 0
    anonymous = piancha("label", "2", "funding")
    assert anonymous.exit_code == 2 and "say who corrects the label" in anonymous.output
    both = piancha("label", "1", "funding", "--undo")
    assert both.exit_code == 2 and "either a CODE or --undo" in both.output
    undone = piancha("label", "1", "--undo")
    assert undone.exit_code == 0, undone.output
    out = tmp_path / "corrections.csv"
    assert piancha("export-labels", str(out)).exit_code == 0
    assert pd.read_csv(out).empty
