"""`piancha parse FILE [--json]`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()

INDICATOR_KEYS = {"level1", "level2", "name", "target", "actual", "weight", "score"}
DEVIATION_KEYS = {"indicator", "text", "points_lost"}


def test_parse_json_has_the_documented_keys(seed_file: Path) -> None:
    result = runner.invoke(app, ["parse", str(seed_file), "--json"])
    assert result.exit_code == 0, result.output
    forms = json.loads(result.output)
    assert isinstance(forms, list) and len(forms) == 11
    for form in forms:
        assert {
            "project",
            "department",
            "unit",
            "year",
            "budget",
            "total_score",
            "grade",
            "indicators",
            "deviations",
            "warnings",
        } <= form.keys()
        assert {"initial", "full_year", "executed", "execution_rate"} <= form["budget"].keys()
        assert all(INDICATOR_KEYS <= i.keys() for i in form["indicators"])
        assert all(DEVIATION_KEYS <= d.keys() for d in form["deviations"])
        assert all(isinstance(w, str) for w in form["warnings"])
    second = forms[1]
    assert second["budget"]["initial"] == 1372.0  # "1,372.00" is a number
    assert second["year"] == 2023 and second["total_score"] == 87.9
    assert forms[0]["deviations"][0]["points_lost"] is None  # not tied: null, not a guess
    assert forms[0]["deviations"][-1]["points_lost"] == 3.0  # 机房设施扩容: the one row of its page that lost points


def test_parse_prints_a_readable_table(seed_file: Path) -> None:
    result = runner.invoke(app, ["parse", str(seed_file)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "城市维护工程项目" in result.output and "评分等级 中" in result.output
    assert "11 forms, 60 deviation records, points lost known for 24, unknown (—) for 36" in result.output


def test_parse_unsupported_extension_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text("a,b\n", encoding="utf-8")
    result = runner.invoke(app, ["parse", str(path)])
    assert result.exit_code == 2
    assert "error: form.csv: unsupported file type .csv" in result.output
