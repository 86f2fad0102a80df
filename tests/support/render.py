"""Write a Form record out as PDF-extracted-style text, the way the seed's extraction lays it out.

Each page starts with its value rows (年度指标值 实际完成值 分值 得分), then the header
cells, then the 三级指标 names and their 偏差原因分析及改进措施 texts wrapped at `wrap`
characters. A text shares its name's box or follows it in the next box, and its last line
may be a box of its own, as pdfminer writes them. Boxes are separated by one empty line,
pages by three.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
            head = [
                "财政项目支出绩效自评表\n" + (f"（{form.year}年度）" if form.year else ""),
                f"项目名称 {form.project}",
                f"主管部门 {form.department or ''} 实施单位 {form.unit or ''}".strip(),
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
