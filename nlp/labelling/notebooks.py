"""Labelling notebooks: the taxonomy, a `labels` table an analyst edits, and counting what was reviewed.

A notebook is labelled when cells tagged `labels` hold its table (nlp.training.corpus reads them back); the review
queue (nlp.labelling.review) and the label audit (nlp.labelling.audit) are both written as one of these.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.errors import PianchaError
from nlp.taxonomy import load_taxonomy

if TYPE_CHECKING:  # pandas and nbformat load with the first notebook, not with the CLI
    import nbformat
    import pandas as pd


def codes_markdown() -> str:
    """The taxonomy as a Markdown table: code, 中文名, definition."""
    taxonomy = load_taxonomy()
    lines = ["| code | 中文名 | definition |", "|---|---|---|"]
    lines += [f"| `{c.code}` | {c.name_zh} | {c.definition.replace('|', '/')} |" for c in taxonomy.causes]
    return "\n".join(lines)


def labels_csv(frame: pd.DataFrame, columns: Sequence[str]) -> str:
    """A table as the CSV source of a `labels` raw cell; commas, quotes and line breaks in texts are quoted."""
    return frame[list(columns)].to_csv(index=False, lineterminator="\n").rstrip("\n")


def labelling_notebook(
    intro: str, table: pd.DataFrame, columns: Sequence[str], after: str = ""
) -> nbformat.NotebookNode:
    """A labelled notebook: an intro, the codes and their definitions, the `labels` CSV cell, an optional note."""
    import nbformat  # loaded when a notebook is written, not with the CLI

    from nlp.training.corpus import LABELS_TAG

    cells = [
        nbformat.v4.new_markdown_cell(intro),
        nbformat.v4.new_markdown_cell("## The codes / 原因代码\n\n" + codes_markdown()),
        nbformat.v4.new_raw_cell(labels_csv(table, columns), metadata={"tags": [LABELS_TAG]}),
    ]
    if after:
        cells.append(nbformat.v4.new_markdown_cell(after))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def checked_output(path: Path, overwrite: bool = False) -> Path:
    """Where to write a labelling notebook: an .ipynb name, and never an existing file unless `overwrite`."""
    path = Path(path)
    if path.suffix.lower() != ".ipynb":
        raise PianchaError(f"{path}: a labelling notebook must be named *.ipynb / 输出文件须为 .ipynb")
    if path.exists() and not overwrite:
        raise PianchaError(f"{path}: already exists (it may hold your edits); choose another --output / 文件已存在")
    return path


def count_reviewed(path: Path) -> tuple[int, int]:
    """(rows marked reviewed, all rows) of a labelled file; a table without a `reviewed` column counts whole."""
    from nlp.training.corpus import REVIEWED_MARKS, read_tables

    reviewed = total = 0
    for table in read_tables(Path(path)):
        columns = [str(c).strip().lower() for c in table.frame.columns]
        total += len(table.frame)
        if "reviewed" not in columns:
            reviewed += len(table.frame)
            continue
        marks = table.frame.iloc[:, columns.index("reviewed")].fillna("").astype(str).str.strip().str.lower()
        reviewed += int(marks.isin(REVIEWED_MARKS).sum())
    return reviewed, total
