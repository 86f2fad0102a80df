"""Bad input gives a clear FormParseError naming the file and what is missing, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli.main import app
from nlp.errors import FormParseError, PianchaError
from nlp.forms import parse_forms

runner = CliRunner()


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_form_parse_error_is_a_piancha_value_error() -> None:
    assert issubclass(FormParseError, PianchaError) and issubclass(FormParseError, ValueError)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty.txt: the file is empty"),
        ("blank.txt", "   \n\n  ", "blank.txt: the file is empty"),
        ("garbage.txt", bytes(range(256)) * 8, "garbage.txt: binary data"),
        ("letter.txt", "尊敬的领导：\n\n现将有关情况报告如下。\n", "letter.txt: no 财政项目支出绩效自评表 found"),
        ("form.docx", b"PK\x03\x04", "form.docx: not a readable .docx"),
        ("form.doc", b"\xd0\xcf\x11\xe0", "form.doc: unsupported file type .doc (save .doc as .docx"),
        ("form.xls", b"\xd0\xcf\x11\xe0", "form.xls: not a readable .xls workbook"),
        ("form.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "form.xls: not a readable .xls workbook"),
        ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "locked.docx: a password-protected"),
        ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "locked.xlsx: a password-protected"),
        ("broken.pdf", b"%PDF-1.4\nnot really", "broken.pdf: not a readable PDF"),
        ("broken.xlsx", b"PK\x03\x04garbage", "broken.xlsx: not a readable .xlsx"),
    ],
)
def test_bad_file_raises_clear_error(tmp_path: Path, name: str, data: bytes | str, message: str) -> None:
    path = _write(tmp_path, name, data)
    with pytest.raises(FormParseError) as info:
        parse_forms(path)
    assert message in str(info.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FormParseError, match="nope.pdf: no such file"):
        parse_forms(str(tmp_path / "nope.pdf"))


def test_directory_is_not_a_form(tmp_path: Path) -> None:
    with pytest.raises(FormParseError, match="is a directory"):
        parse_forms(tmp_path)


def test_form_without_project_name_names_the_form(seed_text: str) -> None:
    first = seed_text.split("年初预算数", 2)[1]
    text = "年初预算数" + first.replace("项目名称 城市维护工程项目", "")
    with pytest.raises(FormParseError, match=r"<text>: form 1: no 项目名称 found / 未找到项目名称"):
        parse_forms(text)


def test_truncated_form_says_what_is_missing(seed_text: str) -> None:
    truncated = seed_text.split("\n\n\n\n扩容")[0]  # the first form without its last page
    with pytest.raises(FormParseError, match="<text>: form 1: no 总分 found"):
        parse_forms(truncated)


def test_several_forms_with_one_broken_return_the_good_ones(seed_text: str) -> None:
    broken = seed_text.replace("项目名称 交通文明行业创建和宣传经费", "", 1)
    forms = parse_forms(broken)
    assert len(forms) == 10
    assert all(any("form 5: no 项目名称 found" in w for w in f.warnings) for f in forms)


def _encrypted_pdf(path: Path) -> Path:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    pdf.drawString(100, 700, "hello")
    pdf.save()
    return path


def _image_only_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 400, 600, fill=1)
    pdf.save()
    return path


def test_encrypted_pdf_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FormParseError, match="locked.pdf: the PDF is encrypted"):
        parse_forms(_encrypted_pdf(tmp_path / "locked.pdf"))


def test_image_only_pdf_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FormParseError, match="scan.pdf: the PDF has no text layer"):
        parse_forms(_image_only_pdf(tmp_path / "scan.pdf"))


def test_cli_bad_input_exits_2_with_message(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.txt", b"")
    result = runner.invoke(app, ["parse", str(path)])
    assert result.exit_code == 2
    assert "error: empty.txt: the file is empty" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("maker", [_encrypted_pdf, _image_only_pdf])
def test_cli_unreadable_pdf_exits_2(tmp_path: Path, maker) -> None:  # noqa: ANN001
    result = runner.invoke(app, ["parse", str(maker(tmp_path / "x.pdf"))])
    assert result.exit_code == 2 and "error: x.pdf" in result.output


_form_words = st.sampled_from(
    [
        "年初预算数 全年预算数 分数 得分",
        "年度资金总额 1.00 2.00 10.00 9.00",
        "项目名称 甲",
        "主管部门 乙 实施单位 丙",
        "一级指标 二级指标 年度指标值 实际完成值 分值 得分",
        "=100(%) 90.00(%) 3.00 1.50",
        "提升\n部分达成指\n标并具有一\n定效果",
        "15.00 12.00",
        "100 88.1总分",
        "评分等级 良",
        "年度\n总体\n目标",
        "系统完好率",
        "由于故障，\n未及时修复。",
        "质量指标",
        "财政项目支出绩效自评表\n（2023年度）",
        "0.00 0.00",
        "\n\n",
        "\n\n\n\n",
        "总分",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.lists(st.one_of(_form_words, st.text(max_size=20))).map("\n\n".join)))
def test_arbitrary_text_only_raises_form_parse_error(text: str) -> None:
    try:
        forms = parse_forms(text)
    except FormParseError:
        return
    for form in forms:
        assert form.project
        assert isinstance(form.to_dict(), dict)
