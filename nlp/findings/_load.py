"""What the rules read: the stored deviations, forms and unexplained indicators as pandas frames, in one snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, select

from nlp.store import Store
from nlp.store.models import REASON_MISSING, DeviationRow, DocumentRow, FormRow, IndicatorRow

FETCHED = ["id", "form_id", "indicator", "text", "measure_text", "code", "points_lost"]
FROM_FORM = ["department", "unit", "project", "year", "unit_year"]
DEVIATION_COLUMNS = [*FETCHED, *FROM_FORM[:-1]]
"""What the rules read of a deviation; the grouping columns come from its form (the same values, fetched once per
form instead of once per deviation)."""
FORM_COLUMNS = ["form_id", "document_id", "form_key", "project", "department", "unit", "year", "execution_rate"]


@dataclass
class StoredData:
    """The rows the rules read. `deviations` has DEVIATION_COLUMNS, `has_text` and `unit_year` (a number for the
    form's unit and year); `forms` FORM_COLUMNS and `unit_year` (form_key:
    the document's sha256 and the form's place in it, what a finding's id is made of); `missing`: form_id,
    name of the indicators that lost points with no text (name "": the reader could not tie the row to a name)."""

    deviations: pd.DataFrame
    forms: pd.DataFrame
    missing: pd.DataFrame
    cache: dict[str, Any] = field(default_factory=dict)
    """What several rules derive alike (the texts' keys), computed once."""


def _frame(connection: Connection, statement: Select, columns: list[str]) -> pd.DataFrame:
    """Rows of a statement as a frame, fetched from the driver's cursor (1,000,000 rows: no Row objects; the
    columns read are numbers and strings, which the driver hands over as they are)."""
    result = connection.execute(statement)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if not rows:  # typed as object, so that string methods work on an empty selection too
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame.from_records(rows, columns=columns, coerce_float=True)


def load(store: Store, *, department: str | None = None, years: tuple[int, ...] | None = None) -> StoredData:
    """The deviations, forms and missing reasons under the filters (`years`: those years only), one snapshot."""
    d, f, i = DeviationRow, FormRow, IndicatorRow

    def where(table: type) -> list:
        found = [] if department is None else [table.department == department]
        return found if years is None else [*found, table.year.in_(years)]

    with store.engine.connect() as connection:
        if store.dialect == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        else:  # the SQLite driver begins no transaction before a SELECT: each would read its own
            connection.exec_driver_sql("BEGIN")
        deviations = _frame(connection, select(*(getattr(d, c) for c in FETCHED)).where(*where(d)), FETCHED)
        forms = _frame(
            connection,
            select(
                f.id,
                f.document_id,
                DocumentRow.sha256 + ":" + f.position.cast(DocumentRow.sha256.type),
                f.project,
                f.department,
                f.unit,
                f.year,
                f.execution_rate,
            )
            .join(DocumentRow, DocumentRow.id == f.document_id)
            .where(*where(f)),
            FORM_COLUMNS,
        )
        missing = _frame(connection, select(i.form_id, i.name).where(REASON_MISSING, *where(i)), ["form_id", "name"])
    deviations["has_text"] = deviations["text"].str.strip().astype(bool)
    forms["year"] = forms["year"].astype(object).where(forms["year"].notna(), None)  # ints or None, not NaN
    forms["unit_year"] = pd.factorize(pd.Series(list(zip(forms["unit"], forms["year"])), dtype=object))[0]
    position = pd.Index(forms["form_id"]).get_indexer(deviations["form_id"])
    for column in FROM_FORM:
        deviations[column] = forms[column].to_numpy()[position] if len(forms) else []
    return StoredData(deviations, forms, missing)
