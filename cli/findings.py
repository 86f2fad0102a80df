"""CLI commands over the audit findings: findings (list them), verdict (mark one 已核实 / 不成立)."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from cli.errors import err_console, exits_on_bad_input
from cli.output import FormatOption, OutputOption, configured_store, console, output_format
from nlp.errors import PianchaError
from nlp.findings import RULES_ZH, VERDICTS_ZH, Findings

app = typer.Typer()


def _table(result: Findings) -> None:
    units = Table("实施单位", "合计", *RULES_ZH.values(), "未说明真实原因比例", title="各单位审计发现")
    for u in result.units:
        rate = "—" if u.no_cause_rate is None else f"{u.no_cause_rate:.1%}"
        units.add_row(u.unit or "（未填）", str(u.total), *(str(u.by_rule[r]) for r in RULES_ZH), rate)
    console.print(units)
    rows = Table("id", "审计发现", "实施单位", "项目", "年度", "指标", "依据", "核实", title="审计发现")
    for f in result.findings:
        indicators = "、".join(f.indicators)
        rows.add_row(
            f.id,
            f.title_zh,
            f.unit or "（未填）",
            f.project or "—",
            "—" if f.year is None else str(f.year),
            indicators if len(indicators) <= 40 else indicators[:39] + "…",
            f.evidence,
            f.verdict_zh or "",
        )
    console.print(rows)


@app.command("findings")
@exits_on_bad_input
def findings_command(
    department: str = typer.Option(None, "--department", help="Only this 主管部门."),
    year: int = typer.Option(None, "--year", help="Only this 年度 (a repeated promise: the year it is repeated in)."),
    rule: list[str] = typer.Option(None, "--rule", help=f"Only these rules: {'|'.join(RULES_ZH)}."),
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Audit findings computed from what is stored: pasted texts, repeated promises, reasons against the numbers."""
    from nlp.findings import find_findings, findings_frame, write_findings_excel  # pandas, on first use

    fmt = output_format(fmt, output)
    with configured_store() as store:
        result = find_findings(store, department=department, year=year, rules=rule or None)
    if fmt == "table":
        _table(result)
        return
    if fmt == "xlsx":
        write_findings_excel(result, output)
    else:
        text = (
            json.dumps([f.to_dict() for f in result.findings], ensure_ascii=False, indent=2)
            if fmt == "json"
            else findings_frame(result).to_csv(index=False)
        )
        if output is None:
            typer.echo(text, nl=fmt == "json")
            return
        output.write_text(text + ("\n" if fmt == "json" else ""), encoding="utf-8")
    err_console.print(f"{len(result.findings)} findings → {output}", highlight=False, markup=False)


VERDICT_WORDS = {**{code: code for code in VERDICTS_ZH}, **{zh: code for code, zh in VERDICTS_ZH.items()}}


@app.command("verdict")
@exits_on_bad_input
def verdict_command(
    finding_id: str = typer.Argument(..., help="The finding's id (see `piancha findings`)."),
    verdict: str = typer.Argument(None, help="confirmed (已核实) or rejected (不成立)."),
    who: str = typer.Option(None, "--by", help="Who gives the verdict (kept with it); needed with a VERDICT."),
    note: str = typer.Option(None, "--note", help="Why, in a sentence (kept with the verdict)."),
    undo: bool = typer.Option(False, "--undo", help="Remove the verdict."),
) -> None:
    """Mark an audit finding 已核实 (confirmed) or 不成立 (rejected); kept with who and when, across recomputation."""
    if undo == (verdict is not None):
        raise PianchaError("give either a VERDICT (confirmed|rejected) or --undo / 请提供核实结论或 --undo")
    code = None if undo else VERDICT_WORDS.get(verdict)
    if not undo and code is None:
        raise PianchaError(f"verdict {verdict!r}: use confirmed (已核实) or rejected (不成立) / 未知的核实结论")
    if code is not None and not (who or "").strip():
        raise PianchaError("--by NAME: say who gives the verdict / 需要填写核实人")
    from nlp.findings import set_verdict

    with configured_store() as store:
        finding = set_verdict(store, finding_id, code, who or "cli", note)
    console.print(
        f"{finding.id} {finding.title_zh}（{finding.unit}）: {finding.verdict_zh or '未核实'}", highlight=False
    )
