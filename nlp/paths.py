"""Where the repository keeps its data and models by default (nlp.config overrides them)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
LABELLED_DIR = DATA_DIR / "labelled"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
TAXONOMY_FILE = DATA_DIR / "taxonomy.yaml"
USER_DICT_FILE = DATA_DIR / "userdict.txt"
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"
MODELS_DIR = REPO_ROOT / "models"
RAW_DIR = DATA_DIR / "raw"
SEED_DIR = RAW_DIR
"""The user's own forms (immutable input); PIANCHA_SEED_DIR overrides it for the service."""
DATABASE_FILE = DATA_DIR / "piancha.sqlite"


def labelled_dir() -> Path:
    """Where `piancha train`/`retrain` read labelled tables: PIANCHA_LABELLED_DIR, else data/labelled."""
    return Path(os.environ.get("PIANCHA_LABELLED_DIR") or LABELLED_DIR)


def notebooks_dir() -> Path:
    """Where `piancha train`/`retrain` look for labelled notebooks: PIANCHA_NOTEBOOKS_DIR, else notebooks/."""
    return Path(os.environ.get("PIANCHA_NOTEBOOKS_DIR") or NOTEBOOKS_DIR)


def cache_dir() -> Path:
    """Where derived files that can be rebuilt at any time go: PIANCHA_CACHE_DIR, else ~/.cache/piancha."""
    if os.environ.get("PIANCHA_CACHE_DIR"):
        return Path(os.environ["PIANCHA_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "piancha"
