"""`piancha serve`: train if needed, load the seed forms into an empty database, start the service."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from api.main import create_app
from cli.errors import exits_on_bad_input
from nlp.classify.registry import current_version, load_model
from nlp.config import Settings, get_settings
from nlp.store import ingest_file, list_documents, open_store

console = Console(stderr=True)
app = typer.Typer()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def prepare(settings: Settings) -> None:
    """Train a model when none is current; ingest the seed forms when the database is empty."""
    if current_version(settings.model_dir) is None:
        console.print(f"no model in {settings.model_dir}: training one on the labelled corpus (about a minute)…")
        from nlp.training.corpus import load_corpus  # only the first start trains: later ones never import scikit-learn
        from nlp.training.selection import train

        result = train(load_corpus(), root=settings.model_dir)
        head = result.card.headline
        if head is not None:
            console.print(
                f"trained {result.version}: macro-F1 {head.macro_f1:.3f}, accuracy {head.accuracy:.3f} "
                f"({head.what}, {head.n} texts)"
            )
    with open_store(settings.database_url) as store:  # a database that cannot open stops here, in one line
        if not settings.load_seed or list_documents(store, limit=1):
            return
        seeds = sorted(settings.seed_dir.glob("*.txt"))
        if not seeds:
            console.print(f"no seed forms in {settings.seed_dir}; the database starts empty")
            return
        model = load_model(root=settings.model_dir)
        for path in seeds:
            result = ingest_file(store, path, model)
            console.print(f"loaded seed {path.name}: {result.forms} forms, {result.deviations} deviations")


@app.command("serve")
@exits_on_bad_input
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to bind (default PIANCHA_HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PIANCHA_PORT or 8000).")] = None,
) -> None:
    """Start the HTTP service (OpenAPI at /docs, dashboard at /)."""
    settings = get_settings()
    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    if not settings.api_key and not _is_loopback(settings.host):
        console.print(
            f"no PIANCHA_API_KEY is set: binding to 127.0.0.1 instead of {settings.host} "
            "(set a key to serve other machines) / 未设置 API 密钥，仅监听本机"
        )
        settings = settings.model_copy(update={"host": "127.0.0.1"})
    elif not settings.api_key:
        console.print("no PIANCHA_API_KEY is set: write routes are open, serving on loopback only / 仅监听本机")
    prepare(settings)
    console.print(f"piancha at http://{settings.host}:{settings.port}/  (API docs /docs)")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
