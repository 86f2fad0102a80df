"""Classify: from a normalised text to a cause code, and the versions of the model on disk.

`pipeline` holds the scikit-learn Pipeline (the text steps, the word ∪ character TF-IDF features, the candidate
classifiers of `CANDIDATES` beside `build_classifier`) and compiles a fitted one to plain arrays; `inference`
classifies with those arrays alone (NumPy, SciPy's sparse matrices and jieba: the service never imports
scikit-learn); `registry` saves, lists, loads and activates versions, each described by its model card (`card`).
The Pipeline's names load with scikit-learn on first use; the rest is imported with the package.
"""

from nlp._lazy import lazy_exports
from nlp.classify.card import ModelCard
from nlp.classify.inference import DEFAULT_MARGIN, DEFAULT_THRESHOLD, CauseModel, CompiledClassifier, Prediction
from nlp.classify.registry import (
    activate,
    current_version,
    list_versions,
    load_model,
    read_card,
    read_metadata,
    save_version,
)

_PIPELINE = ("CANDIDATES", "build_classifier", "build_pipeline", "checked_candidates", "compile_pipeline")
_lazy_names, __getattr__ = lazy_exports(__name__, {"pipeline": _PIPELINE})

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_THRESHOLD",
    "CauseModel",
    "CompiledClassifier",
    "ModelCard",
    "Prediction",
    "activate",
    "current_version",
    "list_versions",
    "load_model",
    "read_card",
    "read_metadata",
    "save_version",
    *_lazy_names,
]
