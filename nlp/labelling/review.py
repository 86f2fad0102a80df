"""The review queue: the texts the model is least sure of, written as a labelling notebook an analyst edits.

queue = review_queue(model, stored_texts(store), limit=50)   # abstained first, then the smallest margins
write_queue_notebook(queue, "review.ipynb", model_version=model.version)
corpus = retraining_corpus(["review.ipynb"], export_labels(store))   # then nlp.training.train

`stored_texts` (the uncorrected deviations of the database) lives in nlp.store, above this package.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.classify.inference import CauseModel
from nlp.errors import PianchaError
from nlp.labelling.notebooks import checked_output, labelling_notebook
from nlp.text import check_text

if TYPE_CHECKING:  # pandas, nbformat and nlp.training.corpus load with the first queue, not with the CLI
    import pandas as pd

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
TEXTS_PER_BATCH = 500
"""Distinct texts classified in one call while the queue is ranked."""
QUEUE_COLUMNS = [
    "text",
    "label",
    "secondary",
    "reviewed",
    "guess",
    "confidence",
    "margin",
    "project",
    "indicator",
    "deviation_id",
]
"""The columns of a queue notebook's `labels` table: what the analyst edits first, then what informs them."""
SOURCE_COLUMNS = ["text", "project", "indicator", "department", "deviation_id"]
JOIN = "|"
"""Separator of several projects, indicators or deviation ids on one deduplicated row (as in 1.0-label-seed-forms)."""


def read_texts(path: Path, text_column: str = "text", department: str | None = None) -> pd.DataFrame:
    """Texts to review from a .csv/.jsonl/.xlsx (or labelled .ipynb) file; `project`/`indicator` columns are kept."""
    import pandas as pd

    from nlp.training.corpus import read_tables

    path = Path(path)
    if not path.is_file():
        raise PianchaError(f"{path}: no such file / 文件不存在")
    rows = []
    for table in read_tables(path):
        frame = table.frame.fillna("").astype(str)
        if text_column not in frame.columns:
            raise PianchaError(
                f"{table.where}: no column {text_column!r}; columns are {list(frame.columns)} / 缺少文本列"
            )
        if department and "department" not in frame.columns:
            raise PianchaError(f"{table.where}: --department needs a 'department' column / 缺少部门列")
        for i, row in enumerate(frame.to_dict("records"), start=1):
            text = row[text_column].strip()
            check_text(text, where=f"{table.where}, row {i}, column {text_column!r}")
            if department and row["department"].strip() != department:
                continue
            rows.append(
                {
                    "text": text,
                    "project": row.get("project", "").strip(),
                    "indicator": row.get("indicator", "").strip(),
                    "department": row.get("department", "").strip(),
                    "deviation_id": "",
                }
            )
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def _joined(values: pd.Series) -> str:
    """The distinct non-empty values in first-seen order, joined."""
    return JOIN.join(dict.fromkeys(v for v in values if v))


def review_queue(model: CauseModel, texts: pd.DataFrame, limit: int | None = DEFAULT_LIMIT) -> pd.DataFrame:
    """The `limit` distinct texts the model is least sure of: abstained first, then the smallest top-2 margin."""
    import pandas as pd

    if limit is not None and limit < 1:
        raise PianchaError(f"--limit must be at least 1, not {limit} / 数量至少为1")
    if texts.empty:
        return pd.DataFrame(columns=[*QUEUE_COLUMNS, "abstained", "second"])
    frame = texts.assign(text=texts["text"].str.strip())
    distinct = (
        frame.groupby("text", sort=False)
        .agg({c: _joined for c in ("project", "indicator", "department", "deviation_id")})
        .reset_index()
    )
    rows = []
    for start in range(0, len(distinct), TEXTS_PER_BATCH):
        chunk = distinct["text"].iloc[start : start + TEXTS_PER_BATCH].tolist()
        for p in model.classify_batch(chunk, top=2, evidence=0):
            first = p.ranking[0]
            second = p.ranking[1] if len(p.ranking) > 1 else None
            rows.append(
                {
                    "guess": first.label,
                    "confidence": first.confidence,
                    "margin": round(first.confidence - (second.confidence if second else 0.0), 4),
                    "abstained": p.abstained,
                    "second": second.label if second else "",
                }
            )
    ranked = pd.concat([distinct, pd.DataFrame(rows)], axis=1)
    ranked = ranked.sort_values(
        ["abstained", "margin", "confidence", "text"], ascending=[False, True, True, True], kind="stable"
    )
    if limit is not None:
        ranked = ranked.head(limit)
    ranked = ranked.assign(label=ranked["guess"], secondary="", reviewed="")
    return ranked[[*QUEUE_COLUMNS, "abstained", "second", "department"]].reset_index(drop=True)


HOW_TO_REVIEW = """\
**How to review / 审核方法.** The table below (a raw CSV cell tagged `labels`) has one row per distinct text.

1. Read `text`. If the pre-filled `label` (the model's guess) is wrong, replace it with the right code from the
   list below; add other causes the text names to `secondary` (codes separated by `|`).
   如果预填的 `label` 不对，请改为正确的代码；文本提到的其他原因可填入 `secondary`（用 `|` 分隔）。
2. Put `yes` in `reviewed` for **every row you confirmed or changed**. Rows without `yes` are ignored:
   an unreviewed guess is never trained on as if it were a human label.
   对已确认或已修改的每一行，在 `reviewed` 列填 `yes`；未填写的行不会用于训练。
3. Keep the CSV intact: a text containing a comma or a quote stays inside its double quotes.
   `guess`, `confidence`, `margin`, `project`, `indicator` and `deviation_id` are information only.
4. Save, then run `piancha retrain {name}` (or upload the file to `/v1/retrain`). Move the file into
   `notebooks/` to keep your labels for every later `piancha train`.
"""


def write_queue_notebook(
    queue: pd.DataFrame,
    path: Path,
    *,
    model_version: str | None = None,
    source: str = "",
    overwrite: bool = False,
) -> Path:
    """Write a review queue as a labelling notebook (never over an existing file unless `overwrite`)."""
    import nbformat

    path = checked_output(path, overwrite)
    abstained = int(queue["abstained"].sum()) if "abstained" in queue else 0
    intro = (
        "# Review queue / 待审核文本\n\n"
        f"{len(queue)} texts the model is least sure of ({abstained} abstained, then the smallest margin between "
        f"its first two codes), from {source or 'the given texts'}; model `{model_version}`, written "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.\n\n" + HOW_TO_REVIEW.format(name=path.name)
    )
    nb = labelling_notebook(intro, queue, QUEUE_COLUMNS)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    log.info("review queue of %d texts written to %s", len(queue), path)
    return path
