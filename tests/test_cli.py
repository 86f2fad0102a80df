"""The `piancha` command: classify, evaluate and their errors (exit code 2, never a traceback)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.main import app
from nlp.config import get_settings

runner = CliRunner()


@pytest.fixture
def cli_env(small_model_root, monkeypatch):
    monkeypatch.setenv("PIANCHA_MODEL_DIR", str(small_model_root))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_classify_one_text_prints_code_name_confidence_top3_and_evidence(cli_env):
    result = runner.invoke(app, ["classify", "因政府采购两次流标，合同签订推迟至12月"])
    assert result.exit_code == 0, result.output
    assert "procurement" in result.output and "招标采购" in result.output
    assert "top-3" in result.output and "evidence" in result.output


def test_classify_json(cli_env):
    result = runner.invoke(app, ["classify", "--json", "受台风影响，工程停工半个月"])
    assert result.exit_code == 0
    assert json.loads(result.output)["label"] == "external"


def test_classify_file_keeps_columns_and_adds_predictions(cli_env, tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame({"id": [1, 2], "内容": ["服务器故障频发", "资金未到位，尾款未付"]}).to_csv(src, index=False)
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["classify", "--input", str(src), "--output", str(out), "--text-column", "内容"])
    assert result.exit_code == 0, result.output
    frame = pd.read_excel(out)
    assert list(frame.columns) == [
        "id",
        "内容",
        "label",
        "label_zh",
        "confidence",
        "label_2",
        "confidence_2",
        "cause_text",
        "measure_text",
    ]
    assert frame["label"].tolist() == ["system", "funding"]


def test_classify_file_with_an_empty_text_names_the_row(cli_env, tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame({"id": [1, 2], "text": ["服务器故障频发", "  "]}).to_csv(src, index=False)
    result = runner.invoke(app, ["classify", "--input", str(src), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "row 3" in result.output and "empty" in result.output and "Traceback" not in result.output


def test_classify_file_without_the_column_says_which_columns_exist(cli_env, tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame({"内容": ["服务器故障"]}).to_csv(src, index=False)
    result = runner.invoke(app, ["classify", "--input", str(src), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "no column 'text'" in result.output


def test_empty_text_exits_2_with_a_clear_error(cli_env):
    result = runner.invoke(app, ["classify", "   "])
    assert result.exit_code == 2 and "empty or only whitespace" in result.output


def test_evaluate_prints_macro_f1_and_per_code_table(cli_env, small_model, tmp_path):
    """The figures are those of the model's own predictions (the last text is deliberately mislabelled)."""
    from sklearn.metrics import accuracy_score, f1_score

    gold = pd.DataFrame(
        {
            "text": ["服务器宕机", "人员离职严重，招聘困难", "受台风影响停工", "服务器频繁死机，数据丢失"],
            "label": ["system", "staffing", "external", "funding"],
        }
    )
    path = tmp_path / "gold.csv"
    gold.to_csv(path, index=False)
    result = runner.invoke(app, ["evaluate", "--input", str(path), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    predicted = [p.ranking[0].label for p in small_model.classify_batch(gold["text"].tolist())]
    present = sorted(set(gold["label"]) | set(predicted))
    assert metrics["n"] == 4 and metrics["model_version"] == small_model.version
    assert metrics["accuracy"] == round(accuracy_score(gold["label"], predicted), 4) < 1  # funding is wrong
    assert metrics["macro_f1"] == round(f1_score(gold["label"], predicted, labels=present, average="macro"), 4)
    assert metrics["per_code"]["funding"]["support"] == 1 and metrics["per_code"]["funding"]["recall"] == 0


def test_evaluate_with_unknown_code_names_file_and_row(cli_env, tmp_path):
    path = tmp_path / "gold.csv"
    pd.DataFrame({"text": ["服务器宕机"], "label": ["hardware"]}).to_csv(path, index=False)
    result = runner.invoke(app, ["evaluate", "--input", str(path)])
    assert result.exit_code == 2 and "gold.csv, row 1: unknown code 'hardware'" in result.output


def test_classify_without_a_model_says_to_train(tmp_path, monkeypatch):
    monkeypatch.setenv("PIANCHA_MODEL_DIR", str(tmp_path))
    get_settings.cache_clear()
    result = runner.invoke(app, ["classify", "系统故障"])
    get_settings.cache_clear()
    assert result.exit_code == 2 and "piancha train" in result.output


def test_classify_file_of_unsupported_type_exits_2(cli_env, tmp_path):
    src = tmp_path / "texts.docx"
    src.write_bytes(b"PK")
    result = runner.invoke(app, ["classify", "--input", str(src), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "unsupported table type '.docx'" in result.output


def test_a_broken_byte_on_the_command_line_is_an_error_line_not_a_traceback(cli_env):
    result = runner.invoke(app, ["classify", "\udcff系统故障"])  # how Python passes the byte 0xFF of a non-UTF-8 argv
    assert result.exit_code == 2, result.output
    assert "lone surrogate U+DCFF" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_evaluate_transfer_reproduces_the_headline_on_the_corpus(on_small_corpus, small_trained):
    result = runner.invoke(app, ["evaluate", "--transfer", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["headline"]["evaluation"] == "transfer.real" and figures["headline"]["n"] == figures["real"]["n"]
    assert figures["headline"] == small_trained.metadata["headline"] | {"threshold": figures["headline"]["threshold"]}


def test_verbose_turns_on_the_librarys_info_logging(cli_env):
    import logging

    result = runner.invoke(app, ["--verbose", "classify", "系统网络故障"])
    assert result.exit_code == 0, result.output
    assert logging.getLogger().level == logging.INFO
    result = runner.invoke(app, ["classify", "系统网络故障"])
    assert result.exit_code == 0, result.output
    assert logging.getLogger().level == logging.WARNING
