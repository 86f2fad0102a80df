"""The database: documents, forms, indicators and deviations (SQLAlchemy; SQLite by default, PostgreSQL too).

store = open_store()                      # data/piancha.sqlite, schema created on first use
ingest_file(store, "自评表.pdf", model)    # parse → classify → store, one transaction
set_label(store, 42, "funding", "王芳")    # a human correction overrides the prediction
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
)
from nlp.store.session import DEFAULT_URL, Store, migrate, open_store

__all__ = [
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
]
