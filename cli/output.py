"""What several command groups share: the console, the configured database, the output format check, and how
training results, held-out-department figures and tables are printed or written."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from nlp.classify.card import Figures, Transfer
from nlp.config import get_settings
from nlp.errors import PianchaError
from nlp.store import Store, open_store

if TYPE_CHECKING:
    import pandas as pd

    from nlp.training.selection import TrainResult

console = Console()
FORMATS = ("table", "csv", "json", "xlsx")
FormatOption = Annotated[
    str | None, typer.Option("--format", help="table|csv|json|xlsx (default: from --output's suffix, else table).")
]
OutputOption = Annotated[Path | None, typer.Option("--output", help="Write to this file instead of the terminal.")]


def configured_store() -> Store:
    """The database the settings name (PIANCHA_DATABASE_URL)."""
    return open_store(get_settings().database_url)


def output_format(fmt: str | None, output: Path | None) -> str:
    """The --format asked for (default: from --output's suffix, else table); an error if it cannot be written."""
    fmt = fmt or (output.suffix.lower().lstrip(".") if output is not None else "table")
    if fmt not in FORMATS:
        raise PianchaError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)} / 不支持的输出格式")
    if fmt == "table" and output is not None:
        raise PianchaError(
            "--format table prints to the terminal; use csv, json or xlsx with --output / 表格仅用于终端"
        )
    if fmt == "xlsx" and output is None:
        raise PianchaError("--format xlsx needs --output FILE.xlsx / 需要指定输出文件")
    return fmt


def print_metrics(title: str, figures: Figures) -> None:
    """Macro-F1, accuracy and the per-code table of one set of figures (as the model card shows them)."""
    from nlp.training.report import PER_CODE_COLUMNS, per_code_rows

    console.print(f"[bold]{title}[/bold]: macro-F1 {figures.macro_f1:.4f}, accuracy {figures.accuracy:.4f}")
    table = Table(*PER_CODE_COLUMNS)
    for row in per_code_rows(figures):
        table.add_row(*row)
    console.print(table)


def print_transfer(transfer: Transfer, threshold: float) -> None:
    """The held-out-department figures: every held-out text, the real ones, calibration, coverage at the threshold."""
    from nlp.training.report import calibration_sentence

    for title, figures in (
        ("real texts, department never seen in training", transfer.real),
        ("all held-out texts", transfer.all),
    ):
        if figures is None:
            continue
        answered = figures.at_threshold(threshold)
        print_metrics(f"{title} ({figures.n})", figures)
        console.print(
            f"  at threshold {threshold:.2f}: {answered.coverage:.1%} answered, "
            f"{(answered.accuracy or 0):.1%} of them right"
        )
    console.print(calibration_sentence(transfer.calibration))


def print_train_result(result: TrainResult) -> None:
    """The report of one training run: held-out-department figures, threshold, version, promotion."""
    card = result.card
    console.print(f"candidates (held-out-department macro-F1): {card.candidates_transfer_macro_f1} → {card.classifier}")
    if card.transfer is not None:
        print_transfer(card.transfer, card.abstain_threshold)
    console.print(f"abstain threshold {card.abstain_threshold:.2f}: {card.abstain_threshold_rule}")
    console.print(f"version {result.version} at {result.path}")
    console.print(
        ("[green]promoted[/green]: " if result.promoted else "[yellow]kept current[/yellow]: ") + result.reason
    )


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as .csv, .jsonl or .xlsx, by the file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8")
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        raise PianchaError(f"{path}: unsupported output type {suffix!r}; use .csv, .jsonl or .xlsx")
