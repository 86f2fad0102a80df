"""CLI commands over the classifier: train, classify, evaluate.

Training and the labelled-table readers (scikit-learn, pandas) are imported inside the commands that use them,
so that `piancha serve` and `piancha classify` start without them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cli.errors import exits_on_bad_input
from cli.output import console, print_metrics, print_train_result, print_transfer, write_table
from nlp.classify import registry
from nlp.classify.card import Figures, Transfer
from nlp.classify.inference import CauseModel
from nlp.classify.registry import load_model
from nlp.config import get_settings
from nlp.errors import ModelError, PianchaError
from nlp.text import check_text

if TYPE_CHECKING:
    import pandas as pd


app = typer.Typer()
ROWS_PER_PROGRESS_STEP = 500
"""Rows classified between two updates of the progress bar."""


@app.command("train")
@exits_on_bad_input
def train_command(
    paths: list[Path] = typer.Argument(None, help="Extra labelled .csv/.jsonl/.xlsx/.ipynb; their labels win."),
    force: bool = typer.Option(False, "--force", help="Promote even if the held-out-department figures drop."),
    compare: bool = typer.Option(
        False, "--compare", help="Also evaluate LinearSVC+sigmoid and ComplementNB; keep the best (3x slower)."
    ),
) -> None:
    """Train on data/labelled/, the labelled notebooks and PATHS; save a version; promote it if it passes."""
    from nlp.classify.pipeline import CANDIDATES
    from nlp.training.corpus import load_corpus
    from nlp.training.selection import train

    corpus = load_corpus(overrides=paths or [])
    console.print(f"{len(corpus)} labelled examples; evaluating on held-out departments…")
    candidates = CANDIDATES if compare else ("logreg",)
    print_train_result(train(corpus, root=get_settings().model_dir, force=force, candidates=candidates))


def _classify_frame(model: CauseModel, frame: pd.DataFrame, column: str, source: Path) -> pd.DataFrame:
    if column not in frame.columns:
        raise PianchaError(f"{source}: no column {column!r}; columns are {list(frame.columns)} / 缺少文本列")
    texts = frame[column].fillna("").astype(str).tolist()
    for i, text in enumerate(texts):
        check_text(text, where=f"{source}, row {i + 2}, column {column!r}")  # row 1 is the header
    out = {k: [] for k in ("label", "label_zh", "confidence", "label_2", "confidence_2", "cause_text", "measure_text")}
    with Progress(console=Console(stderr=True), disable=len(texts) < 2000) as progress:
        task = progress.add_task("classifying", total=len(texts))
        for start in range(0, len(texts), ROWS_PER_PROGRESS_STEP):
            chunk = texts[start : start + ROWS_PER_PROGRESS_STEP]
            for p in model.classify_batch(chunk, evidence=0):
                second = p.ranking[1] if len(p.ranking) > 1 else None
                out["label"].append(p.label)
                out["label_zh"].append(p.label_zh)
                out["confidence"].append(p.confidence)
                out["label_2"].append(second.label if second else None)
                out["confidence_2"].append(second.confidence if second else None)
                out["cause_text"].append(p.cause_text)
                out["measure_text"].append(p.measure_text)
            progress.advance(task, len(chunk))
    result = frame.copy()
    for key, values in out.items():
        result[key] = values
    return result


@app.command("classify")
@exits_on_bad_input
def classify_command(
    text: str = typer.Argument(None, help="One deviation text."),
    input: Path = typer.Option(None, "--input", help="A .csv/.jsonl/.xlsx file of texts."),
    output: Path = typer.Option(None, "--output", help="Where to write the input plus predictions."),
    text_column: str = typer.Option("text", "--text-column", help="The column holding the texts."),
    as_json: bool = typer.Option(False, "--json", help="Print one text's prediction as JSON."),
) -> None:
    """Classify one text (code, 中文名, confidence, top-3, evidence) or a whole file."""
    if (text is None) == (input is None):
        raise PianchaError("give either a TEXT or --input FILE (with --output FILE) / 请提供文本或输入文件")
    model = load_model(root=get_settings().model_dir)
    if input is not None:
        if output is None:
            raise PianchaError("--input needs --output FILE / 需要指定输出文件")
        from nlp.training.corpus import read_table

        frame = read_table(input)
        write_table(_classify_frame(model, frame, text_column, input), output)
        console.print(f"{len(frame)} rows classified with model {model.version} → {output}")
        return
    p = model.classify(text)
    if as_json:
        typer.echo(json.dumps(p.to_dict(), ensure_ascii=False, indent=2))
        return
    verdict = "abstained → " if p.abstained else ""
    console.print(
        f"[bold]{p.label}[/bold] {p.label_zh}  confidence {p.confidence:.2f}  {verdict}(model {p.model_version})"
    )
    console.print("top-3: " + ", ".join(f"{r.label} {r.label_zh} {r.confidence:.2f}" for r in p.ranking))
    console.print("evidence: " + ", ".join(f"{e.term} ({e.weight:+.3f})" for e in p.evidence))
    console.print(f"cause: {p.cause_text}")
    if p.measure_text:
        console.print(f"measure: {p.measure_text}")


@app.command("evaluate")
@exits_on_bad_input
def evaluate_command(
    input: Path = typer.Option(None, "--input", help="Labelled .csv/.jsonl/.xlsx/.ipynb (columns text, label)."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    curve: bool = typer.Option(
        False, "--learning-curve", help="Macro-F1 when training on growing fractions of the corpus (or of --input)."
    ),
    transfer: bool = typer.Option(
        False, "--transfer", help="The headline: train without each department, score on its texts (the corpus)."
    ),
) -> None:
    """Score the current model on a labelled file, or reproduce the held-out-department evaluation (--transfer)."""
    if transfer:
        return _evaluate_transfer(input, as_json)
    if curve:
        return print_learning_curve(input, as_json)
    if input is None:
        raise PianchaError("evaluate needs --input LABELLED (or --learning-curve) / 需要指定标注文件")
    if not input.is_file():
        raise PianchaError(f"{input}: no such file / 文件不存在")
    from nlp.training.corpus import load_corpus
    from nlp.training.selection import score

    frame = load_corpus([input])
    model = load_model(root=get_settings().model_dir)
    probabilities = model.pipeline.predict_proba(frame["text"].tolist())
    metrics = score(frame["label"].to_numpy(), probabilities, list(model.classes_))
    metrics["n"], metrics["model_version"] = int(len(frame)), model.version
    if as_json:
        typer.echo(json.dumps(metrics, ensure_ascii=False, indent=2))
    else:
        print_metrics(f"{input.name} ({len(frame)} texts, model {model.version})", Figures.model_validate(metrics))


def _evaluate_transfer(extra: Path | None, as_json: bool) -> None:
    """Held-out-department evaluation of the corpus (plus an optional labelled file of real texts)."""
    from nlp.training.corpus import load_corpus
    from nlp.training.selection import evaluate_transfer, headline, shipped_threshold

    corpus = load_corpus(overrides=[extra] if extra else [])
    evaluation = evaluate_transfer(corpus)
    threshold = shipped_threshold(evaluation.metrics)
    if as_json:
        typer.echo(
            json.dumps(
                {"headline": headline(evaluation.metrics, threshold), **evaluation.metrics},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    print_transfer(Transfer.model_validate(evaluation.metrics), threshold)


def _current_classifier() -> str:
    """The classifier of the current model, or logreg when nothing is trained."""
    root = get_settings().model_dir
    version = registry.current_version(root)
    try:
        return (registry.read_card(version, root).classifier or "logreg") if version else "logreg"
    except ModelError:
        return "logreg"


def print_learning_curve(input: Path | None, as_json: bool) -> None:
    """`piancha evaluate --learning-curve`: the curve on the repository corpus (or on --input alone)."""
    if input is not None and not input.is_file():
        raise PianchaError(f"{input}: no such file / 文件不存在")
    from nlp.training.corpus import load_corpus
    from nlp.training.learning_curve import FRACTIONS, attach_to_version, learning_curve, verdict

    corpus = load_corpus([input]) if input is not None else load_corpus()
    kind = _current_classifier()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), disable=as_json) as bar:
        task = bar.add_task(f"learning curve ({kind})", total=len(FRACTIONS) * 5)
        curve = learning_curve(corpus, kind, progress=lambda done, total: bar.update(task, completed=done, total=total))
    card = attach_to_version(curve, corpus, kind, root=get_settings().model_dir) if input is None else None
    if as_json:
        payload = {"classifier": kind, "n_examples": len(corpus), "curve": curve, "verdict": verdict(curve)}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    table = Table("fraction", "training examples", "macro-F1", "±")
    for r in curve:
        table.add_row(f"{r['fraction']:.1f}", str(r["n_train"]), f"{r['macro_f1']:.4f}", f"{r['std']:.4f}")
    console.print(f"[bold]learning curve[/bold] ({kind}, {len(corpus)} examples, mean over the fixed folds)")
    console.print(table)
    console.print(verdict(curve))
    if card is not None:
        console.print(f"added to the model card {card}")
