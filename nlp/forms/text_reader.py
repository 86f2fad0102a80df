"""Reading forms from PDF-extracted text, where the table's columns arrive interleaved.

The extraction writes text boxes separated by one empty line and pages separated by
two or more. Within a page, the value rows (年度指标值 实际完成值 分值 得分) come as a
run near the top; indicator names, deviation texts, labels and header cells follow in
an order that is not the table's. A deviation text either shares a box with its
indicator name ("name⏎text…") or follows the name's box; its last line is often a
box of its own. The reader rebuilds those pieces and ties a value row to a name only
where the page leaves no doubt.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from nlp.errors import FormParseError
from nlp.forms.layout import (
    BUDGET_KEYS,
    DEV_MARKERS,
    DEV_PUNCT,
    is_label_text,
    is_terminated,
    require_parts,
    split_target_actual,
    strip_leading_labels,
)
from nlp.forms.numbers import display_width, join_wrapped, parse_number
from nlp.forms.records import Budget, Deviation, Form, Indicator

log = logging.getLogger(__name__)

_PAGE_BREAK = re.compile(r"\n(?:[ \t\u3000]*\n){2,}")
_BLOCK_BREAK = re.compile(r"\n(?:[ \t\u3000]*\n)+")
_ROW_END = re.compile(r"^(.*?)\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)$")
_TOTAL = re.compile(r"^(?:总分\s*)?100\s+(\d+(?:\.\d+)?)\s*(?:总分)?$|^总分\s*(\d+(?:\.\d+)?)$")
_PAIR = re.compile(r"^([\d,]+(?:\.\d+)?)\s+([\d,]+(?:\.\d+)?)$")
_YEAR = re.compile(r"[（(]\s*(\d{4})\s*年度?\s*[)）]|(\d{4})\s*年度")
_LONG_TEXT_WIDTH = 40
# A name column line this wide may wrap onto the next line; a shorter first line followed
# by more lines is a name sharing its box with the start of its deviation text.
_NAME_WRAP_WIDTH = 32


@dataclass
class Block:
    """One text box: its stripped non-empty lines and the page it is on."""

    lines: list[str]
    page: int

    @property
    def flat(self) -> str:
        """The box's text with all whitespace removed."""
        return re.sub(r"\s+", "", "".join(self.lines))

    @property
    def spaced(self) -> str:
        """The box's lines joined by single spaces."""
        return " ".join(self.lines)


@dataclass
class _Row:
    indicator: Indicator
    page: int

    @property
    def lost(self) -> float | None:
        return self.indicator.points_lost


@dataclass
class _Name:
    name: str
    page: int
    lost: float | None = None
    row: Indicator | None = None


@dataclass
class _Dev:
    parts: list[str]
    page: int
    owner: int | None = None  # index into names
    placed_by: str = "orphan"

    @property
    def text(self) -> str:
        return join_wrapped(self.parts)


def split_blocks(text: str) -> list[Block]:
    """Cut extracted text into boxes, numbering pages at page breaks (two or more empty lines)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n\n\n")
    blocks: list[Block] = []
    for page_no, page in enumerate(_PAGE_BREAK.split(text)):
        for chunk in _BLOCK_BREAK.split(page):
            lines = [line.strip() for line in chunk.split("\n") if line.strip()]
            if lines:
                blocks.append(Block(lines, page_no))
    return blocks


def _start_kind(block: Block) -> str | None:
    flat = block.flat
    if flat.startswith("年初预算数"):
        return "budget"
    if flat.startswith("项目名称"):
        return "project"
    if "绩效自评表" in flat and len(flat) < 40:
        return "title"
    return None


def group_forms(blocks: list[Block]) -> list[list[Block]]:
    """Split boxes into forms: a form starts at a budget header, 项目名称 or title seen twice."""
    groups: list[list[Block]] = []
    seen: set[str] = set()
    current: list[Block] = []
    for block in blocks:
        kind = _start_kind(block)
        if kind and kind in seen and any(_start_kind(b) for b in current):
            groups.append(current)
            current, seen = [], set()
        if kind:
            seen.add(kind)
        current.append(block)
    if current:
        groups.append(current)
    if len(groups) > 1 and not any(_start_kind(b) for b in groups[0]):
        groups[1] = groups[0] + groups[1]
        groups.pop(0)
    return [g for g in groups if any(_start_kind(b) for b in g)]


def _is_dev_line(line: str) -> bool:
    return any(ch in DEV_PUNCT for ch in line) or bool(DEV_MARKERS.search(line))


def _fills_column(line: str, others: list[str]) -> bool:
    """Whether `line` is as wide as the lines of `others`: a wrapped text's line, not the last one."""
    return bool(others) and display_width(line) >= min(display_width(o) for o in others) - 1


def _name_first(lines: list[str]) -> tuple[bool, bool]:
    """Whether a box's first line is a 三级指标 name above the start of its text, and whether that is certain.

    A wrapped text fills its column on every line but the last, whatever the width; a
    name is a line without sentence punctuation that is narrower than the text below it.
    A first line without punctuation as wide as the text under it, or above a single
    last line, is open: the page's count of value rows decides (see `_parse_group`).
    """
    if _is_dev_line(lines[0]):
        return False, True
    if len(lines) >= 3:
        widths = [display_width(line) for line in lines[1:-1]]
        in_column = min(widths) - 1 <= display_width(lines[0]) <= max(widths) + 1
        return (False, False) if in_column else (True, True)
    return True, False


def _runs_on(parts: list[str], column: list[str]) -> bool:
    """Whether a text's last line fills its column, so the next box may carry on the same text.

    The column is the text's own earlier lines, or for a one-line text the other texts' lines
    on the form that are not their last.
    """
    if len(parts) >= 2:
        return _fills_column(parts[-1], parts[:-1])
    return (
        len(column) >= 2
        and _fills_column(parts[-1], column)
        and display_width(parts[-1]) <= max(display_width(line) for line in column) + 1
    )


def _is_long(block: Block) -> bool:
    return max(display_width(line) for line in block.lines) >= _LONG_TEXT_WIDTH


class _FormParser:
    """Turns the boxes of one form into a Form."""

    def __init__(self, blocks: list[Block], source: str, number: int, flipped: frozenset[int] = frozenset()) -> None:
        self.blocks = blocks
        # Boxes whose first line the shape leaves open, with the reading taken (name first or
        # not); boxes whose id is in `flipped` are read the other way.
        self.flipped = flipped
        self.open_boxes: list[tuple[Block, bool]] = []
        self.source = source
        self.number = number
        self.project: str | None = None
        self.department: str | None = None
        self.unit: str | None = None
        self.year: int | None = None
        self.budget = Budget()
        self.budget_header: list[str] = []
        self.exec_pairs: list[tuple[float, float]] = []
        self.total: float | None = None
        self.grade: str | None = None
        self.rows: list[_Row] = []
        self.names: list[_Name] = []
        self.devs: list[_Dev] = []
        self.target: list[str] = []
        self.actual: list[str] = []
        self.warnings: list[str] = []

    # -- value rows ---------------------------------------------------------------
    def _try_row(self, i: int) -> tuple[_Row, int] | None:
        pieces: list[str] = []
        for j in range(i, min(i + 5, len(self.blocks))):
            block = self.blocks[j]
            if block.page != self.blocks[i].page:
                return None
            match = _ROW_END.match(block.lines[-1])
            if (
                j > i
                and not (match and len(block.lines) == 1)
                and (self._structural(block) or is_label_text(block.flat))
            ):
                return None
            if not match:
                pieces.extend(block.lines)
                continue
            pieces.extend(block.lines[:-1])
            pieces.append(match.group(1))
            rest, _level1, level2 = strip_leading_labels(" ".join(p for p in pieces if p))
            split = split_target_actual(rest)
            if split is None:
                return None
            indicator = Indicator(
                level1=None,
                level2=level2,
                name="",
                target=split[0],
                actual=split[1],
                weight=float(match.group(2)),
                score=float(match.group(3)),
            )
            return _Row(indicator, block.page), j + 1
        return None

    # -- single boxes -------------------------------------------------------------
    def _structural(self, block: Block) -> bool:
        flat = block.flat
        return bool(
            flat.startswith(
                (
                    "年初预算数",
                    "年度资金总额",
                    "其中",
                    "上年结转资金",
                    "其他资金",
                    "一级指标",
                    "项目名称",
                    "主管部门",
                    "预期目标",
                    "项目资金",
                    "全年执行数",
                    "三级指标",
                    "评分等级",
                    "年度总体目标",
                    "绩效指标",
                )
            )
            or ("绩效自评表" in flat and len(flat) < 40)
            or flat == "总分"
            or _TOTAL.match(block.spaced)
            or _PAIR.match(block.spaced)
        )

    def _header(self, block: Block) -> bool:
        """Read a header or fixed cell; False when the box is not one."""
        flat, spaced = block.flat, block.spaced
        if flat.startswith("年初预算数"):
            self.budget_header = [
                key for token in spaced.split() for word, key in BUDGET_KEYS.items() if token.startswith(word)
            ]
        elif flat.startswith("年度资金总额"):
            self._budget_line(spaced)
        elif flat.startswith("项目名称"):
            self.project = spaced.split("项目名称", 1)[1].strip() or self.project
        elif flat.startswith("主管部门"):
            match = re.match(r"^主管部门\s*(.*?)\s*(?:实施单位\s*(.*))?$", spaced)
            if match:
                self.department = match.group(1).strip() or None
                self.unit = (match.group(2) or "").strip() or None
        elif "绩效自评表" in flat and len(flat) < 40:
            match = _YEAR.search(flat)
            if match:
                self.year = int(match.group(1) or match.group(2))
        elif flat.startswith("评分等级"):
            self.grade = flat[len("评分等级") :] or None
        elif _TOTAL.match(spaced):
            match = _TOTAL.match(spaced)
            assert match is not None
            self.total = float(match.group(1) or match.group(2))
        elif _PAIR.match(spaced):
            match = _PAIR.match(spaced)
            assert match is not None
            executed, rate = parse_number(match.group(1)), parse_number(match.group(2))
            if executed is not None and rate is not None:
                self.exec_pairs.append((executed, rate))
        else:
            return self._structural(block)
        return True

    def _budget_line(self, spaced: str) -> None:
        values = [parse_number(t) if t not in "-—–" else None for t in spaced.split()[1:]]
        keys = self.budget_header if len(self.budget_header) == len(values) else None
        if keys is None:
            keys = {
                4: ["initial", "full_year", "weight", "score"],
                6: ["initial", "full_year", "executed", "weight", "execution_rate", "score"],
            }.get(len(values), [])
        for key, value in zip(keys, values):
            setattr(self.budget, key, value)

    # -- the walk -----------------------------------------------------------------
    def parse(self) -> Form:
        """Walk the boxes once, then tie rows, place deviations and build the Form."""
        in_region = True
        overall: str | None = None  # None, "target" or "actual"
        prev: str | None = None  # "name" or "dev": what the last content box was
        page = self.blocks[0].page if self.blocks else 0
        dangling: _Dev | None = None
        i = 0
        while i < len(self.blocks):
            block = self.blocks[i]
            if block.page != page:
                page, in_region, overall = block.page, True, None
                last = self.devs[-1] if self.devs else None
                dangling = last if prev == "dev" and last and not is_terminated(last.text) else None
                prev = None
            if in_region:
                found = self._try_row(i)
                if found:
                    self.rows.append(found[0])
                    i = found[1]
                    continue
                if is_label_text(block.flat) or block.flat == "总分":
                    i += 1
                    continue
                if _TOTAL.match(block.spaced):
                    self._header(block)
                    in_region = False
                    i += 1
                    continue
                in_region = False
            i += 1
            flat = block.flat
            if flat.startswith("一级指标"):
                in_region = True
                continue
            if flat.startswith("年度总体目标"):
                overall = self._overall_marker(block)
                prev = None
                continue
            if self._header(block):
                continue
            if overall is not None:
                parts = self.target if overall == "target" else self.actual
                open_part = bool(parts) and not is_terminated(parts[-1])
                if _is_long(block) or open_part:
                    parts.append(join_wrapped(block.lines))
                    if overall == "target" and is_terminated(parts[-1]):
                        overall = "actual"
                    prev = None
                    continue
                overall = None
            if is_label_text(flat):
                continue
            prev, dangling = self._content(block, prev, dangling)
        return self._finish()

    def _overall_marker(self, block: Block) -> str:
        text = block.spaced
        inline = re.sub(r"^年\s*度\s*总\s*体\s*目\s*标", "", text).strip()
        if inline:
            self.target.append(inline)
            return "actual" if is_terminated(inline) else "target"
        return "target"

    def _column(self) -> list[str]:
        """The full lines of the texts read so far (every line of a text but its last)."""
        return [line for dev in self.devs if len(dev.parts) > 1 for line in dev.parts[:-1]]

    def _content(self, block: Block, prev: str | None, dangling: _Dev | None):
        lines = block.lines
        dev_lines = [_is_dev_line(line) for line in lines]
        wrapped_name = len(lines) == 1 or display_width(lines[0]) >= _NAME_WRAP_WIDTH
        if not any(dev_lines) and wrapped_name:
            self.names.append(_Name(join_wrapped(lines), block.page))
            return "name", dangling
        first, certain = _name_first(lines)
        if not certain:
            self.open_boxes.append((block, first))
            first = first != (id(block) in self.flipped)
        if first:
            self.names.append(_Name(lines[0], block.page))
            self.devs.append(_Dev(lines[1:], block.page, len(self.names) - 1, "same box"))
            return "dev", None
        last = self.devs[-1] if self.devs else None
        if (
            prev == "dev"
            and last is not None
            and (not is_terminated(last.text) or _runs_on(last.parts, self._column()))
        ):
            last.parts.extend(lines)
        elif dangling is not None:
            dangling.parts.extend(lines)
            self.devs.append(self.devs.pop(self.devs.index(dangling)))
            return "dev", None
        elif prev == "name" and not any(d.owner == len(self.names) - 1 for d in self.devs):
            self.devs.append(_Dev(list(lines), block.page, len(self.names) - 1, "next box"))
        else:
            self.devs.append(_Dev(list(lines), block.page))
        return "dev", dangling

    # -- after the walk -----------------------------------------------------------
    def _tie_rows(self) -> None:
        """Give a name its value row's points lost only where the page leaves one possibility."""
        satisfied = [n for n in self.names if "满意" in n.name]
        k = len(satisfied)
        if 0 < k <= len(self.rows):
            tail = self.rows[-k:]
            losses = {r.lost for r in tail}
            if all("%" in (r.indicator.target or "") for r in tail) and len(losses) == 1:
                for name in satisfied:
                    name.lost = tail[0].lost
                if k == 1:
                    satisfied[0].row = tail[0].indicator
        for page in {n.page for n in self.names}:
            names = [n for n in self.names if n.page == page]
            rows = [r for r in self.rows if r.page == page]
            losses = {r.lost for r in rows}
            if rows and len(rows) == len(names) and len(losses) == 1:
                for name in names:
                    name.lost = rows[0].lost
                if len(rows) == 1:
                    names[0].row = rows[0].indicator

    def _place_orphans(self) -> None:
        """Revoke 'next box' placements that contradict a tied zero loss, then place orphans.

        An orphan text goes to a name on its page that has no text, may have lost points,
        and whose kind (率 / 数 / other) fits a value row on that page that lost points and
        is not yet explained; among those, to the name its wording shares most with.
        """
        for dev in self.devs:
            if dev.owner is not None and dev.placed_by == "next box":
                if self.names[dev.owner].lost == 0:
                    dev.owner, dev.placed_by = None, "orphan"
        for page in sorted({d.page for d in self.devs if d.owner is None}):
            open_rows = [_row_kind(r) for r in self.rows if r.page == page and (r.lost or 0) > 0]
            for dev in self.devs:
                if dev.page == page and dev.owner is not None:
                    _consume(open_rows, _name_kind(self.names[dev.owner].name))
            for dev in self.devs:
                if dev.page != page or dev.owner is not None:
                    continue
                owned = {d.owner for d in self.devs if d.owner is not None}
                free = [idx for idx, n in enumerate(self.names) if n.page == page and idx not in owned and n.lost != 0]
                fitting = [
                    idx for idx in free if any(_fits(_name_kind(self.names[idx].name), kind) for kind in open_rows)
                ]
                candidates = fitting or free
                best = _most_similar(dev.text, [self.names[idx].name for idx in candidates])
                if best is None:
                    self.warnings.append(
                        f"deviation text on page {page + 1} has no 三级指标 "
                        f"/ 偏差说明未能对应三级指标: {dev.text[:30]}…"
                    )
                    continue
                dev.owner, dev.placed_by = candidates[best], "wording"
                _consume(open_rows, _name_kind(self.names[dev.owner].name))
                self.warnings.append(
                    f"a deviation text whose box is detached from its name was placed under "
                    f"{self.names[dev.owner].name} by its wording / 偏差说明按措辞归入该指标"
                )

    def _finish(self) -> Form:
        require_parts(
            f"{self.source}: form {self.number}",
            self.project,
            self.budget.full_year is not None or self.budget.initial is not None,
            bool(self.names),
            self.total,
        )
        assert self.project is not None and self.total is not None
        if self.exec_pairs and self.budget.executed is None:
            executed, rate = max(self.exec_pairs)
            self.budget.executed, self.budget.execution_rate = executed, rate
        self._tie_rows()
        self._place_orphans()
        indicators = []
        for name in self.names:
            row = name.row
            indicators.append(
                Indicator(
                    level1=row.level1 if row else None,
                    level2=row.level2 if row else None,
                    name=name.name,
                    target=row.target if row else None,
                    actual=row.actual if row else None,
                    weight=row.weight if row else None,
                    score=row.score if row else None,
                )
            )
        deviations: list[Deviation] = []
        seen: set[tuple[str, str]] = set()
        for dev in sorted(self.devs, key=lambda d: (d.owner is None, d.owner or 0)):
            if dev.owner is None:
                continue
            name = self.names[dev.owner]
            key = (name.name, dev.text)
            if key in seen:
                continue
            seen.add(key)
            deviations.append(
                Deviation(
                    indicator=name.name,
                    text=dev.text,
                    points_lost=name.lost,
                    placed_by=dev.placed_by,
                )
            )
        return Form(
            project=self.project,
            department=self.department,
            unit=self.unit,
            year=self.year,
            budget=self.budget,
            overall_target=join_wrapped(self.target) or None,
            overall_actual=join_wrapped(self.actual) or None,
            indicators=indicators,
            deviations=deviations,
            total_score=self.total,
            grade=self.grade,
            warnings=self.warnings,
            source=self.source,
            value_rows=[r.indicator for r in self.rows],
        )


def _name_kind(name: str) -> str:
    """'rate' for a …率 indicator, 'count' for …数/量, else 'other'."""
    if name.endswith("率"):
        return "rate"
    if name.endswith(("数", "量")):
        return "count"
    return "other"


def _row_kind(row: _Row) -> str:
    """'rate' for a % target, 'count' for another unit, 'words' for a qualitative target."""
    target = row.indicator.target or ""
    if "%" in target:
        return "rate"
    if target[:1] in "=≥≤<>≠＝＜＞":
        return "count"
    return "words"


def _fits(name_kind: str, row_kind: str) -> bool:
    if row_kind == "words":
        return name_kind == "other"
    return name_kind in (row_kind, "other")


def _consume(open_rows: list[str], name_kind: str) -> None:
    """Mark one lost-points row explained: one of the name's own kind, else any that fits."""
    preferred = {"rate": "rate", "count": "count", "other": "words"}[name_kind]
    for kind in [preferred, *open_rows]:
        if kind in open_rows and _fits(name_kind, kind):
            open_rows.remove(kind)
            return


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _most_similar(text: str, names: list[str]) -> int | None:
    """Index of the name sharing the most distinctive character pairs with `text`; None if none."""
    grams = [_bigrams(name) for name in names]
    counts: dict[str, int] = {}
    for gram_set in grams:
        for gram in gram_set:
            counts[gram] = counts.get(gram, 0) + 1
    scores = [sum(1.0 / counts[g] for g in gram_set if g in text) for gram_set in grams]
    if not scores or max(scores) <= 0:
        return None
    return scores.index(max(scores))


def _parse_group(blocks: list[Block], source: str, number: int) -> Form:
    """Parse one form; where a page has fewer names than value rows, read its open boxes as names.

    A box whose first line is as wide as the text under it and has no punctuation could be a
    name above its text or a text's first line. Each page has one value row per 三级指标, so
    when a page lacks exactly as many names as it has such boxes, they all start with a name.
    """
    parser = _FormParser(blocks, source, number)
    form = parser.parse()
    flipped: set[int] = set()
    for page in {b.page for b, _ in parser.open_boxes}:
        missing = sum(r.page == page for r in parser.rows) - sum(n.page == page for n in parser.names)
        as_text = [id(b) for b, first in parser.open_boxes if b.page == page and not first]
        as_name = [id(b) for b, first in parser.open_boxes if b.page == page and first]
        if missing > 0 and missing == len(as_text):
            flipped.update(as_text)
        elif missing < 0 and -missing == len(as_name):
            flipped.update(as_name)
    if not flipped:
        return form
    return _FormParser(blocks, source, number, frozenset(flipped)).parse()


def read_text(text: str, source: str = "<text>") -> list[Form]:
    """Parse every form in PDF-extracted text; broken forms become warnings on the good ones."""
    groups = group_forms(split_blocks(text))
    if not groups:
        raise FormParseError(
            f"{source}: no 财政项目支出绩效自评表 found (no 项目名称 or 年初预算数) / 未找到绩效自评表"
        )
    forms: list[Form] = []
    broken: list[str] = []
    for number, group in enumerate(groups, start=1):
        try:
            forms.append(_parse_group(group, source, number))
        except FormParseError as exc:
            log.info("skipping a broken form: %s", exc)
            broken.append(str(exc))
    if not forms:
        raise FormParseError(broken[0] if len(broken) == 1 else "; ".join(broken))
    for message in broken:
        for form in forms:
            form.warnings.append(f"skipped a broken form / 跳过无法读取的表: {message}")
    return forms
