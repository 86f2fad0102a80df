"""The `piancha` command: one entry point over the library."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="piancha (偏差): classify the deviation causes of 项目支出绩效自评表 forms.",
    no_args_is_help=True,
    add_completion=False,
)

from cli import classifier, findings, forms, labelling, report, serve, store  # noqa: E402  (each registers its commands on `app`)

__all__ = ["app", "classifier", "findings", "forms", "labelling", "report", "serve", "store"]
