"""Workbooks built to exhaust a server (zip bombs, 100,000 rows, one huge merge) are refused before openpyxl
reads them; a reader in a child process is stopped at its time and memory limits."""

from __future__ import annotations

import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from nlp.errors import FormParseError, FormTooLargeError, ParseTimeoutError
from nlp.forms import parse_forms, read_upload
from nlp.forms.excel_reader import MAX_CELLS, MAX_MEMBERS, MAX_ROWS, MAX_UNCOMPRESSED_BYTES, check_workbook
from nlp.forms.isolated import run_isolated
from tests.fixtures.seed_forms_expected import TEMPLATE_ROWS
from tests.forms.builders import build_xlsx

HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)


def rows_xml(n: int) -> Callable[[], Iterable[bytes]]:
    def chunks() -> Iterable[bytes]:
        yield HEAD
        for start in range(1, n + 1, 1000):
            yield b"".join(
                b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (i, i)
                for i in range(start, min(n, start + 999) + 1)
            )
        yield b"</sheetData></worksheet>"

    return chunks


def padded_xml(mib: int) -> Callable[[], Iterable[bytes]]:
    """A sheet of `mib` MiB of blanks: a few hundred KB once deflated."""

    def chunks() -> Iterable[bytes]:
        yield HEAD + b"</sheetData>"
        for _ in range(mib):
            yield b"<!--" + b" " * (2**20 - 7) + b"-->"
        yield b"</worksheet>"

    return chunks


def fixed_xml(body: bytes) -> Callable[[], Iterable[bytes]]:
    return lambda: [HEAD, body]


@pytest.fixture(scope="module")
def plain_workbook(tmp_path_factory) -> Path:
    import openpyxl

    path = tmp_path_factory.mktemp("plain") / "plain.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "x"
    workbook.save(path)
    return path


def rebuilt(
    base: Path,
    target: Path,
    sheet: Callable[[], Iterable[bytes]] | None = None,
    extra: Iterable[tuple[str, bytes]] = (),
) -> Path:
    """`base` with its first sheet's XML replaced by `sheet`'s chunks (streamed, never whole in memory)."""
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml" and sheet is not None:
                with out.open(item.filename, "w", force_zip64=True) as stream:
                    for chunk in sheet():
                        stream.write(chunk)
            else:
                out.writestr(item, source.read(item.filename))
        for name, data in extra:
            out.writestr(name, data)
    return target


def refused(path: Path) -> tuple[str, float]:
    started = time.perf_counter()
    with pytest.raises(FormTooLargeError) as caught:
        parse_forms(path)
    return str(caught.value), time.perf_counter() - started


def test_a_zip_bomb_is_refused_from_the_archive_directory(plain_workbook, tmp_path):
    mib = MAX_UNCOMPRESSED_BYTES // 2**20 + 50
    bomb = rebuilt(plain_workbook, tmp_path / "bomb.xlsx", padded_xml(mib))
    assert bomb.stat().st_size < 2 * 2**20  # small on disk …
    message, seconds = refused(bomb)
    assert message.startswith("bomb.xlsx: ") and f"{mib:,} MiB uncompressed" in message and "未读取" in message
    assert seconds < 1


def test_a_workbook_of_100000_rows_is_refused_early_naming_the_file(plain_workbook, tmp_path):
    big = rebuilt(plain_workbook, tmp_path / "100k.xlsx", rows_xml(100_000))
    message, seconds = refused(big)
    assert message.startswith("100k.xlsx: ") and f"more than {MAX_ROWS:,} rows" in message
    assert seconds < 5  # openpyxl alone takes tens of seconds and gigabytes on it


def test_a_workbook_just_within_the_row_limit_is_read(plain_workbook, tmp_path):
    near = rebuilt(plain_workbook, tmp_path / "near.xlsx", rows_xml(MAX_ROWS))
    assert check_workbook(near).rows == MAX_ROWS
    with pytest.raises(FormParseError) as caught:  # read through, and found to hold no form
        parse_forms(near)
    assert not isinstance(caught.value, FormTooLargeError)


def test_too_many_archive_members_are_refused(plain_workbook, tmp_path):
    crowded = rebuilt(
        plain_workbook,
        tmp_path / "crowded.xlsx",
        extra=[(f"customXml/item{i}.xml", b"<a/>") for i in range(MAX_MEMBERS + 1)],
    )
    message, _ = refused(crowded)
    assert message.startswith("crowded.xlsx: ") and "files in the archive" in message


def test_one_merged_range_over_the_whole_sheet_is_refused(plain_workbook, tmp_path):
    body = (
        b'<row r="1"><c r="A1"/></row></sheetData>'
        b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells></worksheet>'
    )
    merged = rebuilt(plain_workbook, tmp_path / "merged.xlsx", fixed_xml(body))
    message, seconds = refused(merged)
    assert message.startswith("merged.xlsx: ") and f"more than {MAX_CELLS:,} cells" in message and seconds < 1


def test_two_cells_far_apart_spanning_billions_are_refused(plain_workbook, tmp_path):
    body = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
        b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c></row></sheetData></worksheet>'
    )
    sparse = rebuilt(plain_workbook, tmp_path / "sparse.xlsx", fixed_xml(body))
    message, seconds = refused(sparse)
    assert message.startswith("sparse.xlsx: ") and "span 17,179,869,184 cells" in message and seconds < 1


def test_rows_written_with_a_namespace_prefix_are_counted(plain_workbook, tmp_path):
    def prefixed() -> Iterable[bytes]:
        yield b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        yield b"".join(b'<x:row r="%d"><x:c r="A%d"/></x:row>' % (i, i) for i in range(1, MAX_ROWS + 2))
        yield b"</x:sheetData></x:worksheet>"

    message, _ = refused(rebuilt(plain_workbook, tmp_path / "prefixed.xlsx", prefixed))
    assert "rows" in message


def test_template_workbooks_pass_the_checks(tmp_path):
    path = build_xlsx(tmp_path / "forms.xlsx", list(TEMPLATE_ROWS))
    size = check_workbook(path)
    assert 0 < size.rows < 200 and size.merged_cells > 0
    assert len(parse_forms(path)) == len(TEMPLATE_ROWS)


def test_a_reader_past_its_time_is_stopped():
    started = time.perf_counter()
    with pytest.raises(ParseTimeoutError, match="slow.xlsx: not read within the limit of 1 s"):
        run_isolated(time.sleep, 60, what="slow.xlsx", time_limit=1)
    assert time.perf_counter() - started < 10


def test_a_reader_past_its_memory_is_stopped():
    with pytest.raises(FormTooLargeError, match="hungry.pdf: needs more than the limit of 300 MiB"):
        run_isolated(bytearray, 2**31, what="hungry.pdf", time_limit=60, memory_mb=300)


def test_an_upload_read_in_a_child_gives_the_same_forms_and_errors(seed_file):
    data = seed_file.read_bytes()
    isolated = run_isolated(read_upload, data, seed_file.name, what=seed_file.name, time_limit=60, memory_mb=2048)
    assert [f.to_dict() for f in isolated] == [f.to_dict() for f in read_upload(data, seed_file.name)]
    with pytest.raises(FormParseError, match="notes.txt: no 财政项目支出绩效自评表 found"):
        run_isolated(read_upload, "会议纪要".encode(), "notes.txt", what="notes.txt", time_limit=60)


@pytest.mark.parametrize("name", ["a" * 256, "bad\x00.txt", ""])
def test_an_upload_name_the_file_system_cannot_hold_is_refused_naming_it(name):
    with pytest.raises(FormParseError, match="a file name needs 1 to 255 bytes and no NUL"):
        read_upload(b"x", name)


def test_a_reader_failure_names_the_upload_not_the_temporary_folder(monkeypatch):
    import nlp.forms

    def broken(path: Path):
        raise OSError(f"[Errno 5] Input/output error: '{path}'")

    monkeypatch.setattr(nlp.forms, "parse_forms", broken)
    with pytest.raises(FormParseError) as caught:
        read_upload(b"x", "form.pdf")
    assert "form.pdf" in str(caught.value) and "piancha-upload-" not in str(caught.value)
    assert tempfile.gettempdir() not in str(caught.value)
