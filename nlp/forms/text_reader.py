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
from enum import Enum, auto
from functools import cached_property
from itertools import combinations

from nlp.errors import FormParseError
from nlp.forms.layout import (
    BUDGET_KEYS,
    DEPARTMENT_LABELS,
    DEV_MARKERS,
    DEV_PUNCT,
    NAME_LABELS,
    is_label_text,
    is_terminated,
    name_label,
    require_parts,
    split_target_actual,
    strip_leading_labels,
    template_of_title,
)
from nlp.forms.numbers import display_width, join_wrapped, parse_number
from nlp.forms.records import Budget, Deviation, Form, Indicator

log = logging.getLogger(__name__)

_PAGE_BREAK = re.compile(r"\n(?:[ \t\u3000]*\n){2,}")
_BLOCK_BREAK = re.compile(r"\n(?:[ \t\u3000]*\n)+")
_ROW_END = re.compile(r"^(.*?)\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)$")
_TOTAL = re.compile(r"^(?:总分\s*)?100\s+(\d+(?:\.\d+)?)\s*(?:总分)?$|^总分\s*(\d+(?:\.\d+)?)$")
_PAIR = re.compile(r"^([\d,]+(?:\.\d+)?)\s+([\d,]+(?:\.\d+)?)$")
_OWNERS = re.compile(r"^(?:中央)?主管部门\s*(.*?)\s*(?:(?:实施单位|地方主管部门)\s*(.*))?$")
_YEAR = re.compile(r"[（(]\s*(\d{4})\s*年度?\s*[)）]|(\d{4})\s*年度")
_LONG_TEXT_WIDTH = 40
_COLUMN_SLACK = 6
"""How much narrower than its column a text's full line may be (hanging punctuation, a number kept whole)."""
_MAX_READINGS = 64
"""Readings of a page's open boxes tried at most (those that change the fewest boxes)."""
# A name column line this wide may wrap onto the next line; a shorter first line followed
# by more lines is a name sharing its box with the start of its deviation text.
_NAME_WRAP_WIDTH = 32


@dataclass
class Block:
    """One text box: its stripped non-empty lines and the page it is on."""

    lines: list[str]
    page: int

    @cached_property
    def flat(self) -> str:
        """The box's text with all whitespace removed."""
        return re.sub(r"\s+", "", "".join(self.lines))

    @cached_property
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


class _Last(Enum):
    """What the last content box of the walk was."""

    NOTHING = auto()
    NAME = auto()
    TEXT = auto()


class _Overall(Enum):
    """Which half of 年度总体目标 the boxes after its marker fill."""

    TARGET = auto()
    ACTUAL = auto()


@dataclass
class _Walk:
    """Where the walk over one form's boxes stands."""

    page: int
    at: int = 0
    """Index of the next box."""
    in_rows: bool = True
    """At the top of a page or after 一级指标, where value rows come."""
    overall: _Overall | None = None
    """Reading 年度总体目标's target or actual."""
    last: _Last = _Last.NOTHING
    dangling: _Dev | None = None
    """A text left open at the foot of the last page, which a text box of this page may finish."""


@dataclass
class _OpenBox:
    """A box whose first line may be a name or a text's first line; the reading its shape suggests."""

    block: Block
    name_first: bool
    after: _Last


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
    if name_label(flat):
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
    """Whether a line reads as a sentence: punctuation, a word of explanations, or a 、 left at a line's end."""
    return any(ch in DEV_PUNCT for ch in line) or bool(DEV_MARKERS.search(line)) or line.endswith("、")


def _fills_column(line: str, others: list[str]) -> bool:
    """Whether `line` is as wide as the lines of `others`: a wrapped text's line, not the last one."""
    return bool(others) and display_width(line) >= min(display_width(o) for o in others) - 1


def _name_first(lines: list[str]) -> tuple[bool, bool]:
    """Whether a box's first line is a 三级指标 name above the start of its text, and whether that is certain.

    A line with sentence punctuation is text. A wrapped text fills its column on every line but
    the last, give or take a hanging mark or a number kept whole, so a first line clearly narrower
    than the lines under it is a name. Otherwise the shape only suggests a reading (a first line
    as wide as the text under it, or above a single last line, is open): the page's value rows
    decide (see `_parse_group`).
    """
    if _is_dev_line(lines[0]):
        return False, True
    if len(lines) >= 3:
        first, narrowest = display_width(lines[0]), min(display_width(line) for line in lines[1:-1])
        widest = max(display_width(line) for line in lines[1:-1])
        if first < narrowest - _COLUMN_SLACK or first > widest + 2:
            return True, True
        return first < narrowest - 1, False
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
        self.open_boxes: list[_OpenBox] = []
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
        self.title: str | None = None
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
                    *NAME_LABELS,
                    *DEPARTMENT_LABELS,
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
        elif name_label(flat):
            label = name_label(flat)
            assert label is not None
            self.project = re.sub(r"\s*".join(map(re.escape, label)), "", spaced, count=1).strip() or self.project
        elif flat.startswith(DEPARTMENT_LABELS):
            match = _OWNERS.match(spaced)
            if match:
                self.department = match.group(1).strip() or None
                self.unit = (match.group(2) or "").strip() or None
        elif "绩效自评表" in flat and len(flat) < 40:
            self.title = flat
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
        """Walk the boxes, then tie rows, place detached texts and build the Form."""
        self.walk()
        return self._finish()

    def walk(self) -> None:
        """Walk the boxes once: value rows, markers, header cells, overall target, names and texts."""
        walk = _Walk(page=self.blocks[0].page if self.blocks else 0)
        while walk.at < len(self.blocks):
            block = self.blocks[walk.at]
            if block.page != walk.page:
                self._turn_page(walk, block.page)
            if walk.in_rows and self._read_value_rows(walk, block):
                continue
            walk.at += 1
            for step in self._BOX_STEPS:
                if step(self, walk, block):
                    break

    def _turn_page(self, walk: _Walk, page: int) -> None:
        """A new page starts with its value rows; a text left open at the foot of the last page may go on."""
        last = self.devs[-1] if self.devs else None
        open_text = walk.last is _Last.TEXT and last is not None and not is_terminated(last.text)
        walk.page, walk.in_rows, walk.overall = page, True, None
        walk.dangling = last if open_text else None
        walk.last = _Last.NOTHING

    def _read_value_rows(self, walk: _Walk, block: Block) -> bool:
        """In the run of value rows: read a row, skip labels, stop at the first box that is not a row."""
        found = self._try_row(walk.at)
        if found:
            self.rows.append(found[0])
            walk.at = found[1]
            return True
        if is_label_text(block.flat) or block.flat == "总分":
            walk.at += 1
            return True
        walk.in_rows = False
        if _TOTAL.match(block.spaced):
            self._header(block)
            walk.at += 1
            return True
        return False

    def _read_marker(self, walk: _Walk, block: Block) -> bool:
        """一级指标 opens a run of value rows; 年度总体目标 opens the overall target."""
        if block.flat.startswith("一级指标"):
            walk.in_rows = True
            return True
        if block.flat.startswith("年度总体目标"):
            walk.overall = self._overall_marker(block)
            walk.last = _Last.NOTHING
            return True
        return False

    def _read_overall(self, walk: _Walk, block: Block) -> bool:
        """After 年度总体目标: long boxes (or ones that finish an open sentence) are its target, then its actual."""
        if walk.overall is None:
            return False
        parts = self.target if walk.overall is _Overall.TARGET else self.actual
        open_part = bool(parts) and not is_terminated(parts[-1])
        if not (_is_long(block) or open_part):
            walk.overall = None
            return False
        parts.append(join_wrapped(block.lines))
        if walk.overall is _Overall.TARGET and is_terminated(parts[-1]):
            walk.overall = _Overall.ACTUAL
        walk.last = _Last.NOTHING
        return True

    def _overall_marker(self, block: Block) -> _Overall:
        text = block.spaced
        inline = re.sub(r"^年\s*度\s*总\s*体\s*目\s*标", "", text).strip()
        if inline:
            self.target.append(inline)
            return _Overall.ACTUAL if is_terminated(inline) else _Overall.TARGET
        return _Overall.TARGET

    def _read_header(self, walk: _Walk, block: Block) -> bool:
        return self._header(block)

    def _skip_label(self, walk: _Walk, block: Block) -> bool:
        return is_label_text(block.flat)

    def _column(self) -> list[str]:
        """The full lines of the texts read so far (every line of a text but its last)."""
        return [line for dev in self.devs if len(dev.parts) > 1 for line in dev.parts[:-1]]

    def _read_content(self, walk: _Walk, block: Block) -> bool:
        """A name, a name above the start of its text, or (part of) a text."""
        lines = block.lines
        wrapped_name = len(lines) == 1 or display_width(lines[0]) >= _NAME_WRAP_WIDTH
        if not any(_is_dev_line(line) for line in lines) and wrapped_name:
            if self._may_run_on(walk) or self._may_start_text(walk):
                # a name, or the end of a text cut off mid-sentence, or the first line of a text boxed apart
                self.open_boxes.append(_OpenBox(block, True, walk.last))
                if id(block) in self.flipped:
                    self._read_text(walk, block)
                    walk.last = _Last.TEXT
                    return True
            self.names.append(_Name(join_wrapped(lines), block.page))
            walk.last = _Last.NAME
            return True
        first, certain = _name_first(lines)
        if not certain:
            self.open_boxes.append(_OpenBox(block, first, walk.last))
            first = first != (id(block) in self.flipped)
        if first:
            self.names.append(_Name(lines[0], block.page))
            self.devs.append(_Dev(lines[1:], block.page, len(self.names) - 1, "same box"))
            walk.last, walk.dangling = _Last.TEXT, None
            return True
        self._read_text(walk, block)
        walk.last = _Last.TEXT
        return True

    def _may_run_on(self, walk: _Walk) -> bool:
        """Whether the last text is open and its last line fills its column, so a box may carry it on."""
        last = self.devs[-1] if self.devs else None
        return (
            walk.last is _Last.TEXT
            and last is not None
            and not is_terminated(last.text)
            and _runs_on(last.parts, self._column())
        )

    def _may_start_text(self, walk: _Walk) -> bool:
        """Whether the box just read follows a name and comes before a box of text on its page."""
        if walk.last is not _Last.NAME or walk.at >= len(self.blocks):
            return False
        after = self.blocks[walk.at]
        return after.page == walk.page and _is_dev_line(after.lines[0]) and not self._structural(after)

    def _read_text(self, walk: _Walk, block: Block) -> None:
        """A box of text: it carries on the last text, the text left open on the last page, or starts one."""
        lines = block.lines
        last = self.devs[-1] if self.devs else None
        if (
            walk.last is _Last.TEXT
            and last is not None
            and (not is_terminated(last.text) or _runs_on(last.parts, self._column()))
        ):
            last.parts.extend(lines)
        elif walk.dangling is not None:
            walk.dangling.parts.extend(lines)
            self.devs.append(self.devs.pop(self.devs.index(walk.dangling)))
            walk.dangling = None
        elif walk.last is _Last.NAME and not any(d.owner == len(self.names) - 1 for d in self.devs):
            self.devs.append(_Dev(list(lines), block.page, len(self.names) - 1, "next box"))
        elif walk.last is _Last.TEXT and last is not None and last.page == block.page and len(lines) == 1:
            last.parts.extend(lines)  # a text's last line, boxed apart after a line that ended a sentence
        else:
            self.devs.append(_Dev(list(lines), block.page))

    _BOX_STEPS = (_read_marker, _read_header, _read_overall, _skip_label, _read_content)
    """What a box after the value rows can be, tried in this order."""

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
        explained = {d.owner for d in self.devs if d.owner is not None}
        for page in {n.page for n in self.names}:
            names = [idx for idx, n in enumerate(self.names) if n.page == page]
            rows = [r for r in self.rows if r.page == page]
            if not rows or len(rows) != len(names) or any(r.lost is None for r in rows):
                continue
            if len({r.lost for r in rows}) == 1:
                for idx in names:
                    self.names[idx].lost = rows[0].lost
                if len(rows) == 1:
                    self.names[names[0]].row = rows[0].indicator
                continue
            with_text = [idx for idx in names if idx in explained]
            losing = [r for r in rows if r.lost]
            if len(losing) != len(with_text):
                continue  # some text explains a row that lost nothing, or a loss has no text: nothing is certain
            certain = _certain_losses([self.names[idx].name for idx in with_text], losing)
            for idx, lost in zip(with_text, certain):
                if lost is not None and self.names[idx].lost is None:
                    self.names[idx].lost = lost

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
            template=template_of_title(self.title, f"{self.source}: form {self.number}") if self.title else "project",
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


def _may_own(name: str, row: _Row) -> bool:
    """Whether a value row can be a name's: a …率 is printed in %, whatever else a row may be."""
    return not name.endswith("率") or "%" in (row.indicator.target or "")


def _matches(options: list[list[int]], taken: frozenset[int] = frozenset()) -> bool:
    """Whether every name (a list of the rows it may own) can own a row of its own, none of `taken`.

    Kuhn's augmenting paths: polynomial, where trying every assignment would be factorial."""
    owner: dict[int, int] = {}

    def place(name: int, seen: set[int]) -> bool:
        for row in options[name]:
            if row in taken or row in seen:
                continue
            seen.add(row)
            if row not in owner or place(owner[row], seen):
                owner[row] = name
                return True
        return False

    return all(place(name, set()) for name in range(len(options)))


def _certain_losses(names: list[str], rows: list[_Row]) -> list[float | None]:
    """Each name's points lost where every way of giving each name one of `rows` agrees; else None.

    `names` are a page's names with a text and `rows` its rows that lost points, as many: an
    indicator that lost points has a text (the template asks for one), so these own those.
    """
    options = [[j for j, row in enumerate(rows) if _may_own(name, row)] for name in names]
    if not _matches(options):
        return [None] * len(names)
    out: list[float | None] = []
    for i, mine in enumerate(options):
        others = options[:i] + options[i + 1 :]
        feasible = {rows[j].lost for j in mine if _matches(others, frozenset({j}))}
        out.append(feasible.pop() if len(feasible) == 1 else None)
    return out


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


def _flip_sets(boxes: list[_OpenBox], missing: int) -> list[frozenset[int]]:
    """The sets of open boxes whose other reading changes a page's count of names by `missing`, smallest first."""
    as_text = [id(b.block) for b in boxes if not b.name_first]
    as_name = [id(b.block) for b in boxes if b.name_first]
    choices: list[frozenset[int]] = []
    for to_names in range(max(missing, 0), len(as_text) + 1):
        to_texts = to_names - missing
        if to_texts > len(as_name):
            break
        for names in combinations(as_text, to_names):
            for texts in combinations(as_name, to_texts):
                choices.append(frozenset(names + texts))
                if len(choices) >= _MAX_READINGS:
                    return choices
    return choices


def _page_score(parser: _FormParser, page: int) -> tuple[int, int]:
    """How well a reading fits a page: fewer texts without a name, then more names whose having a text
    matches, in order, whether the page's value rows lost points."""
    detached = sum(1 for d in parser.devs if d.page == page and d.placed_by != "same box" and d.placed_by != "next box")
    names = [i for i, n in enumerate(parser.names) if n.page == page]
    rows = [r for r in parser.rows if r.page == page]
    explained = {d.owner for d in parser.devs if d.owner is not None}
    agree = 0
    if len(names) == len(rows):
        agree = sum((idx in explained) == bool(row.lost) for idx, row in zip(names, rows))
    return -detached, agree


def _parse_group(blocks: list[Block], source: str, number: int) -> Form:
    """Parse one form, choosing on each page the reading of its open boxes that the page's value rows allow.

    A box whose first line has no punctuation and is as wide as the text under it could be a
    name above its text or a text's first line. A page has one value row per 三级指标, so only
    readings that give the page as many names as value rows are kept; among them the one that
    leaves no text without its name, then the one whose texts stand where the rows lost points,
    then the one closest to what the boxes' shapes suggest.
    """
    parser = _FormParser(blocks, source, number)
    parser.walk()
    flipped: frozenset[int] = frozenset()
    for page in sorted({box.block.page for box in parser.open_boxes}):
        rows = sum(r.page == page for r in parser.rows)
        if not rows:
            continue
        missing = rows - sum(n.page == page for n in parser.names)
        choices = _flip_sets([b for b in parser.open_boxes if b.block.page == page], missing)
        if len(choices) == 1:
            flipped |= choices[0]
            continue
        if not flipped and frozenset() in choices and _page_score(parser, page) == (0, rows):
            continue  # the shapes' reading already leaves no text detached and fits every row: none can do better
        scored = []
        for choice in choices:
            trial = _FormParser(blocks, source, number, flipped | choice)
            trial.walk()
            scored.append((_page_score(trial, page), -len(choice), choice))
        if scored:
            flipped |= max(scored, key=lambda item: item[:2])[2]
    return _FormParser(blocks, source, number, flipped).parse()


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
