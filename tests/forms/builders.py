"""Build .xlsx and .pdf forms in the 自评表 template layout from the seed's own values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fixtures.seed_forms_expected import DEPARTMENT, FORMS, TEMPLATE_ROWS, UNIT

COLUMNS = 9  # A: 绩效指标/项目资金 … I: 偏差原因分析及改进措施


def spaced(label: str) -> str:
    """A label written with 分散对齐 spaces, as the template prints it ("绩 效 指 标")."""
    return " ".join(label)


def form_layout(project: str) -> tuple[list[list[Any]], list[tuple[int, int, int, int]]]:
    """Cells (row-major, 9 wide) and merges (r0, c0, r1, c1; 0-based, inclusive) of one form."""
    form = next(f for f in FORMS if f["project"] == project)
    spec = TEMPLATE_ROWS[project]
    b = form["budget"]
    cells: list[list[Any]] = []
    merges: list[tuple[int, int, int, int]] = []

    def row(values: list[Any]) -> int:
        cells.append(values + [None] * (COLUMNS - len(values)))
        return len(cells) - 1

    r = row(["财政项目支出绩效自评表"])
    merges.append((r, 0, r, 8))
    r = row(["（2023年度）"])
    merges.append((r, 0, r, 8))
    r = row([spaced("项目名称"), None, project])
    merges += [(r, 0, r, 1), (r, 2, r, 8)]
    r = row([spaced("主管部门"), None, DEPARTMENT, None, None, spaced("实施单位"), None, UNIT])
    merges += [(r, 0, r, 1), (r, 2, r, 4), (r, 5, r, 6), (r, 7, r, 8)]
    top = row(["项目资金\n（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率(%)", "得分"])
    row(
        [
            None,
            None,
            "年度资金总额",
            f"{b['initial']:,.2f}",
            f"{b['full_year']:,.2f}",
            f"{b['executed']:,.2f}",
            f"{b['weight']:.2f}",
            f"{b['execution_rate']:.2f}",
            f"{b['score']:.2f}",
        ]
    )
    row(
        [
            None,
            None,
            "其中：当年财政拨款",
            f"{b['initial']:,.2f}",
            f"{b['full_year']:,.2f}",
            f"{b['executed']:,.2f}",
            "-",
            f"{b['execution_rate']:.2f}",
            "-",
        ]
    )
    row([None, None, "上年结转资金", "0.00", "0.00", "0.00", "-", "0.00", "-"])
    r = row([None, None, "其他资金", "0.00", "0.00", "0.00", "-", "0.00", "-"])
    merges.append((top, 0, r, 1))
    r = row([spaced("年度总体目标"), None, "预期目标", None, None, None, "实际完成情况"])
    row([None, None, spaced_text(spec["target"]), None, None, None, spaced_text(spec["actual"])])
    merges += [(r, 0, r + 1, 1), (r, 2, r, 5), (r, 6, r, 8), (r + 1, 2, r + 1, 5), (r + 1, 6, r + 1, 8)]
    head = row(
        [
            spaced("绩效指标"),
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ]
    )
    first = head + 1
    for level1, level2, name, target, actual, weight, score, text in spec["rows"]:
        row([None, level1, level2, name, target, actual, f"{weight:.2f}", f"{score:.2f}", text])
    last = len(cells) - 1
    merges.append((head, 0, last, 0))
    for column in (1, 2, 8):  # 一级, 二级 and repeated deviation texts are merged cells
        start = first
        for r in range(first + 1, last + 2):
            if r > last or cells[r][column] != cells[start][column]:
                if r - 1 > start and cells[start][column]:
                    merges.append((start, column, r - 1, column))
                    for covered in range(start + 1, r):
                        cells[covered][column] = None
                start = r
    r = row(["总分", None, None, None, "100", f"{form['total_score']:g}", "评分等级", None, form["grade"]])
    merges += [(r, 0, r, 3), (r, 6, r, 7)]
    return cells, merges


def spaced_text(text: str) -> str:
    """Overall-target text as a cell holds it (no change; kept for symmetry with labels)."""
    return text


def build_xlsx(path: Path, projects: list[str]) -> Path:
    """An .xlsx with one sheet per project in the template layout, merged cells and all."""
    import openpyxl
    from openpyxl.styles import Alignment

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for number, project in enumerate(projects, start=1):
        sheet = workbook.create_sheet(f"表{number}")
        cells, merges = form_layout(project)
        for r, values in enumerate(cells, start=1):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    cell = sheet.cell(row=r, column=c, value=value)
                    cell.data_type = "s"  # "=100(%)" is text, not a formula
                    cell.alignment = Alignment(wrap_text=True, horizontal="distributed")
        for r0, c0, r1, c1 in merges:
            sheet.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    workbook.save(path)
    return path


def build_pdf(path: Path, projects: list[str]) -> Path:
    """A PDF with one ruled table per project (CID font), laid out like the template."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=7, leading=9, wordWrap="CJK")
    story: list[Any] = []
    for project in projects:
        cells, merges = form_layout(project)
        data = [[Paragraph(str(v), style) if v is not None else "" for v in row] for row in cells]
        table = Table(data, colWidths=[40, 50, 60, 80, 60, 70, 40, 40, 260])
        commands: list[Any] = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        commands += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in merges]
        table.setStyle(TableStyle(commands))
        story += [table, PageBreak()]
    SimpleDocTemplate(
        str(path), pagesize=landscape(A4), leftMargin=20, rightMargin=20, topMargin=20, bottomMargin=20
    ).build(story[:-1])
    return path


def build_text_pdf(path: Path, text: str) -> Path:
    """A PDF with no ruled table: the extracted text drawn back, box by box, page by page."""
    import re

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    height = 1400.0  # tall pages: one extracted page never spills onto two
    pdf = canvas.Canvas(str(path), pagesize=(A4[0], height))
    for page in re.split(r"\n(?:[ \t]*\n){2,}", text):
        y = height - 20
        for box in re.split(r"\n[ \t]*\n", page):
            lines = [line.strip() for line in box.split("\n") if line.strip()]
            for line in lines:
                pdf.setFont("STSong-Light", 6)
                pdf.drawString(20, y, line)
                y -= 7
            y -= 9
        pdf.showPage()
    pdf.save()
    return path
