"""The `piancha` command: one entry point over the library.

Each command module owns its `Typer()`; this one joins them with `add_typer` (their commands stand at the top
level: `piancha train`, `piancha ingest`, …) and configures logging, so nothing imports `app` back.
"""

from __future__ import annotations

import logging

import typer

from cli import classifier, findings, forms, labelling, report, serve, store

app = typer.Typer(
    help="piancha (偏差): classify the deviation causes of 项目支出绩效自评表 forms.",
    no_args_is_help=True,
    add_completion=False,
)
for group in (classifier, findings, forms, labelling, report, serve, store):
    app.add_typer(group.app)


@app.callback()
def configure(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the library's progress messages (INFO)."),
) -> None:
    """piancha (偏差): classify the deviation causes of 项目支出绩效自评表 forms."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        force=True,
    )


__all__ = ["app"]
