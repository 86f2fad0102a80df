"""Where the repository keeps its data and models (overridable by settings)."""

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


def models_dir() -> Path:
    """The directory holding model versions and `current` (PIANCHA_MODEL_DIR overrides)."""
    return Path(os.environ.get("PIANCHA_MODEL_DIR", REPO_ROOT / "models"))


def seed_dir() -> Path:
    """The user's seed forms (PIANCHA_SEED_DIR overrides; default ../shared/seed beside the repo)."""
    return Path(os.environ.get("PIANCHA_SEED_DIR", REPO_ROOT.parent / "shared" / "seed"))
