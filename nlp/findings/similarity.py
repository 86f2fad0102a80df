"""How alike two improvement measures are: Sørensen–Dice over their character bigrams."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

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
_DROP = np.uint32(0xFFFFFFFF)
_HASH_SEED = 20231


def _one_key(text: str, digits: bool) -> str:
    return (_CONTENT if digits else _NOT_WORDS).sub("", unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=2)
def _fold_table(digits: bool) -> np.ndarray:
    """Code point → the code point a key keeps (full-width letters and digits made ASCII), or _DROP."""
    table = np.full(0x110000, _DROP, dtype=np.uint32)
    for low, high in [*_RANGES, *([_DIGITS] if digits else [])]:
        table[low : high + 1] = np.arange(low, high + 1, dtype=np.uint32)
    wide = [(0xFF21, 0xFF3A), (0xFF41, 0xFF5A), *([(0xFF10, 0xFF19)] if digits else [])]  # Ａ-Ｚ ａ-ｚ ０-９
    for low, high in wide:
        table[low : high + 1] = np.arange(low - 0xFEE0, high - 0xFEE0 + 1, dtype=np.uint32)
    table[0] = 0  # the separator between texts
    return table


def _kept_points(texts: Sequence[str], digits: bool) -> np.ndarray:
    """The kept (folded) code points of the texts, each text after a 0; NUL inside a text is dropped first."""
    if any("\x00" in t for t in texts):
        texts = [t.replace("\x00", "") for t in texts]
    joined = "\x00" + "\x00".join(texts)
    points = _fold_table(digits)[np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)]
    return points[points != _DROP]


def content_keys(texts: Sequence[str], *, digits: bool = True) -> list[str]:
    """Each text's CJK characters, letters (and `digits`), full-width forms made half-width, everything else gone.

    The same as NFKC followed by dropping what is not a CJK character, letter or digit, for a million texts at
    once with NumPy (a Python call per text would take seconds); a key NFKC would still change (compatibility
    characters) is redone one at a time."""
    if not texts:
        return []
    keys = _kept_points(texts, digits).tobytes().decode("utf-32-le").split("\x00")[1:]
    return [k if unicodedata.is_normalized("NFKC", k) else _one_key(k, digits) for k in keys]


def content_hashes(texts: Sequence[str]) -> np.ndarray:
    """A 64-bit hash of each text's content key (content_keys with digits, compatibility ideographs left as they
    are; 0 for a text with no content), the same in every process: the kept code points times fixed random
    weights by position, summed, with NumPy."""
    if not texts:
        return np.zeros(0, dtype=np.uint64)
    kept = _kept_points(texts, True).astype(np.uint64)
    starts = np.flatnonzero(kept == 0)
    lengths = np.diff(np.append(starts, len(kept)))
    position = np.arange(len(kept)) - np.repeat(starts, lengths)
    weights = np.random.default_rng(_HASH_SEED).integers(1, 2**63, size=int(lengths.max()), dtype=np.uint64) | 1
    return np.add.reduceat(kept * weights[position], starts)
