"""Readers that turn a 项目支出绩效自评表 (PDF-extracted text, PDF, Excel, Word) into records.

>>> from nlp.forms import parse_forms
>>> forms = parse_forms("seed.txt")          # or a .pdf / .xlsx / .xls / .docx path, or the text itself
>>> forms[0].deviations[0].indicator
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

from nlp.errors import FormParseError, PianchaError
from nlp.forms.checks import audit
from nlp.forms.records import Budget, Deviation, Form, Indicator
from nlp.forms.text_reader import read_text

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text"}
PDF_SUFFIXES = {".pdf"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
OLD_EXCEL_SUFFIXES = {".xls"}
WORD_SUFFIXES = {".docx"}
FORM_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES | EXCEL_SUFFIXES | OLD_EXCEL_SUFFIXES | WORD_SUFFIXES
"""Every file type a 自评表 is read from."""
_PATH_LIKE = re.compile(r"^[^\n]{1,255}\.[A-Za-z0-9]{1,5}$")
MAX_NAME_BYTES = 255
"""The longest file name most file systems store (NAME_MAX): an upload is read under its own name."""

__all__ = [
    "Budget",
    "Deviation",
    "Form",
    "FORM_SUFFIXES",
    "FormParseError",
    "Indicator",
    "parse_forms",
    "read_file",
    "read_upload",
]


def _as_path(path_or_text: str | os.PathLike[str]) -> Path | None:
    if isinstance(path_or_text, os.PathLike):
        return Path(path_or_text)
    if "\n" in path_or_text or len(path_or_text) > 1024:
        return None
    try:
        path = Path(path_or_text)
        if path.exists():
            return path
    except (OSError, ValueError):
        return None
    if _PATH_LIKE.match(path_or_text.strip()) and path.suffix.lower() in (FORM_SUFFIXES | {".doc", ".csv"}):
        raise FormParseError(f"{path_or_text}: no such file / 文件不存在")
    return None


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise FormParseError(f"{path.name}: the file is empty / 文件为空")
    if b"\x00" in data[:4096]:
        raise FormParseError(f"{path.name}: binary data, not text / 不是文本文件")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
        if controls > max(8, len(text) // 100):
            break
        return text
    raise FormParseError(f"{path.name}: binary data, not UTF-8 or GB18030 text / 不是文本文件")


def read_file(path: Path) -> list[Form]:
    """Parse the forms of one file, choosing the reader by its extension."""
    if path.is_dir():
        raise FormParseError(f"{path}: is a directory, not a form file / 是目录，不是表格文件")
    if not path.exists():
        raise FormParseError(f"{path}: no such file / 文件不存在")
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FormParseError(f"{path.name}: cannot read ({exc.strerror}) / 无法读取文件") from None
    if size == 0:
        raise FormParseError(f"{path.name}: the file is empty / 文件为空")
    if suffix in TEXT_SUFFIXES:
        return read_text(_decode(path, path.read_bytes()), path.name)
    if suffix in PDF_SUFFIXES:
        from nlp.forms.pdf_reader import read_pdf

        return read_pdf(path)
    if suffix in EXCEL_SUFFIXES:
        from nlp.forms.excel_reader import read_excel

        return read_excel(path)
    if suffix in OLD_EXCEL_SUFFIXES:
        from nlp.forms.xls_reader import read_xls

        return read_xls(path)
    if suffix in WORD_SUFFIXES:
        from nlp.forms.word_reader import read_docx

        return read_docx(path)
    hint = " (save .doc as .docx / 请另存为.docx)" if suffix == ".doc" else ""
    raise FormParseError(
        f"{path.name}: unsupported file type {suffix or '(none)'}{hint}; use .txt, .pdf, .xlsx, .xls or .docx "
        "/ 不支持的文件类型"
    )


def parse_forms(path_or_text: str | os.PathLike[str]) -> list[Form]:
    """Every 自评表 in a file (.txt, .pdf, .xlsx, .xls, .docx) or in PDF-extracted text, with audit warnings."""
    path = _as_path(path_or_text)
    if path is not None:
        forms = read_file(path)
    else:
        text = str(path_or_text)
        if not text.strip():
            raise FormParseError("<text>: the text is empty / 文本为空")
        forms = read_text(text, "<text>")
    for form in forms:
        form.warnings.extend(audit(form))
        for warning in form.warnings:
            log.info("%s: %s: %s", form.source, form.project, warning)
    return forms


def read_upload(data: bytes, file_name: str) -> list[Form]:
    """The forms of a file's bytes (an upload), read from a temporary file of the same name.

    Errors name the upload, never the temporary folder; a name the file system cannot hold (NUL, over 255
    bytes) is refused naming it."""
    name = Path(file_name).name
    size = len(name.encode("utf-8", "surrogatepass"))
    if "\x00" in name or not 0 < size <= MAX_NAME_BYTES or name in {".", ".."}:
        shown = repr(name[:60]) + ("…" if len(name) > 60 else "")
        raise FormParseError(
            f"file name {shown}: {size} bytes{' with a NUL character' if chr(0) in name else ''}; a file name "
            f"needs 1 to {MAX_NAME_BYTES} bytes and no NUL / 文件名无效（为空、过长或含空字符）"
        )
    with tempfile.TemporaryDirectory(prefix="piancha-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            return parse_forms(path)
        except PianchaError:
            raise
        except Exception as exc:  # a reader bug must still name the file (never the server's folder)
            reason = str(exc).replace(str(path), file_name).replace(tmp, "")
            raise FormParseError(f"{file_name}: cannot be read as 自评表: {reason} / 无法解析文件") from exc
