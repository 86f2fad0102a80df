"""Normalising PDF-wrapped deviation texts and splitting the cause from the measure."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from nlp.errors import TextError

MAX_TEXT_CHARS = 2000
"""The column limit of production fiscal systems; longer texts are refused, not cut."""

_CJK = r"\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_PUNCT = "，。；：？！、（）“”‘’《》【】…—"
_WRAP_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])\s+|\s+(?=[{_CJK}{_CJK_PUNCT}])")
_SPACES = re.compile(r"\s+")
CONTENT = re.compile(rf"[{_CJK}0-9A-Za-z]")

# ASCII punctuation that stands for Chinese punctuation once NFKC has folded full-width forms.
_TO_FULL_WIDTH = {";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_COMMA_NOT_IN_NUMBER = re.compile(r"(?<!\d),|,(?!\d)")
_COLON_NOT_IN_TIME = re.compile(r"(?<!\d):|:(?!\d)")
_PERIOD_AFTER_CJK = re.compile(rf"(?<=[{_CJK}])\.(?!\d)")

# A measure clause starts at the beginning of the text or after clause punctuation.
_MEASURE_START = re.compile(
    r"(?:^|(?<=[。；，：！？\s]))(?:\d+[、.．]\s*)?(?:"
    r"今后|下一步|下步|下一阶段|下阶段|下一年度?|下年度?|后续|之后|此后|接下来|未来|明年|来年"
    r"|针对|为此|对此|鉴于此|改进措施|整改措施|改进方向|措施[:：]|建议"
    r"|拟(?:于|在|将|通过|采取)|计划(?:于|在|将|通过)"
    r"|已(?:督促|要求|责成|组织|安排|协调|采取|整改|进行|开展|通过|对|与|向|于|按"
    r"|申请|全部整改|整改完毕|完成整改|发布更正|追回|列入|报请|约谈|函告|建立|制定|修订|启动|落实)"
    r"|(?:(?:年内|年底前|近期|开春后|[^，。；]{1,8}?(?:后|前))\s*)?"
    r"(?:我|本)?(?:单位|中心|局|委|院|校|所|站|队|部门|们)?(?:将|会|要)"
    r"(?:进一步|继续|持续|加强|加快|加大|积极|督促|优化|完善|做好|及时|严格|提高|强化|抓紧"
    r"|建立|推进|结合|重点|认真|切实|尽快|按|在|于|通过|对|与|做|把|不断|努力|主动|定期|全力"
    r"|立即|加紧|修订|组织|安排|启动|开展)"
    r")"
)

# Where the stated cause begins, at the start of a clause: 主要原因是…, 原因：一是…, 由于…, 受…影响, 系…所致.
_CAUSE_START = re.compile(
    r"(?:^|(?<=[。；，：！？\s]))(?:"
    r"(?:其|究其)?(?:主要|根本|直接|具体)?原因(?:分析|说明)?(?:主要)?(?:是|为|在于|有|如下|包括)?[：:]?"
    r"|(?:主要|一方面)(?:是|系|因为|由于|受|因)"
    r"|一是|①|[（(]1[)）]|1[、.．](?!\d)|首先"
    r"|由于|因为|鉴于|因(?![此而素])"
    r"|受(?=[^。；]{1,40}?(?:影响|制约|限制|冲击|干扰))"
    r"|系(?=[^。；]{2,60}?(?:所致|造成|引起|导致))"
    r")"
)
# Words that mark a clause as a restatement of the shortfall rather than a cause.
_RESTATEMENT_CUE = re.compile(
    r"完成率|执行率|完成值|目标值|指标值|未达到|未达|未完成|未能完成|低于|高于|偏低|偏高|差距|扣\d|扣分|偏差"
    r"|较(?:目标|计划|预期|年初)|实际完成|仅完成|完成了?\d|\d+(?:\.\d+)?[%％]|得分"
)


@dataclass(frozen=True)
class SplitText:
    """A deviation text split into the restated shortfall, the stated cause and the improvement measure."""

    cause: str
    measure: str
    restatement: str = ""
    """The shortfall repeated before the cause (完成率76%，低于目标), set apart only when a cause marker follows."""

    @property
    def for_model(self) -> str:
        """What the classifier reads: the cause part, or the whole text when no cause precedes the measure."""
        return self.cause or self.measure or self.restatement


def normalise(text: str) -> str:
    """Join PDF line wraps and page breaks, unify full/half-width forms, strip stray spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\f", "\n")
    text = _WRAP_BETWEEN_CJK.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    text = _COMMA_NOT_IN_NUMBER.sub("，", text)
    text = _COLON_NOT_IN_TIME.sub("：", text)
    text = _PERIOD_AFTER_CJK.sub("。", text)
    for ascii_mark, full in _TO_FULL_WIDTH.items():
        text = text.replace(ascii_mark, full)
    return _WRAP_BETWEEN_CJK.sub("", text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_unicode(value: str, *, where: str) -> str:
    """The value if it is valid Unicode; a lone surrogate (JSON `"\\ud800"`, a broken byte on a command line) is a
    TextError naming `where`."""
    bad = _SURROGATE.search(value)
    if bad is not None:
        raise TextError(
            f"{where}: lone surrogate U+{ord(bad.group()):04X} at character {bad.start()}, not valid Unicode text "
            "/ 含有无效的Unicode字符（孤立代理项）"
        )
    return value


def check_text(text: object, *, where: str = "text") -> str:
    """Return the text if it can be classified, else raise TextError naming `where`."""
    if not isinstance(text, str):
        raise TextError(f"{where}: expected a string, got {type(text).__name__} / 需要文本字符串")
    if len(text) > MAX_TEXT_CHARS:
        raise TextError(
            f"{where}: text has {len(text)} characters, more than the limit of {MAX_TEXT_CHARS}; "
            f"it is refused rather than cut / 文本超过{MAX_TEXT_CHARS}字上限"
        )
    if not CONTENT.search(text):
        raise TextError(f"{where}: text is empty or only whitespace/punctuation / 文本为空或仅含空白、标点")
    return check_unicode(text, where=where)


def split_cause_measure(text: str) -> SplitText:
    """Split a normalised text into restated shortfall, cause and improvement measure (今后/下一步/后续将…).

    The measure starts at the first measure clause. Before it, a leading restatement of the shortfall
    (完成率76%，低于年度目标，) is set apart only when a cause marker (主要原因是, 由于, 受…影响, 一是…) follows
    it; a text that only restates keeps it as its cause part, which is what the model learned `no_cause` on.
    """
    match = _MEASURE_START.search(text)
    if match is None:
        cause, measure = text.strip(), ""
    else:
        cause = text[: match.start()].strip().rstrip("，；：、 ")
        measure = text[match.start() :].strip()
    if cause and not CONTENT.search(cause):
        cause = ""
    restatement = ""
    marker = _CAUSE_START.search(cause)
    if marker is not None and marker.start() > 0:
        before = cause[: marker.start()]
        if _RESTATEMENT_CUE.search(before) and CONTENT.search(cause[marker.start() :]):
            restatement, cause = before.strip().rstrip("，；：、 "), cause[marker.start() :].strip()
    return SplitText(cause=cause, measure=measure, restatement=restatement)


def model_text(text: str) -> str:
    """What the classifier reads of a raw text: normalised, the cause part kept (by the Pipeline and inference)."""
    return split_cause_measure(normalise(text)).for_model
