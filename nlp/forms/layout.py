"""Vocabulary of the 自评表 template shared by the readers: labels, headers, value-row patterns."""

from __future__ import annotations

import re

from nlp.errors import FormParseError

LEVEL1_LABELS = ("产出指标", "效益指标", "满意度指标")
LEVEL2_LABELS = (
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
)
ALL_LABELS = tuple(sorted(set(LEVEL1_LABELS + LEVEL2_LABELS), key=len, reverse=True))

# Budget header cell → Budget attribute.
BUDGET_KEYS = {
    "年初预算数": "initial",
    "全年预算数": "full_year",
    "全年执行数": "executed",
    "分值": "weight",
    "分数": "weight",
    "执行率": "execution_rate",
    "得分": "score",
}
TERMINAL = "。！？!?"
DEV_PUNCT = set("，。；：！？,;")
# Words that occur in explanations but not in indicator names.
DEV_MARKERS = re.compile(
    r"由于|因为|因此|导致|以至于|今后|后续|之后|但是|虽然|需要|需进|没有|不够|未及|未能"
    r"|不稳定|造成|受到|存在|有待|尚需|进一步"
)
COMPARATORS = "=≥≤<>≠＝＜＞"
ACHIEVEMENT = re.compile(r"(?:部分|基本|未|没有)?达成(?:指标|目标|预期)")
QUANT_WITH_UNIT = re.compile(r"^(?P<t>[=≥≤<>≠＝＜＞]+[^()（）]*[(（][^()（）]*[)）])(?P<a>.+)$")
QUANT_BARE = re.compile(r"^(?P<t>[=≥≤<>≠＝＜＞]+[\d.,]+%?)(?P<a>.+)$")


def label_pattern(label: str) -> re.Pattern[str]:
    """A regex for `label` that tolerates line wraps and 分散对齐 spaces between its characters."""
    return re.compile(r"\s*".join(re.escape(ch) for ch in label))


_LABEL_PATTERNS = {label: label_pattern(label) for label in ALL_LABELS}


def is_terminated(text: str) -> bool:
    """Whether `text` ends a sentence (。！？), ignoring closing quotes and brackets."""
    stripped = text.rstrip().rstrip("”’\"')）】」")
    return bool(stripped) and stripped[-1] in TERMINAL


def is_label_text(flat: str) -> bool:
    """Whether whitespace-free `flat` is only 一级/二级 labels (or a wrapped piece of one)."""
    if not flat:
        return False
    rest = flat
    changed = True
    while changed and rest:
        changed = False
        for label in ALL_LABELS:
            if label in rest:
                rest = rest.replace(label, "", 1)
                changed = True
    if not rest:
        return True
    if len(rest) > 6:
        return False
    return any(label.startswith(rest) or label.endswith(rest) for label in ALL_LABELS)


def strip_leading_labels(text: str) -> tuple[str, str | None, str | None]:
    """Remove 一级/二级 labels that open `text`; return (rest, level1, level2)."""
    level1 = level2 = None
    changed = True
    while changed:
        changed = False
        stripped = text.lstrip()
        for label, pattern in _LABEL_PATTERNS.items():
            match = pattern.match(stripped)
            if match:
                text = stripped[match.end() :]
                if label in LEVEL1_LABELS:
                    level1 = label
                else:
                    level2 = label
                changed = True
                break
    return text.strip(), level1, level2


def split_target_actual(spaced: str) -> tuple[str, str] | None:
    """Split the 年度指标值 and 实际完成值 of one value row; None when it is not a value row."""
    flat = re.sub(r"\s+", "", spaced)
    if not flat:
        return None
    achievement = ACHIEVEMENT.search(flat)
    if flat[0] in COMPARATORS:
        tokens = spaced.split()
        if len(tokens) == 2 and tokens[0][-1] not in COMPARATORS:
            return tokens[0], tokens[1]
        for pattern in (QUANT_WITH_UNIT, QUANT_BARE):
            match = pattern.match(flat)
            if match:
                return match.group("t"), match.group("a")
        return None
    if achievement and achievement.start() > 0:
        return flat[: achievement.start()], flat[achievement.start() :]
    tokens = spaced.split()
    if len(tokens) == 2 and any(ch.isdigit() for ch in tokens[1]):
        return tokens[0], tokens[1]
    return None


def require_parts(where: str, project: str | None, has_budget: bool, has_indicators: bool, total: float | None) -> None:
    """Raise FormParseError naming the first part a form cannot do without."""
    if not project:
        raise FormParseError(f"{where}: no 项目名称 found / 未找到项目名称")
    if not has_budget:
        raise FormParseError(f"{where}: no 年度资金总额 row found / 未找到年度资金总额")
    if not has_indicators:
        raise FormParseError(f"{where}: no 三级指标 found / 未找到三级指标")
    if total is None:
        raise FormParseError(f"{where}: no 总分 found (truncated?) / 未找到总分（表格不完整？）")


# -- templates ---------------------------------------------------------------------------------------------------

TEMPLATES = {
    "project": "项目支出绩效自评表",
    "department": "部门（单位）整体支出绩效自评表",
    "transfer": "中央对地方转移支付区域绩效自评表",
}
"""The templates read, by the code recorded on a Form, and their titles."""
SPLIT_SUFFIX = "-split"
"""Added to the code when 偏差原因分析 and 改进措施 are columns of their own ("project-split")."""
_TITLE_WORDS = (("整体支出", "department"), ("转移支付", "transfer"), ("项目支出", "project"))
NAME_LABELS = (
    "项目名称",
    "部门（单位）名称",
    "部门(单位)名称",
    "部门名称",
    "单位名称",
    "转移支付（项目）名称",
    "转移支付名称",
)
"""The cell that names what a form evaluates: a project, a department or unit, a transfer payment."""
DEPARTMENT_LABELS = ("主管部门", "中央主管部门")
UNIT_LABELS = ("实施单位", "地方主管部门")


def template_of_title(title: str, where: str) -> str:
    """The template code of a title such as 部门（单位）整体支出绩效自评表; FormParseError for another 自评表."""
    for word, code in _TITLE_WORDS:
        if word in title:
            return code
    known = "、".join(TEMPLATES.values())
    raise FormParseError(
        f"{where}: unknown template 「{title[:40]}」; piancha reads {known} / 未知的自评表模板「{title[:40]}」"
    )


def name_label(cell: str) -> str | None:
    """The name label `cell` starts with (项目名称, 部门（单位）名称, 转移支付（项目）名称, …), if any."""
    return next((label for label in NAME_LABELS if cell.startswith(label)), None)


def join_cause_measure(cause: str | None, measure: str | None) -> str | None:
    """One deviation text from a 偏差原因分析 cell and an 改进措施 cell (either may be empty)."""
    parts = [p.strip() for p in (cause, measure) if p and p.strip()]
    if not parts:
        return None
    if len(parts) == 2 and not is_terminated(parts[0]) and parts[0][-1] not in "，；,;":
        parts[0] += "。"
    return "".join(parts)
