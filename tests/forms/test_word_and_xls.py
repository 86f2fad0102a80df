"""Word (.docx) and old Excel (.xls) files: read through the grid reader; bad ones give clear errors."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from nlp.errors import FormParseError
from nlp.forms import parse_forms
from tests.support.random_forms import make_form
from tests.support.render import render_docx, render_xls

runner = CliRunner()


def _docx(path: Path, rows: list[list[str]] | None, paragraph: str = "") -> Path:
    import docx

    document = docx.Document()
    if paragraph:
        document.add_paragraph(paragraph)
    if rows is not None:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                table.cell(r, c).text = value
    document.save(str(path))
    return path


def test_docx_merged_cells_give_level_names_and_repeated_texts_to_every_row(tmp_path: Path) -> None:
    form = make_form(random.Random(5))
    (parsed,) = parse_forms(render_docx([form], tmp_path / "one.docx"))
    assert [(i.level1, i.level2, i.name) for i in parsed.indicators] == [
        (i.level1, i.level2, i.name) for i in form.indicators
    ]
    assert sorted((d.indicator, d.text, d.points_lost) for d in parsed.deviations) == sorted(
        (d.indicator, d.text, d.points_lost) for d in form.deviations
    )


def test_a_docx_that_is_not_a_form_prints_an_error_line(tmp_path: Path) -> None:
    path = _docx(tmp_path / "minutes.docx", [["会议议题", "负责人"], ["道路养护", "张三"]], "会议纪要")
    result = runner.invoke(app, ["parse", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: minutes.docx: no 财政项目支出绩效自评表 found")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (None, "letter.docx: the document has no table"),
        ([["", ""], ["", ""]], "letter.docx: its tables are empty"),
    ],
)
def test_a_docx_without_a_table_or_with_an_empty_one_is_named(tmp_path: Path, rows, message: str) -> None:
    path = _docx(tmp_path / "letter.docx", rows, "尊敬的领导：")
    with pytest.raises(FormParseError, match=message):
        parse_forms(path)


def test_a_docx_bomb_is_refused_from_the_archive_directory(tmp_path: Path) -> None:
    import zipfile

    from nlp.errors import FormTooLargeError
    from nlp.forms import excel_reader

    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>" + b" " * (excel_reader.MAX_UNCOMPRESSED_BYTES + 1))
    with pytest.raises(FormTooLargeError, match="bomb.docx: .* MiB uncompressed"):
        parse_forms(path)


def _encrypted_xls(path: Path) -> Path:
    """An .xls whose workbook stream says it is encrypted: a FILEPASS record where xlwt wrote the one after BOF."""
    render_xls([make_form(random.Random(1))], path)
    data = bytearray(path.read_bytes())
    bof = data.find(bytes.fromhex("0908100000060500"))  # BIFF8 BOF of the workbook globals, 16 bytes long
    assert bof >= 0
    after = bof + 4 + 16
    data[after : after + 2] = (0x002F).to_bytes(2, "little")  # FILEPASS, keeping the record's length
    path.write_bytes(bytes(data))
    return path


def test_a_password_protected_xls_prints_an_error_line(tmp_path: Path) -> None:
    path = _encrypted_xls(tmp_path / "locked.xls")
    result = runner.invoke(app, ["parse", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: locked.xls: the workbook is password-protected")


def test_an_xls_with_only_an_empty_sheet_is_named(tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    book.add_sheet("Sheet1")
    book.save(str(tmp_path / "empty.xls"))
    with pytest.raises(FormParseError, match="empty.xls: every sheet is empty"):
        parse_forms(tmp_path / "empty.xls")


def test_a_truncated_xls_is_named(tmp_path: Path) -> None:
    path = render_xls([make_form(random.Random(2))], tmp_path / "cut.xls")
    path.write_bytes(path.read_bytes()[:1500])
    with pytest.raises(FormParseError, match="cut.xls: not a readable .xls workbook"):
        parse_forms(path)
