"""What several command groups print or write: training results, held-out-department figures, tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from nlp.errors import PianchaError
from nlp.taxonomy import load_taxonomy

if TYPE_CHECKING:
    import pandas as pd

    from nlp.training.selection import TrainResult

console = Console()


def print_metrics(title: str, metrics: dict) -> None:
    """Macro-F1, accuracy and the per-code table of one set of figures."""
    taxonomy = load_taxonomy()
    console.print(f"[bold]{title}[/bold]: macro-F1 {metrics['macro_f1']:.4f}, accuracy {metrics['accuracy']:.4f}")
    table = Table("code", "中文名", "precision", "recall", "F1", "n")
    for code, m in metrics["per_code"].items():
        table.add_row(
            code,
            taxonomy.name_zh(code),
            f"{m['precision']:.2f}",
            f"{m['recall']:.2f}",
            f"{m['f1']:.2f}",
            str(m["support"]),
        )
    console.print(table)


def print_transfer(transfer: dict, threshold: float) -> None:
    """The held-out-department figures: every held-out text, the real ones, calibration, coverage at the threshold."""
    from nlp.training.selection import at_threshold

    every, real, calibration = transfer["all"], transfer.get("real"), transfer["calibration"]
    for title, figures in (("real texts, department never seen in training", real), ("all held-out texts", every)):
        if not figures:
            continue
        answered = at_threshold(figures, threshold)
        print_metrics(f"{title} ({figures['n']})", figures)
        console.print(
            f"  at threshold {threshold:.2f}: {answered['coverage']:.1%} answered, "
            f"{(answered['accuracy'] or 0):.1%} of them right"
        )
    console.print(
        f"calibration: temperature {calibration['temperature']}, expected calibration error "
        f"{calibration['ece_uncalibrated']:.3f} → {calibration['ece_calibrated']:.3f}"
    )


def print_train_result(result: TrainResult) -> None:
    """The report of one training run: held-out-department figures, threshold, version, promotion."""
    meta = result.metadata
    console.print(
        f"candidates (held-out-department macro-F1): {meta['candidates_transfer_macro_f1']} → {meta['classifier']}"
    )
    print_transfer(meta["metrics"]["transfer"], meta["abstain_threshold"])
    console.print(f"abstain threshold {meta['abstain_threshold']:.2f}: {meta['abstain_threshold_rule']}")
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
