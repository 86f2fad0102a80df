"""Labelling: the loop in which analysts correct the model, run through labelled notebooks.

`review` builds the queue of the texts the model is least sure of and writes it as a notebook; `audit` finds the
labelled examples most likely wrong, the codes with too few examples and near-duplicates labelled differently;
`notebooks` writes and counts the `labels` tables both use (nlp.training.corpus reads them back). Nothing here
touches the database: the store hands over its uncorrected texts (`nlp.store.stored_texts`). The names load
(with pandas) when first asked for.
"""

from nlp._lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "review": ("read_texts", "review_queue", "write_queue_notebook"),
        "audit": ("LabelAudit", "audit_labels", "audit_notebook"),
        "notebooks": ("checked_output", "count_reviewed", "labelling_notebook"),
    },
)
