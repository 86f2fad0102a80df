"""`piancha findings`, `piancha verdict` and `piancha report` on the seed file, through the real reader."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd

from tests.store.test_cli import piancha  # noqa: F401 (the fixture: a fresh database and the stub model)


def _findings(piancha, *args: str) -> list[dict]:  # noqa: F811
    result = piancha("findings", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("[") :])


def test_findings_on_the_seed_name_the_pasted_form_and_its_six_indicators(piancha, seed_file: Path):  # noqa: F811
    assert piancha("ingest", str(seed_file)).exit_code == 0
    found = [f for f in _findings(piancha) if f["rule"] == "pasted_explanation"]
    by_project = {f["project"]: f for f in found}
    pasted = by_project["城市维护工程项目"]
    assert pasted["title_zh"] == "同一说明套用于多个指标" and len(pasted["indicators"]) == 6
    assert pasted["text"].startswith("由于工程复杂") and pasted["document_id"] == 1
    table = piancha("findings", "--year", "2023")
    assert table.exit_code == 0 and "同一说明套用于多个指标" in table.output and "城市维护工程项目" in table.output
    assert _findings(piancha, "--year", "2022") == []


def test_findings_write_csv_and_excel_and_refuse_a_table_to_a_file(piancha, seed_file: Path, tmp_path: Path):  # noqa: F811
    piancha("ingest", str(seed_file))
    csv = tmp_path / "f.csv"
    assert piancha("findings", "--output", str(csv)).exit_code == 0
    frame = pd.read_csv(csv)
    assert "pasted_explanation" in set(frame["rule"])
    xlsx = tmp_path / "f.xlsx"
    assert piancha("findings", "--output", str(xlsx)).exit_code == 0
    assert openpyxl.load_workbook(xlsx).sheetnames == ["审计发现", "各单位"]
    refused = piancha("findings", "--format", "table", "--output", str(csv))
    assert refused.exit_code == 2 and "error:" in refused.output
    unknown = piancha("findings", "--rule", "nonsense")
    assert unknown.exit_code == 2 and "unknown rule" in unknown.output


def test_a_verdict_is_marked_kept_and_undone_from_the_command_line(piancha, seed_file: Path):  # noqa: F811
    piancha("ingest", str(seed_file))
    finding = next(f for f in _findings(piancha) if f["rule"] == "pasted_explanation")
    no_name = piancha("verdict", finding["id"], "已核实")
    assert no_name.exit_code == 2 and "--by" in no_name.output
    marked = piancha("verdict", finding["id"], "已核实", "--by", "审计员李明")
    assert marked.exit_code == 0 and "已核实" in marked.output
    again = next(f for f in _findings(piancha) if f["id"] == finding["id"])
    assert (again["verdict"], again["verdict_by"]) == ("confirmed", "审计员李明")
    assert piancha("verdict", finding["id"], "--undo").exit_code == 0
    assert next(f for f in _findings(piancha) if f["id"] == finding["id"])["verdict"] is None
    missing = piancha("verdict", "0" * 20, "rejected", "--by", "王芳")
    assert missing.exit_code == 2 and "not found" in missing.output


def test_the_report_command_writes_the_workbook(piancha, seed_file: Path, tmp_path: Path):  # noqa: F811
    piancha("ingest", str(seed_file))
    out = tmp_path / "部门报告.xlsx"
    result = piancha("report", "--department", "上海市交通委员会", "--year", "2023", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames == ["概览", "各单位原因", "审计发现", "偏差明细"]
    wrong = piancha("report", "--department", "上海市交通委员会", "--output", str(tmp_path / "r.csv"))
    assert wrong.exit_code == 2 and ".xlsx" in wrong.output
