"""Write a Form record out as PDF-extracted-style text, the way the seed's extraction lays it out.

Each page starts with its value rows (年度指标值 实际完成值 分值 得分), then the header
cells, then the 三级指标 names and their 偏差原因分析及改进措施 texts wrapped at `wrap`
characters. A text shares its name's box or follows it in the next box, and its last line
may be a box of its own, as pdfminer writes them. Boxes are separated by one empty line,
pages by three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nlp.forms.numbers import display_width
from nlp.forms.records import Form, Indicator


@dataclass
class Layout:
    """How one form is cut into pages and boxes; the defaults give one page, texts in the name's box."""

    wrap: int = 16
    page_breaks: list[int] = field(default_factory=list)  # indicator indexes that start a new page
    next_box: set[int] = field(default_factory=set)  # indicators whose text starts in the box after the name
    last_line_apart: set[int] = field(default_factory=set)  # indicators whose text's last line is its own box
    title_first: bool = False  # the title and header cells before the value rows


_NO_LINE_START = "，。、；：！？）”’》"


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def wrap_text(text: str, width: int) -> list[str]:
    """Cut `text` into lines `width` Chinese characters wide (the last one shorter); Latin and digits are half as wide.

    As Chinese typesetting does, a line never starts with closing punctuation (it hangs at
    the end of the line before) and a number or Latin word is not cut.
    """
    lines: list[str] = []
    start = 0
    while start < len(text):
        end, room = start, 2 * width
        while end < len(text) and display_width(text[end]) <= room:
            room -= display_width(text[end])
            end += 1
        if end < len(text) and _latin(text[end - 1]) and _latin(text[end]):
            back = end - 1
            while back > start and _latin(text[back - 1]):
                back -= 1
            end = back if back > start else end
        while end < len(text) and (text[end] in _NO_LINE_START or text[end - 1].isspace()):
            # 避头尾: closing punctuation hangs at the end of the line, never starts one; and a space stays
            # inside a line (at a line's end or start the extraction drops it)
            end += 1
        lines.append(text[start:end])
        start = end
    return lines or [""]


def _number(value: float | None, thousands: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:,.2f}" if thousands else f"{value:.2f}"


def _row_line(ind: Indicator) -> str:
    return f"{ind.target} {ind.actual} {ind.weight:.2f} {ind.score:.2f}"


def _texts(form: Form) -> dict[str, list[str]]:
    by_name: dict[str, list[str]] = {}
    for dev in form.deviations:
        by_name.setdefault(dev.indicator, []).append(dev.text)
    return by_name


_TITLES = {
    "project": "财政项目支出绩效自评表",
    "department": "部门（单位）整体支出绩效自评表",
    "transfer": "中央对地方转移支付区域绩效自评表",
}
_NAME_LABELS = {"project": "项目名称", "department": "部门（单位）名称", "transfer": "转移支付（项目）名称"}
_OWNER_LABELS = {
    "project": ("主管部门", "实施单位"),
    "department": ("主管部门", "实施单位"),
    "transfer": ("中央主管部门", "地方主管部门"),
}


def render_text(form: Form, layout: Layout | None = None) -> str:
    """The form as the text pdfminer extracts from its PDF, wrapped and paged as `layout` says."""
    layout = layout or Layout()
    b = form.budget
    texts = _texts(form)
    starts = sorted({0, *(i for i in layout.page_breaks if 0 < i < len(form.indicators))})
    pages = [form.indicators[s:e] for s, e in zip(starts, [*starts[1:], len(form.indicators)])]
    out_pages: list[str] = []
    offset = 0
    for number, page in enumerate(pages):
        boxes: list[str] = []
        head: list[str] = []
        if number == 0:
            base = form.template.removesuffix("-split")
            owner, doer = _OWNER_LABELS[base]
            head = [
                _TITLES[base] + "\n" + (f"（{form.year}年度）" if form.year else ""),
                f"{_NAME_LABELS[base]} {form.project}",
                f"{owner} {form.department or ''} {doer} {form.unit or ''}".strip(),
            ]
            budget = [
                "年初预算数 全年预算数 全年执行数 分值 执行率(%) 得分",
                f"年度资金总额 {_number(b.initial, True)} {_number(b.full_year, True)} "
                f"{_number(b.executed, True)} {_number(b.weight)} {_number(b.execution_rate)} {_number(b.score)}",
                "一级指标 二级指标 年度指标值 实际完成值 分值 得分",
            ]
            rows = [_row_line(ind) for ind in page]
            boxes = head + budget + rows if layout.title_first else budget + rows + head
            boxes.append("三级指标 偏差原因分析及改进措施")
        else:
            boxes = [_row_line(ind) for ind in page]
        for k, ind in enumerate(page):
            index = offset + k
            mine = texts.get(ind.name, [])
            if not mine:
                boxes.append(ind.name)
                continue
            for t_no, text in enumerate(mine):
                lines = wrap_text(text, layout.wrap)
                tail: list[str] = []
                if index in layout.last_line_apart and len(lines) > 1:
                    lines, tail = lines[:-1], lines[-1:]
                if t_no == 0 and index not in layout.next_box:
                    boxes.append("\n".join([ind.name, *lines]))
                else:
                    if t_no == 0:
                        boxes.append(ind.name)
                    boxes.append("\n".join(lines))
                boxes.extend(tail)
        if number == len(pages) - 1:
            boxes.append(f"100 {form.total_score:.2f}总分")
            if form.grade:
                boxes.append(f"评分等级 {form.grade}")
        offset += len(page)
        out_pages.append("\n\n".join(boxes))
    return "\n\n\n\n".join(out_pages) + "\n"


# -- the standard template as a grid: .xlsx, .xls, .docx and ruled PDF ---------------------------------------------

COLUMNS = 9
"""A: 绩效指标 / 项目资金 … I: 偏差原因分析及改进措施."""
Cells = list[list[str | None]]
Merges = list[tuple[int, int, int, int]]
"""(first row, first column, last row, last column), 0-based and inclusive; covered cells are None."""


def spaced(label: str) -> str:
    """A label written with 分散对齐 spaces, as the template prints it ("绩 效 指 标")."""
    return " ".join(label)


def split_cause_measure(text: str) -> tuple[str, str]:
    """A text cut after its first sentence: the 偏差原因分析 cell and the 改进措施 cell of a split-column form."""
    cut = text.find("。") + 1
    return (text, "") if cut <= 0 or cut == len(text) else (text[:cut], text[cut:])


def form_cells(form: Form) -> tuple[Cells, Merges]:
    """The form in its template's layout: cells row by row (9 wide, 10 with split columns) and the merged ranges."""
    base, split = form.template.removesuffix("-split"), form.template.endswith("-split")
    width = COLUMNS + split
    end = width - 1
    b = form.budget
    cells: Cells = []
    merges: Merges = []

    def row(values: list[str | None]) -> int:
        cells.append(values + [None] * (width - len(values)))
        return len(cells) - 1

    def money(value: float | None) -> str:
        return _number(value, True)

    r = row([_TITLES[base]])
    merges.append((r, 0, r, end))
    r = row([f"（{form.year}年度）" if form.year else ""])
    merges.append((r, 0, r, end))
    r = row([spaced(_NAME_LABELS[base]), None, form.project])
    merges += [(r, 0, r, 1), (r, 2, r, end)]
    owner, doer = _OWNER_LABELS[base]
    r = row([spaced(owner), None, form.department or "", None, None, spaced(doer), None, form.unit or ""])
    merges += [(r, 0, r, 1), (r, 2, r, 4), (r, 5, r, 6), (r, 7, r, end)]
    if base == "department":  # the department's main tasks of the year, with their money
        top = row(["年度主要任务", None, "任务名称", None, "主要内容", None, None, "预算数", "执行数"])
        for ind in form.indicators[:3]:
            row([None, None, ind.name[:4] + "工作", None, f"完成{ind.name}", None, None, "10.00", "9.00"])
        merges.append((top, 0, len(cells) - 1, 1))
    top = row(["项目资金\n（万元）", None, "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率(%)", "得分"])
    money_row = [money(b.initial), money(b.full_year), money(b.executed)]
    row([None, None, "年度资金总额", *money_row, _number(b.weight), _number(b.execution_rate), _number(b.score)])
    row([None, None, "其中：当年财政拨款", *money_row, "-", _number(b.execution_rate), "-"])
    r = row([None, None, "其他资金", "0.00", "0.00", "0.00", "-", "0.00", "-"])
    merges.append((top, 0, r, 1))
    r = row([spaced("年度总体目标"), None, "预期目标", None, None, None, "实际完成情况"])
    row([None, None, form.overall_target or "", None, None, None, form.overall_actual or ""])
    merges += [(r, 0, r + 1, 1), (r, 2, r, 5), (r, 6, r, end), (r + 1, 2, r + 1, 5), (r + 1, 6, r + 1, end)]
    heads = ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    head = row(heads + (["偏差原因分析", "改进措施"] if split else ["偏差原因分析及改进措施"]))
    texts = _texts(form)
    first = head + 1
    for ind in form.indicators:
        text = "".join(texts.get(ind.name, [])[:1])
        values = [None, ind.level1 or "", ind.level2 or "", ind.name, ind.target, ind.actual]
        values += [_number(ind.weight), _number(ind.score)]
        row(values + (list(split_cause_measure(text)) if split else [text]))
    last = len(cells) - 1
    if last >= first:
        merges.append((head, 0, last, 0))
    for column in (1, 2, *range(8, width)):  # 一级, 二级 and a text repeated on adjacent rows are merged cells
        start = first
        for r in range(first + 1, last + 2):
            if r > last or cells[r][column] != cells[start][column]:
                if r - 1 > start and cells[start][column]:
                    merges.append((start, column, r - 1, column))
                    for covered in range(start + 1, r):
                        cells[covered][column] = None
                start = r
    r = row(["总分", None, None, None, "100", f"{form.total_score:.2f}", "评分等级", None, form.grade or ""])
    merges += [(r, 0, r, 3), (r, 6, r, 7)] + ([(r, 8, r, end)] if split else [])
    return cells, merges


def render_xlsx(forms: list[Form], path: Path) -> Path:
    """An .xlsx with one sheet per form: merged cells, labels with 分散对齐 spaces, wrapped text."""
    import openpyxl
    from openpyxl.styles import Alignment

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for number, form in enumerate(forms, start=1):
        sheet = workbook.create_sheet(f"表{number}")
        cells, merges = form_cells(form)
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


def render_xls(forms: list[Form], path: Path) -> Path:
    """An old-format .xls (xlwt) with one sheet per form and its merged cells."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for number, form in enumerate(forms, start=1):
        sheet = book.add_sheet(f"表{number}")
        cells, merges = form_cells(form)
        merged = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in merges}
        covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, values in enumerate(cells):
            for c, value in enumerate(values):
                if (r, c) in merged:
                    r1, c1 = merged[(r, c)]
                    sheet.write_merge(r, r1, c, c1, value or "")
                elif (r, c) not in covered and value is not None:
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


def render_docx(forms: list[Form], path: Path) -> Path:
    """A .docx with one table per form (python-docx), merged cells and all, a page break between forms."""
    import docx
    from docx.enum.text import WD_BREAK
    from docx.table import _Cell

    document = docx.Document()
    for number, form in enumerate(forms):
        if number:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        cells, merges = form_cells(form)
        table = document.add_table(rows=len(cells), cols=len(cells[0]))
        table.style = "Table Grid"
        # The cells' XML elements, taken once: python-docx's table.cell(r, c) walks the whole table each call.
        tcs = [list(tr.tc_lst) for tr in table._tbl.tr_lst]
        for r, values in enumerate(cells):
            for c, value in enumerate(values):
                if value:
                    _Cell(tcs[r][c], table).text = value
        for r0, c0, r1, c1 in merges:
            tcs[r0][c0].merge(tcs[r1][c1])
    document.save(str(path))
    return path


def render_pdf(forms: list[Form], path: Path) -> Path:
    """A PDF with one ruled table per form (reportlab, CID font), laid out like the template, a page per form."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=7, leading=9, wordWrap="CJK")
    pdf = canvas.Canvas(str(path))
    for form in forms:
        cells, merges = form_cells(form)
        data = [[Paragraph(_escape(v), style) if v else "" for v in row] for row in cells]
        texts = [260] if len(cells[0]) == COLUMNS else [130, 130]
        table = Table(data, colWidths=[40, 50, 60, 80, 60, 70, 40, 40, *texts])
        commands: list[object] = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        commands += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in merges]
        table.setStyle(TableStyle(commands))
        width, height = table.wrapOn(pdf, 800, 14000)
        pdf.setPageSize((width + 40, height + 40))  # a page as tall as the form: its table is never split
        table.drawOn(pdf, 20, 20)
        pdf.showPage()
    pdf.save()
    return path


def _escape(text: str) -> str:
    """Cell text as reportlab's Paragraph markup: & < > escaped, line breaks kept."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


RENDERERS = {".xlsx": render_xlsx, ".xls": render_xls, ".docx": render_docx, ".pdf": render_pdf}
"""The file writers by extension: each takes the forms and a path and writes every form to it."""
