"""CLI commands of the labelling loop: review-queue, retrain, audit-labels, and the learning curve of evaluate.

Training, audits and learning curves (scikit-learn, pandas) are imported inside the commands that run them:
every `piancha` command, `piancha serve` among them, loads this module.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table
from sqlalchemy.engine import make_url

from cli.errors import err_console, exits_on_bad_input
from cli.output import console, print_train_result
from nlp.classify.registry import load_model
from nlp.config import get_settings
from nlp.errors import PianchaError
from nlp.labelling.notebooks import checked_output, count_reviewed
from nlp.labelling.review import DEFAULT_LIMIT, read_texts, review_queue, write_queue_notebook
from nlp.store import export_labels, open_store, stored_texts

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer()


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _database_exists(url: str) -> bool:
    """False only for a SQLite file that is not there yet (reading it would create an empty database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return True
    return Path(parsed.database).is_file()


def _stored_corrections() -> pd.DataFrame | None:
    """The human corrections stored in the database (None when there is no database yet)."""
    url = get_settings().database_url
    if not _database_exists(url):
        return None
    with open_store(url) as store:
        return export_labels(store)


@app.command("review-queue")
@exits_on_bad_input
def review_queue_command(
    limit: int = typer.Option(DEFAULT_LIMIT, "--limit", help="How many texts to put in the queue."),
    department: str = typer.Option(None, "--department", help="Only texts of this 主管部门 or 实施单位."),
    input: Path = typer.Option(None, "--input", help="Texts from a .csv/.jsonl/.xlsx file instead of the database."),
    text_column: str = typer.Option("text", "--text-column", help="The column of --input holding the texts."),
    output: Path = typer.Option(None, "--output", help="The notebook to write (default review-queue-<time>.ipynb)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --output file."),
) -> None:
    """Write a labelling notebook of the texts the model is least sure of (abstained first, then smallest margin)."""
    settings = get_settings()
    model = load_model(root=settings.model_dir)
    if input is not None:
        texts, source = read_texts(input, text_column, department), str(input)
    else:
        if not _database_exists(settings.database_url):
            raise PianchaError(
                f"no database at {settings.database_url}; run `piancha ingest` or give --input FILE / 数据库不存在"
            )
        with open_store(settings.database_url) as store:
            texts, source = stored_texts(store, department), f"the database ({store.url})"
    if texts.empty:
        where = f" of {department}" if department else ""
        raise PianchaError(
            f"no texts{where} to review in {source} (corrected deviations are left out) / 没有待审核文本"
        )
    queue = review_queue(model, texts, limit)
    output = output or Path(f"review-queue-{datetime.now():%Y%m%d-%H%M}.ipynb")
    write_queue_notebook(queue, output, model_version=model.version, source=source, overwrite=overwrite)
    table = Table("#", "guess", "confidence", "margin", "text", "indicator")
    for i, row in enumerate(queue.itertuples(), start=1):
        guess = f"{row.guess} (abstained)" if row.abstained else row.guess
        table.add_row(
            str(i), guess, f"{row.confidence:.2f}", f"{row.margin:.2f}", _short(row.text), _short(row.indicator, 24)
        )
    console.print(table)
    console.print(
        f"{len(queue)} of {texts['text'].str.strip().nunique()} distinct texts → {output}\n"
        f"Edit `label`, put yes in `reviewed` for each row you confirmed or changed, then: piancha retrain {output}"
    )


CANDIDATES_HELP = "logreg (logistic regression), svc (LinearSVC + sigmoid), cnb (ComplementNB)"
"""The kinds of nlp.classify.pipeline.CANDIDATES, spelled out so the CLI starts without importing scikit-learn."""


@app.command("retrain")
@exits_on_bad_input
def retrain_command(
    paths: list[Path] = typer.Argument(..., help="Reviewed labelling notebooks (or .csv/.jsonl/.xlsx); they win."),
    force: bool = typer.Option(False, "--force", help="Promote even if the held-out-department figures drop."),
    candidates: str = typer.Option(
        "logreg", "--candidates", help=f"Classifiers to compare, comma-separated: {CANDIDATES_HELP}."
    ),
    stored: bool = typer.Option(True, "--stored/--no-stored", help="Include the corrections stored in the database."),
) -> None:
    """Train on the whole corpus, the stored corrections and the reviewed rows of PATHS, like `piancha train`."""
    from nlp.classify.pipeline import checked_candidates

    kinds = checked_candidates(candidates.split(","), "--candidates")
    for path in paths:
        if not path.is_file():
            raise PianchaError(f"{path}: no such file / 文件不存在")
        reviewed, total = count_reviewed(path)
        style = "yellow" if reviewed == 0 else None
        console.print(f"{path}: {reviewed} of {total} rows reviewed (only those are used)", style=style)
    corrections = _stored_corrections() if stored else None
    if corrections is not None and len(corrections):
        console.print(f"{len(corrections)} corrections stored in the database")
    from nlp.training.corpus import retraining_corpus
    from nlp.training.selection import train

    corpus = retraining_corpus(paths, corrections)
    console.print(f"{len(corpus)} labelled examples; evaluating {', '.join(kinds)} on held-out departments…")
    print_train_result(train(corpus, root=get_settings().model_dir, force=force, candidates=kinds))


def _audit_json(report, top: int) -> str:  # noqa: ANN001 (LabelAudit)
    from nlp.labelling.audit import MIN_EXAMPLES

    def records(frame: pd.DataFrame) -> list[dict]:
        return json.loads(frame.to_json(orient="records", force_ascii=False))

    return json.dumps(
        {
            "classifier": report.kind,
            "n_examples": report.n_examples,
            "issues": records(report.issues(top)),
            "n_issues": int(report.suspects["issue"].sum()),
            "thin_codes": records(report.thin_codes),
            "min_examples": MIN_EXAMPLES,
            "conflicts": records(report.conflicts),
            "measure_heavy": records(report.measure_heavy),
        },
        ensure_ascii=False,
        indent=2,
    )


def _print_audit(report, top: int) -> None:  # noqa: ANN001 (LabelAudit)
    from nlp.labelling.audit import MIN_EXAMPLES

    issues = report.issues(top)
    console.print(
        f"[bold]likely mislabelled[/bold]: {int(report.suspects['issue'].sum())} of {len(report.suspects)} examples "
        f"prefer another code out of fold ({report.kind}); the {len(issues)} least self-confident:"
    )
    table = Table("#", "self-conf.", "label", "suggested", "text", "origin")
    for i, r in enumerate(issues.itertuples(), start=1):
        table.add_row(
            str(i),
            f"{r.self_confidence:.3f}",
            r.label,
            f"{r.suggested} {r.suggested_confidence:.2f}",
            _short(r.text, 40),
            r.origin,
        )
    console.print(table)
    thin = ", ".join(f"{r.code} {r.name_zh} ({r.n})" for r in report.thin_codes.itertuples())
    console.print(f"[bold]codes with fewer than {MIN_EXAMPLES} examples[/bold]: {thin or 'none'}")
    console.print(f"[bold]near-duplicates with different labels[/bold]: {len(report.conflicts)}")
    if len(report.conflicts):
        table = Table("cosine", "label", "text", "other label", "other text")
        for r in report.conflicts.itertuples():
            table.add_row(f"{r.similarity:.2f}", r.label, _short(r.text, 36), r.other_label, _short(r.other_text, 36))
        console.print(table)
    console.print(f"[bold]mostly an improvement measure[/bold]: {len(report.measure_heavy)}")
    if len(report.measure_heavy):
        table = Table("label", "text", "origin")
        for r in report.measure_heavy.itertuples():
            table.add_row(r.label, _short(r.text, 60), r.origin)
        console.print(table)


@app.command("audit-labels")
@exits_on_bad_input
def audit_labels_command(
    paths: list[Path] = typer.Argument(None, help="Extra labelled files (their labels win), as for train."),
    only: bool = typer.Option(False, "--only", help="Audit only PATHS, not the repository corpus."),
    top: int = typer.Option(20, "--top", help="How many likely mislabelled examples to list."),
    classifier: str = typer.Option("logreg", "--classifier", help=f"One of {CANDIDATES_HELP}."),
    output: Path = typer.Option(None, "--output", help="Also write the findings as a labelling notebook (.ipynb)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --output file."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
) -> None:
    """Rank labelled examples by out-of-fold self-confidence; list thin codes, near-duplicate conflicts, measures."""
    from nlp.classify.pipeline import checked_candidates

    (kind,) = checked_candidates([classifier], "--classifier")
    if only and not paths:
        raise PianchaError("--only needs labelled files to audit / 需要指定标注文件")
    from nlp.labelling.audit import audit_labels, audit_notebook
    from nlp.training.corpus import load_corpus

    if output is not None:
        checked_output(output, overwrite)
    corpus = load_corpus(paths) if only else load_corpus(overrides=paths or [])
    err_console.print(f"auditing {len(corpus)} labelled examples ({kind}, out of fold)…")
    report = audit_labels(corpus, kind)
    if output is not None:
        import nbformat

        nbformat.write(audit_notebook(report, corpus, top), str(output))
    if as_json:
        typer.echo(_audit_json(report, top))
    else:
        _print_audit(report, top)
        _print_correction_conflicts()
    if output is not None:
        err_console.print(f"findings to review → {output} (then: piancha retrain {output})")


def _print_correction_conflicts() -> None:
    """Stored corrections that gave one text several codes (the latest is trained on; undo with label --undo)."""
    url = get_settings().database_url
    if not _database_exists(url):
        return
    from nlp.store import correction_conflicts

    with open_store(url) as store:
        conflicts = correction_conflicts(store)
    console.print(
        f"[bold]stored corrections in conflict[/bold]: {len(conflicts)} texts corrected to more than one code "
        "(the latest correction is trained on; `piancha label ID --undo` removes one)"
    )
    for row in conflicts.itertuples():
        console.print(f"  {row.text[:40]} → {', '.join(row.codes)} (deviations {', '.join(map(str, row.deviations))})")
