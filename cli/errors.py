"""How the CLI turns library errors into a message and exit code 2."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from nlp.errors import PianchaError

F = TypeVar("F", bound=Callable[..., Any])
err_console = Console(stderr=True, soft_wrap=True)


def exits_on_bad_input(func: F) -> F:
    """Print a PianchaError as `error: …` on stderr and exit with code 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PianchaError as exc:
            err_console.print(f"error: {exc}", style="red", highlight=False, markup=False)
            raise typer.Exit(code=2) from None

    return wrapper  # type: ignore[return-value]
