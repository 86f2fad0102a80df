"""CLI command: report (the department report workbook)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.errors import err_console, exits_on_bad_input
from cli.output import configured_store
from nlp.errors import PianchaError

app = typer.Typer()


@app.command("report")
@exits_on_bad_input
def report_command(
    department: str = typer.Option(..., "--department", help="The 主管部门 to report on."),
    year: int = typer.Option(None, "--year", help="Only this 年度."),
    output: Path = typer.Option(..., "--output", help="The workbook to write (.xlsx)."),
) -> None:
    """One workbook an auditor can forward: summary with Excel charts, causes per unit, findings, deviations."""
    if output.suffix.lower() != ".xlsx":
        raise PianchaError(f"--output {output}: the report is an Excel workbook; name it .xlsx / 报告须为 .xlsx 文件")
    from nlp.report import SHEETS, write_department_report  # openpyxl and pandas, on first use

    with configured_store() as store:
        write_department_report(store, output, department, year)
    err_console.print(f"{department} report ({', '.join(SHEETS)}) → {output}", highlight=False, markup=False)
