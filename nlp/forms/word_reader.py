"""Reading forms from .docx documents: every table of the document, through the grid reader.

A .docx is a zip archive too: its directory is checked against the same limits as a workbook's
before python-docx reads it, and a table's cells are counted before they are read.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from nlp.errors import FormParseError, FormTooLargeError
from nlp.forms.excel_reader import MAX_CELLS, MAX_ROWS, open_archive
from nlp.forms.grid_reader import Grid, clean_cell, read_grids
from nlp.forms.records import Form


def table_grid(table) -> Grid:  # noqa: ANN001  (python-docx Table)
    """A table's cells as text; a merged cell (across columns or down rows) gives its text to every cell it covers.

    Read from the table's XML once: python-docx's `row.cells` looks up every vertically merged cell
    through the rows above it, which took some 60 ms a form."""
    from docx.oxml.ns import qn

    grid: Grid = []
    for tr in table._tbl.tr_lst:
        row: list[str | None] = []
        for tc in tr.tc_lst:
            if tc.vMerge == "continue" and grid:
                above = grid[-1]
                value = above[len(row)] if len(row) < len(above) else ""
            else:
                paragraphs = ("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p")))
                value = clean_cell("\n".join(paragraphs)) or ""
            row.extend([value] * tc.grid_span)
        grid.append(row)
    return grid


def read_docx(path: Path) -> list[Form]:
    """Parse every form in the tables of a .docx document (within the limits of `open_archive`)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    with open_archive(path, "Word") as archive:
        if "word/document.xml" not in archive.namelist():
            raise FormParseError(f"{path.name}: not a Word document (no word/document.xml) / 不是Word文档")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FormParseError(
            f"{path.name}: not a readable .docx document ({type(exc).__name__}) / 不是可读取的Word文件"
        ) from None
    except Exception as exc:  # lxml and python-docx errors on a broken document
        raise FormParseError(
            f"{path.name}: not a readable .docx document ({type(exc).__name__}) / 不是可读取的Word文件"
        ) from None
    tables = document.tables
    if not tables:
        raise FormParseError(f"{path.name}: the document has no table; a 自评表 is a table / 文档中没有表格")
    rows = cells = 0
    for table in tables:
        rows += len(table.rows)
        cells += len(table.rows) * len(table.columns)
        if rows > MAX_ROWS or cells > MAX_CELLS:
            raise FormTooLargeError(
                f"{path.name}: its tables hold more than {MAX_ROWS:,} rows or {MAX_CELLS:,} cells; refused "
                "/ 文档表格过大，未读取"
            )
    grids = [table_grid(table) for table in tables]
    if not any(any(cell for cell in row) for grid in grids for row in grid):
        raise FormParseError(f"{path.name}: its tables are empty / 文档中的表格为空")
    return read_grids(grids, path.name)
