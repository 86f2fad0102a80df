"""Segmenting Chinese text with jieba, the domain dictionary and stop words."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import tempfile
import threading
from pathlib import Path

import jieba

from nlp.paths import STOPWORDS_FILE, USER_DICT_FILE, cache_dir

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_stopwords: frozenset[str] = frozenset()
HMM = False
"""jieba's HMM guesses unknown words; off, unknown runs fall apart into characters, which the character
n-grams cover anyway: cross-validated macro-F1 is the same (0.862 vs 0.864) and segmentation 1.7× faster."""
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff0-9A-Za-z%]")


def dictionary_cache(user_dict: Path = USER_DICT_FILE) -> Path:
    """The cache file of jieba's prefix dictionary with `user_dict` added, named by what it was built from."""
    key = hashlib.sha256(jieba.__version__.encode() + b"\0" + user_dict.read_bytes()).hexdigest()[:16]
    return cache_dir() / f"jieba-{key}.pickle"


def build_tokenizer(user_dict: Path = USER_DICT_FILE, cache: Path | None = None) -> jieba.Tokenizer:
    """jieba's tokenizer with the user dictionary, restored from `cache` when it holds a valid copy.

    jieba keeps its own prefix-dictionary cache with `marshal`, which takes about a second to read back
    (most of the service's start); the same dictionary pickled (protocol 5) reads in a fifth of that.
    The cache file's name carries jieba's version and the user dictionary's hash, so a change to either
    builds a new one; a missing, unreadable or damaged cache is rebuilt, never fatal.
    """
    cache = cache or dictionary_cache(user_dict)
    tokenizer = jieba.Tokenizer()
    try:
        with cache.open("rb") as f:
            freq, total = pickle.load(f)
        if isinstance(freq, dict) and isinstance(total, int) and freq:
            tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
            return tokenizer
        log.warning("jieba cache %s holds no dictionary; rebuilding it", cache)
    except FileNotFoundError:
        pass
    except Exception as exc:  # a damaged or foreign file: rebuild it
        log.warning("jieba cache %s unreadable (%s); rebuilding it", cache, exc)
    tokenizer.initialize()
    tokenizer.load_userdict(str(user_dict))
    _write_cache(cache, (tokenizer.FREQ, tokenizer.total))
    return tokenizer


def _write_cache(cache: Path, state: tuple[dict[str, int], int]) -> None:
    """Write the cache whole or not at all (a reader sees the old file or the complete new one)."""
    partial = None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=cache.parent, prefix=cache.name, suffix=".partial")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(state, f, protocol=5)
        os.replace(partial, cache)
    except OSError as exc:
        log.warning("cannot write jieba cache %s (%s); the next start builds the dictionary again", cache, exc)
        if partial is not None:
            Path(partial).unlink(missing_ok=True)


def initialize() -> jieba.Tokenizer:
    """Build jieba's dictionary with the domain user dictionary, once per process."""
    global _tokenizer, _stopwords
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            tokenizer = build_tokenizer()
            _stopwords = frozenset(
                w.strip() for w in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines() if w.strip()
            )
            _tokenizer = tokenizer
            log.info("jieba initialised with %s", USER_DICT_FILE.name)
    return _tokenizer


def segment(text: str) -> list[str]:
    """The words of a text: jieba tokens without punctuation, spaces and stop words."""
    tokenizer = initialize()
    return [w for w in tokenizer.lcut(text, HMM=HMM) if _TOKEN.search(w) and w not in _stopwords]
