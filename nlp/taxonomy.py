"""The cause codes and their Chinese names, read from data/taxonomy.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from nlp.paths import TAXONOMY_FILE

ABSTAIN = "other"
NO_CAUSE = "no_cause"
"""What a deviation with no text at all is counted as (taxonomy: 未说明原因)."""


@dataclass(frozen=True)
class Cause:
    """One cause category of the taxonomy."""

    code: str
    name_zh: str
    definition: str
    cues: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Taxonomy:
    """The trained cause codes, in file order, plus the abstain code."""

    causes: tuple[Cause, ...]
    abstain: Cause

    @property
    def codes(self) -> list[str]:
        """The trainable codes in taxonomy order."""
        return [c.code for c in self.causes]

    def name_zh(self, code: str) -> str:
        """The Chinese name of a code (the abstain code included)."""
        if code == self.abstain.code:
            return self.abstain.name_zh
        for cause in self.causes:
            if cause.code == code:
                return cause.name_zh
        raise KeyError(code)

    def is_code(self, code: str) -> bool:
        """True when `code` is one of the trainable codes."""
        return code in self.codes


@lru_cache(maxsize=4)
def load_taxonomy(path: Path = TAXONOMY_FILE) -> Taxonomy:
    """Read the taxonomy file once."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    causes = tuple(
        Cause(c["code"], c["name_zh"], c["definition"].strip(), tuple(c.get("cues", ()))) for c in raw["codes"]
    )
    a = raw["abstain"]
    return Taxonomy(causes=causes, abstain=Cause(a["code"], a["name_zh"], a["definition"]))
