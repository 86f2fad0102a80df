"""The model card of one version (`report.md`): headline, data, calibration, coverage curve, per code, confusion."""

from __future__ import annotations

from typing import Any

from nlp.taxonomy import load_taxonomy


def _figures_table(title: str, figures: dict[str, Any], taxonomy: Any) -> list[str]:
    lines = [
        "",
        f"## Per code ({title})",
        "",
        "| code | 中文名 | precision | recall | F1 | n |",
        "|---|---|---|---|---|---|",
    ]
    for code, m in figures["per_code"].items():
        lines.append(
            f"| {code} | {taxonomy.name_zh(code)} | {m['precision']:.2f} | {m['recall']:.2f} "
            f"| {m['f1']:.2f} | {m['support']} |"
        )
    return lines


def render_report(meta: dict[str, Any]) -> str:
    """A Markdown report of one version: headline, data, calibration, coverage curve, per code, confusion."""
    taxonomy = load_taxonomy()
    transfer, head = meta["metrics"]["transfer"], meta["headline"]
    every, real, calibration = transfer["all"], transfer.get("real"), transfer["calibration"]
    lines = [
        f"# Model {meta['version']}",
        "",
        f"**Headline ({head['what']}, {head['n']} texts): macro-F1 {head['macro_f1']:.4f}, accuracy "
        f"{head['accuracy']:.4f}; at the threshold {head['threshold']:.2f} it answers {head['answered']:.1%} "
        f"of them, {head['answered_accuracy'] or 0:.1%} right.**",
        "",
        f"- classifier: `{meta['classifier']}` (held-out-department macro-F1 of the candidates: "
        + ", ".join(f"{k} {v:.4f}" for k, v in meta["candidates_transfer_macro_f1"].items())
        + ")",
        f"- examples: {meta['n_examples']} ({meta.get('n_real', 0)} real), data hash `{meta['data_hash'][:12]}`",
        f"- every text predicted by a model trained without its department ({every['departments']} departments "
        f"or authored groups): macro-F1 **{every['macro_f1']:.4f}**, accuracy {every['accuracy']:.4f}",
    ]
    if real:
        lines.append(
            f"- real texts only ({real['n']}, {', '.join(real['departments'])}): macro-F1 **{real['macro_f1']:.4f}**, "
            f"accuracy {real['accuracy']:.4f}"
        )
    lines += [
        f"- calibration: temperature {calibration['temperature']}, expected calibration error "
        f"{calibration['ece_uncalibrated']:.3f} before, {calibration['ece_calibrated']:.3f} after "
        f"({calibration['ece_rule']})",
        "",
        "## Coverage and precision (held-out departments, abstain below the threshold)",
        "",
        f"The model abstains (`other`) below **{meta['abstain_threshold']:.2f}**: "
        f"{meta.get('abstain_threshold_rule', 'set by hand')}.",
        "",
        "| threshold | answered (all) | right (all) | answered (real) | right (real) |",
        "|---|---|---|---|---|",
    ]
    real_rows = real["coverage"] if real else [None] * len(every["coverage"])
    for row, real_row in zip(every["coverage"], real_rows):

        def cell(r: dict[str, Any] | None, key: str) -> str:
            return "—" if r is None or r[key] is None else f"{r[key]:.3f}"

        lines.append(
            f"| {row['threshold']:.2f} | {cell(row, 'coverage')} | {cell(row, 'accuracy')} "
            f"| {cell(real_row, 'coverage')} | {cell(real_row, 'accuracy')} |"
        )
    lines += _figures_table("held-out departments", every, taxonomy)
    if real:
        lines += _figures_table("real texts", real, taxonomy)
    labels = every["labels"]
    lines += [
        "",
        "## Confusion matrix (held-out departments; rows true, columns predicted)",
        "",
        "| | " + " | ".join(labels) + " |",
        "|---" * (len(labels) + 1) + "|",
    ]
    for code, row in zip(labels, every["confusion"]):
        lines.append(f"| {code} | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"
