"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from nlp.classify.card import ModelCard
from nlp.errors import TextError
from nlp.text import MAX_TEXT_CHARS, check_text, check_unicode

EXAMPLE_TEXT = (
    "由于工程复杂，需补充完成地质勘探报告和施工图设计，因此项目于12月才完成工程招标。后续计划于2024年正式开工。"
)
MAX_BATCH = 1000
MAX_ID = 2**63 - 1
"""The largest id a database row can have (a signed 64-bit integer in SQLite and PostgreSQL)."""


class ClassifyRequest(BaseModel):
    """One deviation text."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"text": EXAMPLE_TEXT}]})
    text: str = Field(..., max_length=MAX_TEXT_CHARS, description="偏差原因分析及改进措施, at most 2000 characters")

    @field_validator("text")
    @classmethod
    def _classifiable(cls, value: str) -> str:
        check_unicode(value, where="text")
        try:
            return check_text(value, where="text")
        except TextError as exc:
            raise ValueError(str(exc)) from None


class BatchRequest(BaseModel):
    """Up to 1,000 deviation texts."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"texts": [EXAMPLE_TEXT, "系统卡顿，工单处置延迟"]}]})
    texts: list[str] = Field(..., min_length=1, max_length=MAX_BATCH)

    @field_validator("texts")
    @classmethod
    def _classifiable(cls, values: list[str]) -> list[str]:
        for i, value in enumerate(values):
            check_unicode(value, where=f"texts[{i}]")
            try:
                check_text(value, where=f"texts[{i}]")
            except TextError as exc:
                raise ValueError(str(exc)) from None
        return values


class RankedOut(BaseModel):
    label: str
    label_zh: str
    confidence: float


class EvidenceOut(BaseModel):
    term: str
    weight: float


class ClassifyResponse(BaseModel):
    """The cause of one text, with confidence, ranking, the split text and evidence."""

    label: str = Field(description="cause code, or 'other' when the model abstains")
    label_zh: str
    confidence: float
    abstained: bool
    ranking: list[RankedOut]
    cause_text: str
    measure_text: str
    evidence: list[EvidenceOut]
    model_version: str | None


class BatchResponse(BaseModel):
    results: list[ClassifyResponse]


class Category(BaseModel):
    code: str
    name_zh: str
    definition: str
    cues: list[str]
    trainable: bool


class LabelRequest(BaseModel):
    """A human correction of one stored deviation."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"deviation_id": 1, "label": "coordination"}]})
    deviation_id: int = Field(..., ge=1, le=MAX_ID)
    label: str | None = Field(..., max_length=100, description="the code; null removes the correction (undo)")
    who: str | None = Field(default=None, max_length=100)
    apply_to_same_text: bool = Field(
        default=True, description="also correct every deviation of the same document with exactly the same text"
    )

    @field_validator("label", "who")
    @classmethod
    def _valid_unicode(cls, value: str | None, info: ValidationInfo) -> str | None:
        return value if value is None else check_unicode(value, where=info.field_name or "value")


class RetrainStatus(BaseModel):
    """A retraining job as the API shows it (read from api.serving.RetrainJob's attributes)."""

    model_config = ConfigDict(from_attributes=True)

    job: str
    status: str = Field(description="queued | running | done | failed")
    version: str | None = None
    promoted: bool | None = None
    reason: str | None = None
    metrics: dict[str, Any] | None = None
    error: str | None = None


class ModelInfo(BaseModel):
    version: str
    created_at: str | None = None
    classifier: str | None = None
    current: bool
    serving: bool
    n_examples: int | None = None
    headline_macro_f1: float | None = None
    """Macro-F1 on real texts of a department the model was trained without (metadata `headline`)."""
    headline_accuracy: float | None = None
    headline_n: int | None = None
    headline_what_zh: str | None = None
    transfer_macro_f1: float | None = None
    """Macro-F1 over every text held out with its department (authored groups and real departments)."""
    abstain_threshold: float
    """Below this confidence the answer is `other`: the serving model's (PIANCHA_ABSTAIN_THRESHOLD when set), else
    the version's own."""

    @classmethod
    def from_card(cls, card: ModelCard, *, serving: bool, threshold: float | None = None) -> ModelInfo:
        """A version's summary from its model card (versions saved before the headline existed show None)."""
        head = card.headline
        return cls(
            version=card.version,
            created_at=card.created_at,
            classifier=card.classifier,
            current=card.current,
            serving=serving,
            n_examples=card.n_examples,
            headline_macro_f1=head.macro_f1 if head else None,
            headline_accuracy=head.accuracy if head else None,
            headline_n=head.n if head else None,
            headline_what_zh=head.what_zh if head else None,
            transfer_macro_f1=card.transfer_f1(),
            abstain_threshold=card.abstain_threshold if threshold is None else threshold,
        )


class VerdictRequest(BaseModel):
    """An analyst's verdict on one audit finding."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"finding_id": "3f2a9c0d1e4b5a6c7d8e", "verdict": "confirmed", "who": "王芳"}]}
    )
    finding_id: str = Field(..., min_length=1, max_length=64, description="the finding's id (GET /v1/findings)")
    verdict: Literal["confirmed", "rejected"] | None = Field(
        ..., description="confirmed (已核实) or rejected (不成立); null removes the verdict"
    )
    who: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=1000)

    @field_validator("finding_id", "who", "note")
    @classmethod
    def _valid_unicode(cls, value: str | None, info: ValidationInfo) -> str | None:
        return value if value is None else check_unicode(value, where=info.field_name or "value")
