"""Loading labelled examples from CSV, JSONL, Excel and labelled notebooks, with validation."""

from __future__ import annotations

import io
import logging
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nlp.errors import LabelDataError
from nlp.paths import labelled_dir, notebooks_dir
from nlp.taxonomy import load_taxonomy

log = logging.getLogger(__name__)

LABELS_TAG = "labels"
COLUMNS = ["text", "label", "secondary", "source", "sector", "level", "origin"]
REVIEWED_MARKS = {"1", "true", "yes", "y", "x", "✓", "✔", "是", "已审核", "reviewed"}
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


@dataclass(frozen=True)
class LabelledTable:
    """One table of labels as found in a file: its rows and where it came from."""

    frame: pd.DataFrame
    where: str


def _markdown_table(source: str, where: str) -> pd.DataFrame:
    """Parse the first Markdown pipe table in a cell."""
    lines = [ln.strip() for ln in source.splitlines() if ln.strip().startswith("|")]
    if len(lines) < 2 or not _TABLE_SEPARATOR.match(lines[1]):
        raise LabelDataError(f"{where}: no Markdown table (header, ---, rows) found / 未找到表格")

    def cells(line: str) -> list[str]:
        return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip("|"))]

    header = cells(lines[0])
    rows = [cells(ln) for ln in lines[2:]]
    for i, row in enumerate(rows, start=1):
        if len(row) != len(header):
            raise LabelDataError(f"{where}, row {i}: {len(row)} cells but the header has {len(header)} / 列数不符")
    return pd.DataFrame(rows, columns=header, dtype=str)


def read_notebook_tables(path: Path) -> list[LabelledTable]:
    """The `labels`-tagged cells of a notebook (read as JSON with nbformat, never executed)."""
    import nbformat  # with its JSON-schema validators, a tenth of a second nobody starting the service needs

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types on bad JSON
        raise LabelDataError(f"{path}: not a readable notebook / 无法读取笔记本: {exc}") from None
    tables = []
    for index, cell in enumerate(nb.cells, start=1):
        if LABELS_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        where = f"{path.name}, cell {index}"
        if cell.cell_type == "markdown":
            frame = _markdown_table(cell.source, where)
        else:
            try:
                frame = pd.read_csv(io.StringIO(cell.source), dtype=str, keep_default_na=False)
            except Exception as exc:
                raise LabelDataError(f"{where}: not a CSV table / 不是CSV表格: {exc}") from None
        tables.append(LabelledTable(frame, where))
    return tables


TABLE_TYPES = (".csv", ".jsonl", ".xlsx")


def read_table(path: Path) -> pd.DataFrame:
    """A .csv, .jsonl or .xlsx table, every cell as text; unreadable files raise LabelDataError naming the file."""
    suffix = path.suffix.lower()
    if suffix not in TABLE_TYPES:
        raise LabelDataError(f"{path}: unsupported table type {suffix!r}; use {', '.join(TABLE_TYPES)} / 不支持的类型")
    if not path.is_file():
        raise LabelDataError(f"{path}: no such file / 文件不存在")
    try:
        if suffix == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if suffix == ".jsonl":
            return pd.read_json(path, lines=True, dtype=str)
        return pd.read_excel(path, dtype=str).fillna("")
    except Exception as exc:
        raise LabelDataError(f"{path}: cannot be read / 无法读取: {exc}") from None


def read_tables(path: Path) -> list[LabelledTable]:
    """The labelled tables of one file (.csv, .jsonl, .xlsx or .ipynb)."""
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        return read_notebook_tables(path)
    if suffix not in TABLE_TYPES:
        raise LabelDataError(f"{path}: unsupported labelled-data type {suffix!r}; use .csv, .jsonl, .xlsx or .ipynb")
    return [LabelledTable(read_table(path), path.name)]


def _validated_rows(table: LabelledTable) -> pd.DataFrame:
    """Check one table's columns and codes; keep reviewed rows; name file, cell and row on error."""
    frame = table.frame.fillna("")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for needed in ("text", "label"):
        if needed not in frame.columns:
            raise LabelDataError(f"{table.where}: no column {needed!r} / 缺少列 {needed}")
    codes = set(load_taxonomy().codes)
    out = []
    for i, row in enumerate(frame.to_dict("records"), start=1):
        where = f"{table.where}, row {i}"
        if "reviewed" in frame.columns and str(row["reviewed"]).strip().lower() not in REVIEWED_MARKS:
            continue
        text = str(row["text"]).strip()
        label = str(row["label"]).strip()
        if not text:
            raise LabelDataError(f"{where}: empty text / 文本为空")
        if label not in codes:
            raise LabelDataError(f"{where}: unknown code {label!r}; valid codes: {', '.join(sorted(codes))} / 未知代码")
        secondary = [s.strip() for s in str(row.get("secondary", "")).split("|") if s.strip()]
        bad = [s for s in secondary if s not in codes]
        if bad:
            raise LabelDataError(f"{where}: unknown secondary code(s) {bad} / 未知次要代码")
        out.append(
            {
                "text": text,
                "label": label,
                "secondary": "|".join(secondary),
                "source": str(row.get("source", "")).strip() or "unknown",
                "sector": str(row.get("sector", "")).strip(),
                "level": str(row.get("level", "")).strip(),
                "origin": where,
            }
        )
    return pd.DataFrame(out, columns=COLUMNS)


def _merge_layer(tables: Iterable[LabelledTable]) -> pd.DataFrame:
    """Rows of one layer; the same text with two different labels is an error."""
    frames = [_validated_rows(t) for t in tables]
    layer = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    conflicts = layer.groupby("text")["label"].nunique()
    for text in conflicts[conflicts > 1].index:
        rows = layer[layer["text"] == text]
        places = "; ".join(f"{o} → {lab}" for o, lab in zip(rows["origin"], rows["label"]))
        raise LabelDataError(f"conflicting labels for the same text {text[:40]!r}: {places} / 标注冲突")
    return layer.drop_duplicates("text", keep="first")


def default_sources() -> list[Path]:
    """Every labelled file of the repository: data/labelled/ and notebooks/ (or PIANCHA_LABELLED_DIR/_NOTEBOOKS_DIR)."""
    files = sorted(p for p in labelled_dir().glob("*") if p.suffix.lower() in {".csv", ".jsonl", ".xlsx"})
    files += sorted(p for p in notebooks_dir().glob("*.ipynb") if has_labels(p))
    return files


def has_labels(path: Path) -> bool:
    """True when a notebook has at least one `labels`-tagged cell."""
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return False
    return any(LABELS_TAG in c.get("metadata", {}).get("tags", []) for c in nb.cells)


def load_corpus(paths: Sequence[Path] | None = None, overrides: Sequence[Path] = ()) -> pd.DataFrame:
    """All labelled examples: `paths` (default: the repository's), then each of `overrides`, whose labels win."""
    base_paths = default_sources() if paths is None else list(paths)
    for p in [*base_paths, *overrides]:
        if not Path(p).exists():
            raise LabelDataError(f"{p}: no such file / 文件不存在")
    corpus = _merge_layer(t for p in base_paths for t in read_tables(Path(p)))
    for p in overrides:
        top = _merge_layer(read_tables(Path(p)))
        corpus = pd.concat([top, corpus[~corpus["text"].isin(top["text"])]], ignore_index=True)
    if corpus.empty:
        raise LabelDataError("no labelled examples found / 未找到标注数据")
    log.info("loaded %d labelled examples from %d files", len(corpus), len(base_paths) + len(overrides))
    return corpus.reset_index(drop=True)


def retraining_corpus(paths: Sequence[Path], corrections: pd.DataFrame | None = None) -> pd.DataFrame:
    """The repository corpus, then stored human corrections, then `paths` (later layers win, as /v1/retrain)."""
    with tempfile.TemporaryDirectory(prefix="piancha-retrain-") as tmp:
        layers = [Path(p) for p in paths]
        if corrections is not None and len(corrections):
            stored = Path(tmp) / "stored-corrections.csv"
            corrections.to_csv(stored, index=False)
            layers.insert(0, stored)
        return load_corpus(overrides=layers)
