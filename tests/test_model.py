"""The trained classifier: quality on unseen texts (the full model, `slow`), abstention, evidence, save/load, the
gate, and the compiled arrays against the Pipeline (the small model)."""

from __future__ import annotations

import json

import joblib
import pytest
from sklearn.pipeline import FeatureUnion, Pipeline

from nlp.classify.registry import activate, current_version, list_versions, load_model
from nlp.errors import ModelError, TextError
from nlp.training.selection import gate, train
from tests.support.models import install

# Texts written for this test only (not in the corpus), from sectors the seed never covers.
UNSEEN = [
    ("受上级财政资金下达时间较晚影响，第四季度才拨付到位，部分款项未能在年内支付。", "funding"),
    ("项目采用公开招标方式，因投标单位不足三家两次流标，合同至11月才签订。", "procurement"),
    ("学校食堂改造工程施工图设计多次修改，审批周期较长，开工时间推迟至10月。", "schedule"),
    ("医院HIS系统升级后频繁出现卡顿和数据丢失，门诊挂号一度中断。", "system"),
    ("站内两名技术骨干相继离职，新招聘人员尚未熟悉业务，检测任务未按期完成。", "staffing"),
    ("受7月连续暴雨和台风影响，农田水利设施施工被迫停工近一个月。", "external"),
    ("因国家医保政策调整，原定补助标准取消，项目按新文件要求暂缓实施。", "policy"),
    ("申请临时救助的困难群众少于预期，部分对象经核查不符合救助条件。", "demand_change"),
    ("年初设定的目标值偏高，未充分考虑实际承载能力，指标设置不够科学。", "target_setting"),
    ("无", "no_cause"),
]


def test_pipeline_is_one_sklearn_pipeline_in_one_joblib_file(small_trained):
    pipeline = joblib.load(small_trained.path / "model.joblib")
    assert isinstance(pipeline, Pipeline)
    assert [name for name, _ in pipeline.steps] == ["normalise", "features", "classify"]
    features = pipeline.named_steps["features"]
    assert isinstance(features, FeatureUnion)
    assert [name for name, _ in features.transformer_list] == ["words", "chars"]
    assert pipeline.predict(["系统网络不稳定，出现临时性故障"])[0] == "system"


def test_headline_is_real_texts_of_a_department_never_seen_in_training(trained, corpus):
    head, transfer = trained.metadata["headline"], trained.metadata["metrics"]["transfer"]
    seed = corpus[corpus["source"] == "seed"]
    assert head["evaluation"] == "transfer.real" and head["n"] == len(seed) == transfer["real"]["n"]
    assert transfer["real"]["departments"] == ["seed:1.0-label-seed-forms.ipynb"]
    assert head["macro_f1"] == transfer["real"]["macro_f1"] and head["accuracy"] == transfer["real"]["accuracy"]
    assert "不含该部门" in head["what_zh"]


def test_seed_transfer_stays_at_its_measured_level(trained):
    """Trained without the seed department, scored on its 48 real texts. Measured on the committed corpus: macro-F1
    0.696, accuracy 0.833 (40 of 48). Issue 10's targets (0.70 / 0.85) are not reached yet; this keeps what is."""
    real = trained.metadata["metrics"]["transfer"]["real"]
    assert real["macro_f1"] >= 0.66 and real["accuracy"] >= 0.80, real["per_code"]


def test_held_out_departments_macro_f1_reaches_0_80(trained):
    every = trained.metadata["metrics"]["transfer"]["all"]
    assert every["macro_f1"] >= 0.80, every["per_code"]
    assert every["departments"] >= 8


def test_shipped_threshold_answers_80_percent_of_held_out_texts(trained):
    head = trained.metadata["headline"]
    every = trained.metadata["metrics"]["transfer"]["all"]
    answered = [r for r in every["coverage"] if r["threshold"] == trained.metadata["abstain_threshold"]][0]
    assert answered["coverage"] >= 0.80
    assert head["answered"] >= 0.80 and head["threshold"] == trained.metadata["abstain_threshold"]


def test_metadata_and_report_are_written(small_trained):
    meta = json.loads((small_trained.path / "metadata.json").read_text(encoding="utf-8"))
    for key in ("version", "data_hash", "label_set", "metrics", "libraries", "classifier"):
        assert key in meta
    assert len(meta["label_set"]) == 14
    report = (small_trained.path / "report.md").read_text(encoding="utf-8")
    assert "Confusion matrix" in report and "Coverage and precision" in report and "**Headline" in report


def test_unseen_texts_from_other_sectors_get_the_right_cause(model):
    predictions = model.classify_batch([t for t, _ in UNSEEN])
    wrong = [(t, p.ranking[0].label, want) for (t, want), p in zip(UNSEEN, predictions) if p.ranking[0].label != want]
    assert len(wrong) <= 1, wrong


def test_prediction_carries_ranking_parts_evidence_and_version(model):
    p = model.classify("因两次流标，政府采购程序重新启动，合同签订延迟。下一步将提前启动采购。")
    assert p.label == "procurement" and p.label_zh == "招标采购"
    assert 0 < p.confidence <= 1 and len(p.ranking) == 3
    assert p.ranking[0].confidence >= p.ranking[1].confidence >= p.ranking[2].confidence
    assert p.measure_text.startswith("下一步将提前启动采购")
    assert "下一步" not in p.cause_text
    assert any("流标" in e.term or "采购" in e.term for e in p.evidence)
    assert all(e.weight > 0 for e in p.evidence)
    assert p.model_version == model.version


def test_low_confidence_abstains_with_other_and_keeps_the_ranking(small_model_root):
    strict = load_model(root=small_model_root)
    strict.threshold = 0.999
    p = strict.classify("设备老化")
    assert p.abstained and p.label == "other" and p.label_zh == "其他"
    assert len(p.ranking) == 3 and p.ranking[0].label != "other"


@pytest.mark.parametrize("bad", ["", "  \n ", "，。！"])
def test_empty_text_is_refused(small_model, bad):
    with pytest.raises(TextError, match="empty"):
        small_model.classify(bad)


def test_over_long_text_is_refused(small_model):
    with pytest.raises(TextError, match="more than the limit of 2000"):
        small_model.classify("资金" * 1001)


def test_batch_error_names_the_offending_item(small_model):
    with pytest.raises(TextError, match=r"texts\[1\]"):
        small_model.classify_batch(["系统故障", " "])


def test_gate_refuses_a_model_worse_on_held_out_departments_unless_forced(small_trained, small_model_root):
    old = small_trained.metadata["metrics"]["transfer"]["all"]["macro_f1"]
    old_real = small_trained.metadata["metrics"]["transfer"]["real"]["macro_f1"]
    assert gate(old - 0.005, small_model_root, force=False, new_real_f1=old_real - 0.02)[0] is True
    promoted, reason = gate(old - 0.02, small_model_root, force=False)
    assert promoted is False and "--force" in reason and "held-out departments" in reason
    promoted, reason = gate(old, small_model_root, force=False, new_real_f1=old_real - 0.05)
    assert promoted is False and "real texts" in reason
    assert gate(old - 0.02, small_model_root, force=True)[0] is True


@pytest.mark.slow
def test_worse_retrain_is_saved_but_not_promoted_and_activate_rolls_back(corpus, small_trained, tmp_path):
    root = install(small_trained, tmp_path / "models")  # a private directory: other tests read the shared ones
    shuffled = corpus.groupby("label").head(40).copy()  # small: the gate, not the model, is under test
    shuffled["label"] = shuffled["label"].sample(frac=1.0, random_state=1).to_numpy()
    worse = train(shuffled, root=root, candidates=("cnb",))
    assert not worse.promoted and current_version(root) == small_trained.version
    activate(worse.version, root)
    assert current_version(root) == worse.version
    activate(small_trained.version, root)
    assert current_version(root) == small_trained.version
    versions = {card.version: card.current for card in list_versions(root)}
    assert versions[small_trained.version] is True and versions[worse.version] is False


def test_loading_without_a_trained_model_says_so(tmp_path):
    with pytest.raises(ModelError, match="no trained model"):
        load_model(root=tmp_path)


def test_unknown_version_cannot_be_activated(small_model_root):
    with pytest.raises(ModelError, match="no model version"):
        activate("19990101-000000-abcdef", small_model_root)
    assert current_version(small_model_root) is not None


def test_compiled_features_and_probabilities_are_the_pipelines_own(small_model, corpus):
    """inference.npz classifies with exactly the numbers of the scikit-learn Pipeline it was compiled from."""
    model = small_model
    texts = corpus["text"].sample(1500, random_state=11).tolist()
    pipeline = model.pipeline
    reference = pipeline.named_steps["features"].transform(pipeline.named_steps["normalise"].transform(texts)).tocsr()
    reference.sort_indices()
    vectors = model.compiled.vectorise(pipeline.named_steps["normalise"].transform(texts))
    assert (vectors.indptr == reference.indptr).all() and (vectors.indices == reference.indices).all()
    assert abs(vectors.data - reference.data).max() < 1e-12
    assert abs(model.compiled.probabilities(vectors) - pipeline.predict_proba(texts)).max() < 1e-12


@pytest.mark.parametrize("kind", ["logreg", "svc", "cnb"])
def test_every_candidate_compiles_to_the_same_probabilities(corpus, kind, tmp_path):
    from nlp.classify.inference import CompiledClassifier
    from nlp.classify.pipeline import build_pipeline, compile_pipeline

    sample = corpus.groupby("label").head(12)
    pipeline = build_pipeline(kind).fit(sample["text"].tolist(), sample["label"])
    compile_pipeline(pipeline).save(tmp_path / "inference.npz")
    compiled = CompiledClassifier.load(tmp_path / "inference.npz")  # as the service reads it back
    texts = corpus["text"].head(300).tolist()
    vectors = compiled.vectorise(pipeline.named_steps["normalise"].transform(texts))
    assert abs(compiled.probabilities(vectors) - pipeline.predict_proba(texts)).max() < 1e-9


def test_two_codes_compile_too(corpus):
    from nlp.classify.pipeline import build_pipeline, compile_pipeline

    sample = corpus[corpus["label"].isin(["funding", "system"])].groupby("label").head(60)
    for kind in ("logreg", "svc"):
        pipeline = build_pipeline(kind).fit(sample["text"].tolist(), sample["label"])
        compiled = compile_pipeline(pipeline)
        texts = corpus["text"].head(100).tolist()
        vectors = compiled.vectorise(pipeline.named_steps["normalise"].transform(texts))
        assert abs(compiled.probabilities(vectors) - pipeline.predict_proba(texts)).max() < 1e-9


def test_a_saved_version_is_classified_without_scikit_learn(small_model_root):
    """The service's imports and model load never touch scikit-learn, scipy.stats or pandas (their import is most
    of a start); checked in a fresh interpreter, since this one has them loaded already."""
    import subprocess
    import sys

    probe = (
        "import sys; from nlp.classify.registry import load_model; import api.main, cli.main;"
        f"m = load_model(root=__import__('pathlib').Path({str(small_model_root)!r}));"
        "p = m.classify('由于网络不稳定，系统曾发生临时性故障');"
        "print(p.label, sorted(x for x in ('sklearn', 'scipy.stats', 'pandas', 'joblib') if x in sys.modules))"
    )
    repo = __import__("pathlib").Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=repo
    ).stdout.split()
    assert out == ["system", "[]"]


def test_a_version_saved_before_inference_npz_is_compiled_on_load(small_trained, tmp_path):
    old = install(small_trained, tmp_path / "models")
    (old / small_trained.version / "inference.npz").unlink()
    model = load_model(root=old)
    assert (old / small_trained.version / "inference.npz").is_file()
    assert model.classify("由于网络不稳定，系统曾发生临时性故障").label == "system"


def test_a_damaged_inference_file_is_a_model_error(small_trained, tmp_path):
    copy = install(small_trained, tmp_path / "models")
    (copy / small_trained.version / "inference.npz").write_bytes(b"not numpy")
    with pytest.raises(ModelError, match="not a readable model file"):
        load_model(small_trained.version, root=copy)


def _char_ngram_strings(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's character analyser, written out: runs of white space become one space, then every
    substring of low..high characters."""
    import re

    text = re.sub(r"\s\s+", " ", text)
    return [text[i : i + n] for n in range(low, min(high, len(text)) + 1) for i in range(len(text) - n + 1)]


@pytest.mark.parametrize(
    "texts",
    [
        ["由于网络不稳定，系统曾发生临时性故障", "", "a", "ab", "A  B\n\tc", "含\x00空字符", "😀 表情", "İstanbul ÄB"],
        ["受疫情影响  部分培训改为线上开展"] * 3,
    ],
)
def test_character_ngrams_counted_as_integers_equal_the_strings(small_model, corpus, texts):
    """count_chars looks n-grams up as integers; it must count exactly what the n-gram strings count."""
    chars = small_model.compiled.chars
    for batch in (texts, corpus["text"].tolist()):
        strings = [_char_ngram_strings(t.lower(), *chars.ngrams) for t in batch]
        assert (chars.count_chars(batch) != chars.count_grams(strings)).nnz == 0
