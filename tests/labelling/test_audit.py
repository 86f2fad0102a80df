"""The label audit: a deliberately flipped label is found; thin codes, near-duplicate conflicts, measure-only texts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nlp.labelling.audit import MIN_EXAMPLES, measure_heavy, near_duplicate_conflicts, thin_codes
from nlp.taxonomy import load_taxonomy
from nlp.training.corpus import load_corpus, read_notebook_tables

PER_CODE = 20


@pytest.fixture(scope="module")
def small_corpus() -> pd.DataFrame:
    """20 examples per code from the repository corpus: enough to cross-validate, quick to fit."""
    return load_corpus().groupby("label", sort=False).head(PER_CODE).reset_index(drop=True)


def frame(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"text": t, "label": lab, "secondary": "", "origin": f"test.csv, row {i}"}
            for i, (t, lab) in enumerate(rows, start=1)
        ]
    )


@pytest.mark.slow
def test_audit_ranks_a_deliberately_flipped_label_among_the_most_suspect(
    piancha, small_corpus: pd.DataFrame, tmp_path: Path
) -> None:
    data = small_corpus.copy()
    flipped = data.index[(data["label"] == "system") & data["text"].str.contains("故障")][0]
    text = data.at[flipped, "text"]
    data.at[flipped, "label"] = "policy"
    path = tmp_path / "flipped.csv"
    data[["text", "label", "secondary"]].to_csv(path, index=False)

    output = tmp_path / "audit.ipynb"
    result = piancha("audit-labels", path, "--only", "--top", "15", "--json", "--output", output)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    found = [r["text"] for r in report["issues"]]
    assert text in found, f"flipped text not among the 15 most suspect: {found}"
    row = report["issues"][found.index(text)]
    assert row["label"] == "policy" and row["suggested"] == "system" and row["self_confidence"] < 0.1
    assert report["issues"] == sorted(report["issues"], key=lambda r: r["self_confidence"])

    table = read_notebook_tables(output)[0].frame.set_index("text")
    assert table.at[text, "label"] == "policy" and table.at[text, "suggested"] == "system"
    assert table.at[text, "reviewed"] == "" and "self-confidence" in table.at[text, "reason"]


def test_thin_codes_lists_every_code_below_the_minimum_including_absent_ones() -> None:
    data = frame([("系统宕机", "system")] * 3 + [(f"资金未到位{i}", "funding") for i in range(MIN_EXAMPLES)])
    thin = thin_codes(data)
    assert "funding" not in thin["code"].tolist()
    assert thin.set_index("code").at["system", "n"] == 3
    assert len(thin) == len(load_taxonomy().codes) - 1 and thin["n"].is_monotonic_increasing


def test_near_duplicates_with_different_labels_are_paired() -> None:
    data = frame(
        [
            ("由于供应商设备交付延迟，项目验收推迟至次年一月", "schedule"),
            ("由于供应商设备交付延误，项目验收推迟至次年一月", "coordination"),
            ("由于供应商设备交付延迟，项目验收推迟至次年二月", "schedule"),
            ("年底考核有4人不合格", "staffing"),
        ]
    )
    conflicts = near_duplicate_conflicts(data)
    assert len(conflicts) == 2  # the coordination text against each schedule twin; the twins agree
    assert set(conflicts["other_label"]) | set(conflicts["label"]) == {"schedule", "coordination"}
    assert (conflicts["similarity"] >= 0.70).all() and "test.csv, row 2" in set(conflicts["origin"]) | set(
        conflicts["other_origin"]
    )


def test_texts_that_are_mostly_a_measure_are_listed_unless_labelled_no_cause() -> None:
    data = frame(
        [
            ("今后将进一步加强管理，完善制度建设", "management"),
            ("今后将进一步加强管理，完善制度建设。", "no_cause"),
            ("系统故障，今后将加强系统巡检与运维保障，建立故障快速响应机制，定期开展应急演练", "system"),
            ("因政府采购流标两次，合同签订推迟至12月，后续将提前启动采购", "procurement"),
        ]
    )
    found = measure_heavy(data).set_index("text")
    assert list(found.index) == [data.at[0, "text"], data.at[2, "text"]]
    assert "no cause" in found.iloc[0]["note"] and "measure" in found.iloc[1]["note"]
