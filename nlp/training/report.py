"""The model card of one version (`report.md`): headline, data, calibration, coverage curve, per code, confusion.

`per_code_rows` and `calibration_sentence` are what the CLI prints of a training run too, so the two never differ.
"""

from __future__ import annotations

from typing import Any

from nlp.classify.card import Calibration, CoverageRow, Figures, ModelCard
from nlp.taxonomy import load_taxonomy

PER_CODE_COLUMNS = ("code", "中文名", "precision", "recall", "F1", "n")


def per_code_rows(figures: Figures) -> list[tuple[str, ...]]:
    """One row per code: code, 中文名, precision, recall, F1, support."""
    taxonomy = load_taxonomy()
    return [
        (code, taxonomy.name_zh(code), f"{m.precision:.2f}", f"{m.recall:.2f}", f"{m.f1:.2f}", str(m.support))
        for code, m in figures.per_code.items()
    ]


def calibration_sentence(calibration: Calibration) -> str:
    """The temperature and the expected calibration error before and after it."""
    return (
        f"calibration: temperature {calibration.temperature}, expected calibration error "
        f"{calibration.ece_uncalibrated:.3f} before, {calibration.ece_calibrated:.3f} after"
    )


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|---" * len(header) + "|", *("| " + " | ".join(r) + " |" for r in rows)]


def _cell(row: CoverageRow | None, key: str) -> str:
    value = None if row is None else getattr(row, key)
    return "—" if value is None else f"{value:.3f}"


def render_report(meta: dict[str, Any] | ModelCard) -> str:
    """A Markdown report of one version: headline, data, calibration, coverage curve, per code, confusion."""
    card = meta if isinstance(meta, ModelCard) else ModelCard.model_validate(meta)
    transfer, head = card.transfer, card.headline
    if transfer is None or head is None:
        return f"# Model {card.version}\n\nNo held-out-department evaluation in this version's card.\n"
    every, real = transfer.all, transfer.real
    lines = [
        f"# Model {card.version}",
        "",
        f"**Headline ({head.what}, {head.n} texts): macro-F1 {head.macro_f1:.4f}, accuracy "
        f"{head.accuracy:.4f}; at the threshold {head.threshold:.2f} it answers {head.answered:.1%} "
        f"of them, {head.answered_accuracy or 0:.1%} right.**",
        "",
        f"- classifier: `{card.classifier}` (held-out-department macro-F1 of the candidates: "
        + ", ".join(f"{k} {v:.4f}" for k, v in card.candidates_transfer_macro_f1.items())
        + ")",
        f"- examples: {card.n_examples} ({card.n_real or 0} real), data hash `{(card.data_hash or '')[:12]}`",
        f"- every text predicted by a model trained without its department ({every.departments} departments "
        f"or authored groups): macro-F1 **{every.macro_f1:.4f}**, accuracy {every.accuracy:.4f}",
    ]
    if real:
        lines.append(
            f"- real texts only ({real.n}, {', '.join(real.departments or [])}): macro-F1 **{real.macro_f1:.4f}**, "
            f"accuracy {real.accuracy:.4f}"
        )
    lines += [
        f"- {calibration_sentence(transfer.calibration)} ({transfer.calibration.ece_rule})",
        "",
        "## Coverage and precision (held-out departments, abstain below the threshold)",
        "",
        f"The model abstains (`other`) below **{card.abstain_threshold:.2f}**: "
        f"{card.abstain_threshold_rule or 'set by hand'}.",
        "",
    ]
    real_rows = real.coverage if real else [None] * len(every.coverage)
    coverage = [
        (f"{r.threshold:.2f}", _cell(r, "coverage"), _cell(r, "accuracy"), _cell(q, "coverage"), _cell(q, "accuracy"))
        for r, q in zip(every.coverage, real_rows)
    ]
    lines += _table(("threshold", "answered (all)", "right (all)", "answered (real)", "right (real)"), coverage)
    for title, figures in (("held-out departments", every), ("real texts", real)):
        if figures is not None:
            lines += ["", f"## Per code ({title})", "", *_table(PER_CODE_COLUMNS, per_code_rows(figures))]
    confusion = [(code, *map(str, row)) for code, row in zip(every.labels, every.confusion)]
    lines += [
        "",
        "## Confusion matrix (held-out departments; rows true, columns predicted)",
        "",
        *_table(("", *every.labels), confusion),
    ]
    return "\n".join(lines) + "\n"
