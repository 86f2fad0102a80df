"""Model versions on disk: save, load, list, and which one is current."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from nlp.classify.card import ModelCard
from nlp.classify.inference import CauseModel, CompiledClassifier
from nlp.errors import ModelError
from nlp.paths import MODELS_DIR

log = logging.getLogger(__name__)

CURRENT = "current"
MODEL_FILE = "model.joblib"
"""The whole scikit-learn Pipeline: evaluation, audits and retraining read it."""
INFERENCE_FILE = "inference.npz"
"""The Pipeline compiled to arrays (nlp.classify.inference): classifying reads only this."""
METADATA_FILE = "metadata.json"
REPORT_FILE = "report.md"


MAX_VERSION_CHARS = 100
"""Versions are named `YYYYMMDD-HHMMSS-<hash>`; a longer name is refused before it reaches the file system."""


def _checked(version: str) -> str:
    """A version name that cannot point outside the model directory."""
    if len(version) > MAX_VERSION_CHARS:
        raise ModelError(
            f"invalid model version {version[:40]!r}… ({len(version)} characters, at most {MAX_VERSION_CHARS}) "
            "/ 无效的模型版本（名称过长）"
        )
    if not version or "/" in version or "\\" in version or "\x00" in version or version.startswith("."):
        raise ModelError(f"invalid model version {version!r} / 无效的模型版本")
    return version


def save_version(model: CauseModel, metadata: dict[str, Any], report: str, root: Path | None = None) -> Path:
    """Write models/<version>/ (model.joblib, inference.npz, metadata.json, report.md); return its path."""
    import joblib

    root = root or MODELS_DIR
    target = root / metadata["version"]
    partial = root / f".{metadata['version']}.partial"
    partial.mkdir(parents=True, exist_ok=False)
    joblib.dump(model.pipeline, partial / MODEL_FILE, compress=3)
    model.compiled.save(partial / INFERENCE_FILE)
    (partial / METADATA_FILE).write_text(json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8")
    (partial / REPORT_FILE).write_text(report, encoding="utf-8")
    partial.rename(target)
    return target


def current_version(root: Path | None = None) -> str | None:
    """The version `models/current` points at, or None when nothing is trained."""
    link = (root or MODELS_DIR) / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    return os.readlink(link) if link.is_symlink() else None


def activate(version: str, root: Path | None = None) -> None:
    """Point `models/current` at a version atomically."""
    root = root or MODELS_DIR
    if not (root / _checked(version) / MODEL_FILE).is_file():
        raise ModelError(f"no model version {version!r} / 模型版本不存在")
    tmp = root / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(version, tmp)
    os.replace(tmp, root / CURRENT)
    log.info("models/current → %s", version)


def read_metadata(version: str, root: Path | None = None) -> dict[str, Any]:
    """The metadata.json of a version."""
    path = (root or MODELS_DIR) / _checked(version) / METADATA_FILE
    if not path.is_file():
        raise ModelError(f"no model version {version!r} / 模型版本不存在")
    return json.loads(path.read_text(encoding="utf-8"))


def read_card(version: str, root: Path | None = None) -> ModelCard:
    """The model card of a version; ModelError when it is missing or is not a model card."""
    return _card(version, read_metadata(version, root))


def _card(version: str, meta: dict[str, Any]) -> ModelCard:
    try:
        return ModelCard.model_validate(meta)
    except ValidationError as exc:
        raise ModelError(
            f"model version {version!r}: {METADATA_FILE} is not a model card ({exc}) / 模型说明无效"
        ) from None


def list_versions(root: Path | None = None) -> list[ModelCard]:
    """Every saved version's card, newest first, with `current` marked."""
    root = root or MODELS_DIR
    if not root.is_dir():
        return []
    current = current_version(root)
    found = []
    for d in root.iterdir():
        if d.is_dir() and not d.is_symlink() and (d / METADATA_FILE).is_file():
            card = read_card(d.name, root)
            card.current = d.name == current
            found.append(card)
    return sorted(found, key=lambda c: c.created_at or "", reverse=True)


def load_model(version: str | None = None, root: Path | None = None) -> CauseModel:
    """Load a version (default: current) from the server's own model directory."""
    root = root or MODELS_DIR
    version = version or current_version(root)
    if version is None:
        raise ModelError(f"no trained model in {root}; run `piancha train` / 尚未训练模型")
    meta = read_metadata(version, root)
    card = _card(version, meta)
    folder = root / version

    def load_pipeline() -> Any:
        import joblib  # with scikit-learn: only evaluation and older versions need it

        return joblib.load(folder / MODEL_FILE)

    pipeline = None
    if (folder / INFERENCE_FILE).is_file():
        compiled = CompiledClassifier.load(folder / INFERENCE_FILE)
    else:  # saved before inference.npz existed: compile the Pipeline once and keep the result
        from nlp.classify.pipeline import compile_pipeline

        pipeline = load_pipeline()
        compiled = compile_pipeline(pipeline)
        try:
            compiled.save(folder / INFERENCE_FILE)
        except OSError as exc:
            log.warning("cannot write %s (%s); the version is compiled again at every load", INFERENCE_FILE, exc)
    return CauseModel(
        compiled,
        version=version,
        threshold=card.abstain_threshold,
        margin=card.abstain_margin,
        metadata=meta,
        pipeline=pipeline,
        load_pipeline=load_pipeline,
    )
