"""The model card of a version (`metadata.json`) as typed records, so no reader walks nested dicts.

Training writes the card (nlp.training.selection); the registry reads it back as a `ModelCard`; the CLI, the API
and the report read its fields. Every record keeps keys it does not name (`extra="allow"`), so a card written by
an older or newer piancha still loads and is served whole; a card that is not a card is a ModelError.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nlp.classify.inference import DEFAULT_MARGIN, DEFAULT_THRESHOLD


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow", protected_namespaces=())


class CodeFigures(_Record):
    """Precision, recall and F1 of one code, and how many texts had it."""

    precision: float
    recall: float
    f1: float
    support: int


class CoverageRow(_Record):
    """At one abstain threshold: the share of texts answered and the accuracy on them (None: none answered)."""

    threshold: float
    coverage: float
    accuracy: float | None = None


class Figures(_Record):
    """The scores of one set of held-out predictions (every held-out text, or the real ones)."""

    n: int
    macro_f1: float
    accuracy: float
    per_code: dict[str, CodeFigures] = Field(default_factory=dict)
    labels: list[str] = Field(default_factory=list)
    confusion: list[list[int]] = Field(default_factory=list)
    coverage: list[CoverageRow] = Field(default_factory=list)
    departments: int | list[str] | None = None
    """How many departments or authored groups were held out (all), or which real ones (real)."""

    def at_threshold(self, threshold: float) -> CoverageRow:
        """Coverage and answered accuracy at `threshold`: the row of the highest threshold not above it."""
        rows = [r for r in self.coverage if r.threshold <= threshold]
        return rows[-1] if rows else self.coverage[0]


class Calibration(_Record):
    """The temperature fitted on held-out predictions and the expected calibration error before and after it."""

    temperature: float | None = None
    ece_uncalibrated: float
    ece_calibrated: float
    ece_rule: str = ""


class Transfer(_Record):
    """The held-out-department evaluation: every text predicted by a model trained without its department."""

    all: Figures
    real: Figures | None = None
    calibration: Calibration


class Metrics(_Record):
    transfer: Transfer | None = None


class Headline(_Record):
    """The figure users are shown: real texts of a department the model never saw, at the shipped threshold."""

    evaluation: str
    what: str
    what_zh: str
    n: int
    macro_f1: float
    accuracy: float
    threshold: float
    answered: float
    answered_accuracy: float | None = None


class ModelCard(_Record):
    """What `metadata.json` says about one trained version."""

    version: str
    created_at: str | None = None
    classifier: str | None = None
    candidates_transfer_macro_f1: dict[str, float] = Field(default_factory=dict)
    data_hash: str | None = None
    n_examples: int | None = None
    n_real: int | None = None
    abstain_threshold: float = DEFAULT_THRESHOLD
    abstain_threshold_rule: str | None = None
    abstain_margin: float = DEFAULT_MARGIN
    headline: Headline | None = None
    metrics: Metrics = Field(default_factory=Metrics)
    current: bool = False
    """Set by the registry when it lists versions: `models/current` points at this one."""

    @property
    def transfer(self) -> Transfer | None:
        """The held-out-department evaluation, None for versions saved before it existed."""
        return self.metrics.transfer

    def transfer_f1(self, part: str = "all") -> float | None:
        """Held-out-department macro-F1 over `all` held-out texts or the `real` ones; None when there is none."""
        transfer = self.transfer
        figures = None if transfer is None else {"all": transfer.all, "real": transfer.real}.get(part)
        return None if figures is None else figures.macro_f1

    def to_json(self) -> dict[str, Any]:
        """The card as the JSON object metadata.json holds (every key it was read with)."""
        return self.model_dump(mode="json", exclude={"current"})
