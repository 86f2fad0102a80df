"""Reading forms from .xlsx workbooks in the standard template layout."""
from __future__ import annotations

from pathlib import Path

from nlp.errors import FormParseError
from nlp.forms.grid_reader import Grid, clean_cell, read_grids
from nlp.forms.records import Form


def sheet_grid(sheet) -> Grid:  # noqa: ANN001  (openpyxl Worksheet)
    """The sheet's cells as text, each merged range filled from its top-left value."""
    grid: Grid = [
        [clean_cell(cell) for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    for merged in sheet.merged_cells.ranges:
        top = grid[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(grid) else None
        for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
            for c in range(merged.min_col - 1, min(merged.max_col, len(grid[r]))):
                grid[r][c] = top
    return [[cell or "" for cell in row] for row in grid]


def read_excel(path: Path) -> list[Form]:
    """Parse every form on every sheet of an .xlsx workbook."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # zipfile, XML and openpyxl errors on a broken file
        raise FormParseError(
            f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__}) / 不是可读取的Excel文件"
        ) from None
    try:
        grids = [sheet_grid(sheet) for sheet in workbook.worksheets]
    finally:
        workbook.close()
    return read_grids(grids, path.name)
