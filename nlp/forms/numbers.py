"""Reading the numbers of a form: "1,372.00" → 1372.0, "=100.00(%)" → 100.0, "-" → None."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?|[-+]?\.\d+")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def parse_number(text: str | None) -> float | None:
    """The first number in `text` as a float ("1,372.00" → 1372.0); None when there is none."""
    if text is None:
        return None
    match = _NUMBER.search(str(text).replace("，", ","))
    if match is None:
        return None
    try:
        return float(match.group(0).replace(",", ""))
    except ValueError:
        return None


def is_number(text: str) -> bool:
    """Whether `text` is exactly one number such as "1,372.00" or "98.19"."""
    return bool(re.fullmatch(r"\s*[-+]?\d[\d,]*(?:\.\d+)?\s*", text))


def display_width(text: str) -> int:
    """Printed width of `text`: CJK and full-width characters count two."""
    return sum(2 if _CJK.match(ch) else 1 for ch in text)


def join_wrapped(lines: list[str]) -> str:
    """Join the lines of a wrapped cell: no separator between CJK, one space between Latin words."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " "
        out += line
    return out


def squeeze_spaces(text: str) -> str:
    """Remove 分散对齐 spaces ("绩 效 目 标" → "绩效目标") but keep spaces between Latin words."""
    text = text.replace("\u3000", " ")
    text = re.sub(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])", "", text)
    text = re.sub(r"(?<=[^\x00-\x7f])\s+(?=[\x00-\x7f])|(?<=[\x00-\x7f])\s+(?=[^\x00-\x7f])", "", text)
    return re.sub(r"[ \t]+", " ", text).strip()
