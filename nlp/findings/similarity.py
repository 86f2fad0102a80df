"""How alike two improvement measures are: Sørensen–Dice over their character bigrams."""

from __future__ import annotations

import re

from nlp.text import normalise

MEASURE_SIMILARITY = 0.7
"""Two measures at or above this Dice coefficient of character bigrams are the same promise."""
MIN_MEASURE_CHARS = 4
"""A measure with fewer content characters than this (after digits and punctuation go) is not compared."""

_NOT_WORDS = re.compile(r"[^\u3400-\u9fff\uf900-\ufaffA-Za-z]+")


def measure_key(measure: str) -> str:
    """The measure as compared: normalised, with digits, punctuation and spaces removed (2024年 = 2025年)."""
    return _NOT_WORDS.sub("", normalise(measure or ""))


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
