"""What several command modules share: the configured database, the console and the output format check."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from api.settings import get_settings
from nlp.errors import PianchaError
from nlp.store import Store, open_store

console = Console()
FORMATS = ("table", "csv", "json", "xlsx")


def configured_store() -> Store:
    """The database the settings name (PIANCHA_DATABASE_URL)."""
    return open_store(get_settings().database_url)


def output_format(fmt: str | None, output: Path | None) -> str:
    """The --format asked for (default: from --output's suffix, else table); an error if it cannot be written."""
    fmt = fmt or (output.suffix.lower().lstrip(".") if output is not None else "table")
    if fmt not in FORMATS:
        raise PianchaError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)} / 不支持的输出格式")
    if fmt == "table" and output is not None:
        raise PianchaError(
            "--format table prints to the terminal; use csv, json or xlsx with --output / 表格仅用于终端"
        )
    if fmt == "xlsx" and output is None:
        raise PianchaError("--format xlsx needs --output FILE.xlsx / 需要指定输出文件")
    return fmt
