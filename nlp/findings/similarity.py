"""How alike two improvement measures are: Sørensen–Dice over their character bigrams."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

MEASURE_SIMILARITY = 0.7
"""Two measures at or above this Dice coefficient of character bigrams are the same promise."""
MIN_MEASURE_CHARS = 4
"""A measure with fewer content characters than this (after digits and punctuation go) is not compared."""

_NOT_WORDS = re.compile(r"[^\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134fA-Za-z]+")
_CONTENT = re.compile(r"[^\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f0-9A-Za-z]+")


def measure_key(measure: str) -> str:
    """The measure as compared: full/half-width forms unified (NFKC), digits, punctuation and spaces removed
    (2024年 = 2025年; the rest of nlp.text.normalise only joins spaces and punctuation, which go anyway)."""
    return _one_key(measure or "", digits=False)


def bigrams(key: str) -> frozenset[str]:
    """The set of character bigrams of a key (a one-character key is its own gram)."""
    return frozenset(key[i : i + 2] for i in range(max(len(key) - 1, 1)))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """Sørensen–Dice coefficient of two gram sets: 2|A∩B| / (|A|+|B|), 0 for two empty sets."""
    if not a and not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def measure_similarity(a: str, b: str) -> float:
    """How alike two measures are, 0–1 (Dice over character bigrams of their keys)."""
    return dice(bigrams(measure_key(a)), bigrams(measure_key(b)))


_RANGES = [(0x3400, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F), (0x41, 0x5A), (0x61, 0x7A)]
_DIGITS = (0x30, 0x39)
_WIDE = (0xFF01, 0xFF5E)
"""Full-width ASCII forms (！…～): NFKC makes them ASCII, 0xFEE0 lower."""


def _one_key(text: str, digits: bool) -> str:
    return (_CONTENT if digits else _NOT_WORDS).sub("", unicodedata.normalize("NFKC", text))


def content_keys(texts: Sequence[str], *, digits: bool = True) -> list[str]:
    """Each text's CJK characters, letters (and `digits`), full-width forms made half-width, everything else gone.

    The same as NFKC followed by dropping what is not a CJK character, letter or digit, for a million texts at
    once: the texts joined into one array of code points, masked with NumPy and split again (a Python call per
    text would take seconds). A key NFKC would still change (compatibility characters) is redone one at a time."""
    joined = "\x00".join(texts)
    if not texts or joined.count("\x00") != len(texts) - 1:  # a NUL inside a text: one at a time
        return [_one_key(t, digits) for t in texts]
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).copy()
    wide = (points >= _WIDE[0]) & (points <= _WIDE[1])
    points[wide] -= 0xFEE0
    keep = points == 0
    for low, high in [*_RANGES, *([_DIGITS] if digits else [])]:
        keep |= (points >= low) & (points <= high)
    keys = points[keep].tobytes().decode("utf-32-le").split("\x00")
    return [k if unicodedata.is_normalized("NFKC", k) else _one_key(k, digits) for k in keys]
