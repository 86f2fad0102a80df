"""CLI commands over the store and the summaries: ingest, reclassify, summary, label, export-labels, documents."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cli.errors import err_console, exits_on_bad_input
from cli.output import FormatOption, OutputOption, console, output_format, write_table
from cli.output import configured_store as _store
from nlp.classify.registry import load_model
from nlp.config import get_settings
from nlp.errors import PianchaError
from nlp.store import export_labels, ingest_file, list_documents, reclassify, set_label
from nlp.store.stats import BY, Summary, summarise

app = typer.Typer()


def _progress(disable: bool = False) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=disable,
    )


@app.command("ingest")
@exits_on_bad_input
def ingest_command(
    files: list[Path] = typer.Argument(
        ..., help="自评表 files (.txt, .pdf, .xlsx, .xls, .docx); each is stored in one transaction."
    ),
) -> None:
    """Parse, classify and store files; the same file again is a no-op. A file that fails leaves nothing behind."""
    model = load_model(root=get_settings().model_dir)
    failed = 0
    with _store() as store, _progress(disable=len(files) < 2) as progress:
        task = progress.add_task("ingesting", total=len(files))
        for path in files:
            progress.update(task, description=path.name)
            try:
                result = ingest_file(store, path, model)
            except PianchaError as exc:
                failed += 1
                err_console.print(f"error: {exc}", style="red", highlight=False, markup=False)
            else:
                if result.created:
                    progress.console.print(
                        f"{path}: document {result.document_id}, {result.forms} forms, "
                        f"{result.deviations} deviations (model {model.version})",
                        highlight=False,
                        markup=False,
                    )
                for warning in result.warnings:
                    progress.console.print(
                        f"{path}: {warning}" if result.created else warning,
                        style="yellow",
                        highlight=False,
                        markup=False,
                    )
            progress.advance(task)
    if failed:
        raise PianchaError(f"{failed} of {len(files)} files not ingested (nothing stored for them) / 部分文件未导入")


@app.command("reclassify")
@exits_on_bad_input
def reclassify_command(
    force: bool = typer.Option(False, "--force", help="Also re-run deviations already labelled by this model version."),
) -> None:
    """Re-run the current model over stored deviations; human corrections are kept."""
    model = load_model(root=get_settings().model_dir)
    with _store() as store, _progress() as progress:
        task = progress.add_task(f"model {model.version}", total=None)
        result = reclassify(
            store, model, force=force, progress=lambda done, total: progress.update(task, completed=done, total=total)
        )
    console.print(
        f"{result.examined} deviations classified with model {result.model_version}: "
        f"{result.changed} changed code, {result.corrected_kept} human corrections kept",
        highlight=False,
    )


def _points(value: float | None) -> str:
    """Points lost as a number, or — when unknown (never 0)."""
    return "—" if value is None else f"{value:g}"


def _table(summary: Summary) -> None:
    rows = Table(
        "group", "code", "中文名", "count", "share", "points lost", "forms", "example", title=f"by {summary.by}"
    )
    for r in summary.rows:
        example = r.example if len(r.example) <= 40 else r.example[:39] + "…"
        rows.add_row(
            r.group or "（未填）",
            r.label,
            r.label_zh,
            str(r.count),
            f"{r.share:.1%}",
            _points(r.points_lost),
            str(r.forms),
            example,
        )
    console.print(rows)
    groups = Table(
        "group",
        "deviations",
        "forms",
        "points lost",
        "points lost unknown",
        "missing reasons",
        "abstained",
        "abstain rate",
        title="per group",
    )
    for g in summary.groups:
        groups.add_row(
            g.group or "（未填）",
            str(g.deviations),
            str(g.forms),
            _points(g.points_lost),
            str(g.points_lost_unknown),
            str(g.missing_reasons),
            str(g.abstained),
            f"{g.abstain_rate:.1%}",
        )
    console.print(groups)


def _write(summary: Summary, fmt: str, output: Path | None) -> None:
    if fmt == "table":
        _table(summary)
        return
    if fmt == "xlsx":
        summary.to_excel(output)
    else:
        text = (
            json.dumps(summary.to_records(), ensure_ascii=False, indent=2)
            if fmt == "json"
            else summary.to_frame().to_csv(index=False)
        )
        if output is None:
            typer.echo(text, nl=fmt == "json")
            return
        output.write_text(text + ("\n" if fmt == "json" else ""), encoding="utf-8")
    err_console.print(
        f"{len(summary.rows)} rows, {len(summary.groups)} groups → {output}", highlight=False, markup=False
    )


@app.command("summary")
@exits_on_bad_input
def summary_command(
    by: str = typer.Option("department", "--by", help=f"Group by: {'|'.join(BY)}."),
    year: int = typer.Option(None, "--year", help="Only this 年度."),
    department: str = typer.Option(None, "--department", help="Only this 主管部门."),
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Cause frequencies per group: count, share, points lost, forms, an example; missing reasons, abstain rate."""
    fmt = output_format(fmt, output)
    with _store() as store:
        summary = summarise(store, by=by, year=year, department=department)
    _write(summary, fmt, output)


@app.command("label")
@exits_on_bad_input
def label_command(
    deviation_id: int = typer.Argument(..., help="The stored deviation's id."),
    code: str = typer.Argument(None, help="The right cause code (or `none`, like --undo)."),
    who: str = typer.Option(None, "--by", help="Who corrects it (kept with the label); needed with a CODE."),
    undo: bool = typer.Option(False, "--undo", help="Remove the correction: the model's code counts again."),
) -> None:
    """Correct a stored deviation's cause by hand (it overrides the model from now on), or undo a correction."""
    if undo == (code is not None):
        raise PianchaError("give either a CODE or --undo / 请提供类别代码或 --undo")
    removing = undo or code.lower() == "none"
    if not removing and not (who or "").strip():
        raise PianchaError("--by NAME: say who corrects the label / 需要填写修改人")
    with _store() as store:
        info = set_label(store, deviation_id, None if removing else code, who or "cli")
    console.print(
        f"deviation {info.id}: {info.code} {info.label_zh} (model said {info.predicted_code})", highlight=False
    )


@app.command("export-labels")
@exits_on_bad_input
def export_labels_command(
    output: Path = typer.Argument(..., help="Where to write the corrections (.csv, .jsonl or .xlsx)."),
) -> None:
    """Write every human correction as labelled data that `piancha train` reads."""
    with _store() as store:
        frame = export_labels(store)
    write_table(frame, output)
    console.print(f"{len(frame)} corrections → {output}", highlight=False)


@app.command("documents")
@exits_on_bad_input
def documents_command(
    limit: int = typer.Option(50, "--limit", help="How many, newest first."),
) -> None:
    """List ingested files: id, name, when, forms, deviations, model version."""
    with _store() as store:
        docs = list_documents(store, limit=limit)
    table = Table("id", "file", "ingested at", "forms", "deviations", "model", "sha256")
    for d in docs:
        table.add_row(
            str(d.id),
            d.file_name,
            f"{d.ingested_at:%Y-%m-%d %H:%M}",
            str(d.forms),
            str(d.deviations),
            d.model_version or "",
            d.sha256[:12],
        )
    console.print(table)
