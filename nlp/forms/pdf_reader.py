"""Reading forms from PDF: ruled tables through pdfplumber, otherwise the text-box reader."""

from __future__ import annotations

import logging
from pathlib import Path

from nlp.errors import FormParseError
from nlp.forms.grid_reader import Grid, clean_cell, read_grids
from nlp.forms.layout import name_label
from nlp.forms.records import Form
from nlp.forms.text_reader import read_text

log = logging.getLogger(__name__)


def _open_error(path: Path, exc: Exception) -> FormParseError:
    causes = [exc, *exc.args, exc.__cause__, exc.__context__]
    names = " ".join(type(c).__name__ for c in causes if isinstance(c, BaseException))
    name = type(exc).__name__
    if "Password" in names or "Encrypt" in names or "encrypt" in str(exc).lower():
        return FormParseError(f"{path.name}: the PDF is encrypted / PDF已加密，无法读取")
    return FormParseError(f"{path.name}: not a readable PDF ({name}) / 不是可读取的PDF文件")


def read_pdf(path: Path) -> list[Form]:
    """Parse every form in a PDF; use its ruled tables when it has them, else its text boxes."""
    import pdfplumber

    grid: Grid = []
    has_text = False
    try:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                if page.chars:
                    has_text = True
                for table in page.extract_tables():
                    grid.extend([clean_cell(cell) for cell in row] for row in table)
    except FormParseError:
        raise
    except Exception as exc:  # pdfminer raises many types on broken or encrypted input
        raise _open_error(path, exc) from None
    if not has_text:
        raise FormParseError(
            f"{path.name}: the PDF has no text layer (scanned image?) / PDF无文字层（扫描件？），请先OCR"
        )
    if grid and any(c and name_label(c) for row in grid for c in row):
        log.debug("%s: reading %d table rows", path.name, len(grid))
        return read_grids([grid], path.name)
    log.debug("%s: no ruled tables, falling back to the text reader", path.name)
    return read_text(pdf_text(path), path.name)


def pdf_text(path: Path) -> str:
    """The PDF's text as text boxes separated by empty lines and pages by form feeds."""
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams

    try:
        return extract_text(str(path), laparams=LAParams())
    except Exception as exc:  # pdfminer raises many types on broken or encrypted input
        raise _open_error(path, exc) from None
