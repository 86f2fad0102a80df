"""Findings on the seed forms, read by the real reader and classified by a trained (small) model."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.classify.registry import load_model
from nlp.findings import find_findings
from nlp.store import get_document, ingest_file, set_label
from nlp.taxonomy import NO_CAUSE

UNIT = "上海市交通委员会交通指挥中心"


@pytest.fixture
def seeded(store, small_trained, seed_file: Path):
    """The seed file ingested with the small trained model; (store, the stored deviations)."""
    result = ingest_file(store, seed_file, load_model(root=small_trained.path.parent))
    deviations = [d for f in get_document(store, result.document_id).form_list for d in f.deviations]
    return store, deviations


def _no_cause(store) -> tuple[int | None, float | None]:
    found = [f for f in find_findings(store).findings if f.rule == "no_cause_rate" and f.unit == UNIT]
    return (found[0].count, found[0].rate) if found else (0, None)


def test_the_pasted_text_of_the_engineering_project_stands_under_six_indicators(seeded):
    store, _ = seeded
    pasted = {f.project: f for f in find_findings(store).findings if f.rule == "pasted_explanation"}
    found = pasted["城市维护工程项目"]
    assert len(found.indicators) == 6 and len(found.deviation_ids) == 6
    assert found.indicators[0] == "设备购置完成率" and found.text.startswith("由于工程复杂")
    assert "6 个三级指标" in found.evidence


def test_the_no_cause_finding_counts_the_seed_texts_coded_no_cause_and_follows_a_correction(seeded):
    store, deviations = seeded
    texts = [d for d in deviations if d.text.strip()]
    expected = sum(d.code == NO_CAUSE for d in texts)
    count, rate = _no_cause(store)
    assert count == expected
    if expected:
        assert rate == pytest.approx(expected / len(texts))
    unit = next(u for u in find_findings(store).units if u.unit == UNIT)
    assert (unit.texts, unit.no_cause) == (len(texts), expected)

    other = next(d for d in texts if d.code != NO_CAUSE)
    set_label(store, other.id, NO_CAUSE, "王芳")  # one deviation only: its same-text siblings keep their code
    assert _no_cause(store)[0] == expected + 1
