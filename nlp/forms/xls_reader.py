"""Reading forms from old-format .xls workbooks (Excel 97–2003) with xlrd, through the grid reader."""

from __future__ import annotations

from pathlib import Path

from nlp.errors import FormParseError, FormTooLargeError
from nlp.forms.excel_reader import MAX_CELLS, MAX_ROWS
from nlp.forms.grid_reader import Grid, clean_cell, read_grids
from nlp.forms.records import Form


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def sheet_grid(sheet) -> Grid:  # noqa: ANN001  (xlrd Sheet)
    """The sheet's cells as text, each merged range filled from its top-left value."""
    grid: Grid = [[clean_cell(_text(v)) or "" for v in sheet.row_values(r)] for r in range(sheet.nrows)]
    for rlo, rhi, clo, chi in sheet.merged_cells:
        top = grid[rlo][clo] if rlo < len(grid) and clo < len(grid[rlo]) else ""
        for r in range(rlo, min(rhi, len(grid))):
            for c in range(clo, min(chi, len(grid[r]))):
                grid[r][c] = top
    return grid


def read_xls(path: Path) -> list[Form]:
    """Parse every form on every sheet of an .xls workbook; a password-protected or broken file is refused."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise FormParseError(
                f"{path.name}: the workbook is password-protected (encrypted); remove the password and save it "
                "again / 工作簿已加密，请去除密码后另存"
            ) from None
        raise FormParseError(f"{path.name}: not a readable .xls workbook ({exc}) / 不是可读取的Excel文件") from None
    except Exception as exc:  # xlrd raises many types (struct, assertion, index) on a broken file
        raise FormParseError(
            f"{path.name}: not a readable .xls workbook ({type(exc).__name__}) / 不是可读取的Excel文件"
        ) from None
    try:
        grids: list[Grid] = []
        rows = cells = 0
        for index in range(book.nsheets):
            try:
                sheet = book.sheet_by_index(index)
            except Exception as exc:  # a broken sheet record
                raise FormParseError(
                    f"{path.name}: sheet {index + 1} cannot be read ({type(exc).__name__}) / 工作表无法读取"
                ) from None
            rows += sheet.nrows
            cells += sheet.nrows * sheet.ncols
            if rows > MAX_ROWS or cells > MAX_CELLS:
                raise FormTooLargeError(
                    f"{path.name}: its sheets span more than {MAX_ROWS:,} rows or {MAX_CELLS:,} cells; refused "
                    "/ 工作簿过大，未读取"
                )
            grids.append(sheet_grid(sheet))
    finally:
        book.release_resources()
    if not any(any(cell for cell in row) for grid in grids for row in grid):
        raise FormParseError(f"{path.name}: every sheet is empty / 工作簿为空")
    return read_grids(grids, path.name)
