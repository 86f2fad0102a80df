"""Trained versions put where a test needs them: a private model directory, never the session's own."""

from __future__ import annotations

import shutil
from pathlib import Path

from nlp.classify.registry import activate
from nlp.training.selection import TrainResult


def install(result: TrainResult, root: Path, *names: str) -> Path:
    """Copy a trained version into `root` (under its own name, or under each of `names`) and make the first one
    current; return `root`."""
    names = names or (result.version,)
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copytree(result.path, root / name)
    activate(names[0], root)
    return root
