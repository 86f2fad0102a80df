"""Reading forms from .xlsx workbooks in the standard template layout.

A workbook is a zip archive, and openpyxl holds every cell of it in memory: a few megabytes on disk
can stand for gigabytes of cells (a zip bomb), or for millions of cells made by one merged range.
Before openpyxl reads a file, `check_workbook` looks at the archive's own directory and streams each
sheet's XML once, counting rows, cells and merged cells, and refuses what is beyond the limits below.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import FormParseError, FormTooLargeError
from nlp.forms.grid_reader import Grid, clean_cell, read_grids
from nlp.forms.records import Form

MAX_MEMBERS = 1000
"""Files inside the archive; a workbook of a few dozen sheets has about a hundred."""
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
"""The archive's contents, uncompressed, as its directory declares them (zipfile enforces the declared sizes)."""
MAX_ROWS = 20_000
"""Rows over all sheets: a 自评表 has about 40, so this is some 500 forms."""
MAX_CELLS = 400_000
"""Cells over all sheets: stored cells, cells covered by merged ranges, and the grid each sheet spans."""

_CHUNK = 1 << 20
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|mergeCell)[\s/>]")
_CELL_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br=\"([A-Z]{1,3})(\d{1,7})\"")
_MERGE_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?ref=\"([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})\"")


@dataclass
class WorkbookSize:
    """What a workbook holds, counted before it is read: its sheets' rows, stored cells and merged cells."""

    rows: int = 0
    cells: int = 0
    merged_cells: int = 0
    spanned_cells: int = 0
    """Σ over sheets of last row × last column used: the grid a sheet is read into."""


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _count_sheet(archive: zipfile.ZipFile, member: str, size: WorkbookSize, name: str) -> None:
    """Add one sheet's rows, cells and merged cells to `size`, stopping as soon as a limit is passed."""
    carry = b""
    last_row = last_column = 0
    with archive.open(member) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            buffer = carry + chunk
            # Cut before the last '<': every tag in the part counted is complete, the rest waits for more bytes
            # (unless that rest is long: then it is text, and what matters, an element's name, is already whole).
            cut = buffer.rfind(b"<")
            if not chunk or cut < 0 or len(buffer) - cut > 4096:
                cut = len(buffer)
            part, carry = buffer[:cut], buffer[cut:]
            for match in _ELEMENT.finditer(part):
                kind = match.group(1)
                if kind == b"row":
                    size.rows += 1
                elif kind == b"c":
                    size.cells += 1
            for column, row in _CELL_REF.findall(part):
                last_row, last_column = max(last_row, int(row)), max(last_column, _column(column))
            for a_col, a_row, b_col, b_row in _MERGE_REF.findall(part):
                rows = abs(int(b_row) - int(a_row)) + 1
                columns = abs(_column(b_col) - _column(a_col)) + 1
                size.merged_cells += rows * columns
            _check(size, name, last_row * last_column)
            if not chunk:
                size.spanned_cells += last_row * last_column
                return


def _check(size: WorkbookSize, name: str, sheet_span: int = 0) -> None:
    if size.rows > MAX_ROWS:
        raise FormTooLargeError(
            f"{name}: more than {MAX_ROWS:,} rows in its sheets; refused before reading "
            f"(split the workbook) / 工作簿行数超过{MAX_ROWS}行上限，未读取"
        )
    if size.cells + size.merged_cells > MAX_CELLS:
        raise FormTooLargeError(
            f"{name}: more than {MAX_CELLS:,} cells (stored or merged) in its sheets; refused before reading "
            f"/ 工作簿单元格数超过{MAX_CELLS}上限，未读取"
        )
    if size.spanned_cells + sheet_span > MAX_CELLS:
        raise FormTooLargeError(_span_message(name, size.spanned_cells + sheet_span))


def _span_message(name: str, spanned: int) -> str:
    return (
        f"{name}: its sheets span {spanned:,} cells (rows × columns up to the last cell used), more than "
        f"{MAX_CELLS:,}; refused before reading / 工作表范围过大，未读取"
    )


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""An OLE compound file: an old .xls/.doc, or an Office file saved with a password (encrypted inside one)."""


def open_archive(path: Path, kind: str, data: bytes | None = None) -> zipfile.ZipFile:
    """The zip archive of an Office file (.xlsx, .docx), refused when its directory declares a zip bomb.

    `kind` names the file type in messages ("Excel", "Word"). FormParseError when it is not a zip
    archive (a password-protected file is an OLE file, and says so), FormTooLargeError beyond the limits."""
    on_disk = len(data) if data is not None else path.stat().st_size
    head = data[:8] if data is not None else path.open("rb").read(8)
    if head == _OLE_MAGIC:
        raise FormParseError(
            f"{path.name}: a password-protected (encrypted) or old-format {kind} file, not {path.suffix}; "
            f"remove the password or save it again as {path.suffix} / 文件已加密或为旧格式，请去除密码后另存"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FormParseError(
            f"{path.name}: not a readable {path.suffix} file ({type(exc).__name__}) / 不是可读取的{kind}文件"
        ) from None
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        archive.close()
        raise FormTooLargeError(
            f"{path.name}: {len(members):,} files in the archive, more than {MAX_MEMBERS:,}; refused before "
            f"reading / {kind}文件内部文件过多，未读取"
        )
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        archive.close()
        raise FormTooLargeError(
            f"{path.name}: {unpacked / 2**20:,.0f} MiB uncompressed ({on_disk / 2**20:,.1f} MiB on "
            f"disk), more than {MAX_UNCOMPRESSED_BYTES // 2**20} MiB; refused before reading "
            f"/ {kind}文件解压后过大，未读取"
        )
    return archive


def check_workbook(path: Path, data: bytes | None = None) -> WorkbookSize:
    """Count what an .xlsx (the file, or its bytes under that name) holds without loading it.

    FormTooLargeError when it is beyond the limits, FormParseError when it is not a zip archive."""
    with open_archive(path, "Excel", data) as archive:
        size = WorkbookSize()
        for member in archive.infolist():
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                try:
                    _count_sheet(archive, member.filename, size, path.name)
                except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
                    raise FormParseError(
                        f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__} in {member.filename}) "
                        "/ 不是可读取的Excel文件"
                    ) from None
    return size


def sheet_grid(sheet) -> Grid:  # noqa: ANN001  (openpyxl Worksheet)
    """The sheet's cells as text, each merged range filled from its top-left value."""
    grid: Grid = [[clean_cell(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        top = grid[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(grid) else None
        for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
            for c in range(merged.min_col - 1, min(merged.max_col, len(grid[r]))):
                grid[r][c] = top
    return [[cell or "" for cell in row] for row in grid]


def read_excel(path: Path) -> list[Form]:
    """Parse every form on every sheet of an .xlsx workbook (within the limits of `check_workbook`)."""
    import openpyxl

    check_workbook(path)
    try:
        workbook = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # zipfile, XML and openpyxl errors on a broken file
        raise FormParseError(
            f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__}) / 不是可读取的Excel文件"
        ) from None
    try:
        spanned = sum(sheet.max_row * sheet.max_column for sheet in workbook.worksheets)
        if spanned > MAX_CELLS:  # a few cells far apart span a grid of millions
            raise FormTooLargeError(_span_message(path.name, spanned))
        grids = [sheet_grid(sheet) for sheet in workbook.worksheets]
    finally:
        workbook.close()
    return read_grids(grids, path.name)
