"""Store: the database of documents, forms, indicators and deviations, and the summaries read from it.

SQLAlchemy; SQLite by default, PostgreSQL by URL. `ingest_file` is the one path that parses a file, classifies
its deviations and stores them in one transaction; every write (ingest, label, reclassify, delete) keeps the
roll-ups of `rollup` in step, and `summarise` (stats) reads them: cause frequencies per department, unit,
project, year or indicator level. The store sits above text, classify, training and labelling and imports from
them; nothing below imports the store.

store = open_store()                      # data/piancha.sqlite, schema created on first use
ingest_file(store, "自评表.pdf", model)    # parse → classify → store, one transaction
set_label(store, 42, "funding", "王芳")    # a human correction overrides the prediction
summarise(store, by="department")         # cause frequencies per department
"""

from nlp.store.errors import NotFoundError, StoreError
from nlp.store.ingest import IngestResult, ReclassifyResult, ingest_file, ingest_forms, reclassify
from nlp.store.queries import (
    DeviationInfo,
    DocumentDetail,
    DocumentInfo,
    FormInfo,
    correction_conflicts,
    delete_document,
    export_labels,
    get_deviation,
    get_document,
    list_documents,
    set_label,
    set_labels,
    stored_texts,
)
from nlp.store.session import DEFAULT_URL, Store, migrate, open_store
from nlp.store.stats import BY, Summary, SummaryError, summarise

__all__ = [
    "BY",
    "DEFAULT_URL",
    "DeviationInfo",
    "DocumentDetail",
    "DocumentInfo",
    "FormInfo",
    "IngestResult",
    "NotFoundError",
    "ReclassifyResult",
    "Store",
    "StoreError",
    "Summary",
    "SummaryError",
    "delete_document",
    "correction_conflicts",
    "export_labels",
    "get_deviation",
    "get_document",
    "ingest_file",
    "ingest_forms",
    "list_documents",
    "migrate",
    "open_store",
    "reclassify",
    "set_label",
    "set_labels",
    "stored_texts",
    "summarise",
]
