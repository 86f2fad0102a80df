"""Training: the labelled corpus, held-out-department evaluation, model selection, the gate and the report.

`corpus` reads and validates labelled CSV/JSONL/Excel files and labelled notebooks into one table; `selection`
evaluates each candidate on departments it never saw, calibrates, chooses the abstain threshold, fits on
everything, saves the version with its model card and promotes it only when it passes the gate; `report` renders
that card; `learning_curve` says whether more labels would still help. The names load (with pandas and
scikit-learn) when first asked for, so importing the package costs nothing.
"""

from nlp._lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "corpus": (
            "COLUMNS",
            "LABELS_TAG",
            "REVIEWED_MARKS",
            "load_corpus",
            "read_table",
            "read_tables",
            "retraining_corpus",
        ),
        "selection": ("TrainResult", "evaluate_transfer", "gate", "headline", "score", "shipped_threshold", "train"),
        "report": ("render_report",),
        "learning_curve": ("attach_to_version", "learning_curve", "render_learning_curve", "verdict"),
    },
)
