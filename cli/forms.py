"""`piancha parse FILE [--json]`: read 自评表 forms into records."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cli.errors import exits_on_bad_input
from nlp.forms import Form, parse_forms

console = Console()
app = typer.Typer()


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _print_form(form: Form, number: int) -> None:
    budget = form.budget
    console.rule(f"[bold]{number}. {form.project}[/bold]")
    console.print(
        f"主管部门 {form.department or '—'}   实施单位 {form.unit or '—'}   年度 {form.year or '—'}",
        highlight=False,
    )
    console.print(
        f"年初预算 {_num(budget.initial)}  全年预算 {_num(budget.full_year)}  "
        f"执行数 {_num(budget.executed)}  执行率 {_num(budget.execution_rate)}%  "
        f"总分 {_num(form.total_score)}  评分等级 {form.grade or '—'}",
        highlight=False,
    )
    table = Table(show_lines=True, expand=True)
    table.add_column("三级指标", ratio=2, overflow="fold")
    table.add_column("扣分", justify="right", ratio=1)
    table.add_column("偏差原因分析及改进措施", ratio=6, overflow="fold")
    for deviation in form.deviations:
        table.add_row(deviation.indicator, _num(deviation.points_lost), deviation.text)
    console.print(table)
    for warning in form.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


@app.command("parse")
@exits_on_bad_input
def parse(
    file: Path = typer.Argument(..., help="A form file: PDF-extracted .txt, .pdf, .xlsx, .xls or .docx."),
    as_json: bool = typer.Option(False, "--json", help="Print the forms as JSON."),
) -> None:
    """Read every 自评表 in FILE: project, budget, indicators, deviation texts, warnings."""
    forms = parse_forms(file)
    if as_json:
        typer.echo(json.dumps([f.to_dict() for f in forms], ensure_ascii=False, indent=2))
        return
    for number, form in enumerate(forms, start=1):
        _print_form(form, number)
    deviations = sum(len(f.deviations) for f in forms)
    tied = sum(f.points_tied for f in forms)
    console.print(
        f"{len(forms)} forms, {deviations} deviation records, points lost known for {tied}, "
        f"unknown (—) for {deviations - tied} / 扣分未知 {deviations - tied} 条",
        highlight=False,
    )
