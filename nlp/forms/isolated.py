"""Running a reader in a child process with a time and a memory limit, so one file cannot stall or exhaust a server.

The child is a fresh interpreter (`python -m nlp.forms.isolated`): the function and its arguments go in on
stdin, the result comes back on stdout, both pickled (parent and child are the same code). A child past its
time is killed; one past its memory gets a MemoryError. Starting one costs about 0.2 s (the readers' imports),
which an upload pays once. Errors the reader raises on bad input come back as themselves.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from nlp.errors import FormParseError, FormTooLargeError, ParseTimeoutError, PianchaError

log = logging.getLogger(__name__)
T = TypeVar("T")
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
"""Where `nlp` is imported from here, so that the child runs this same code."""


def _child_main() -> None:
    """In the child: apply the memory limit, run the function read from stdin, write what happened to stdout."""
    result = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a reader prints goes to stderr, never into the result
    func, args, memory_mb = pickle.loads(sys.stdin.buffer.read())
    try:
        if memory_mb:
            try:
                import resource
            except ImportError:  # Windows: only the time limit applies
                pass
            else:
                limit = memory_mb * 1024 * 1024
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        outcome: tuple[str, Any] = ("ok", func(*args))
    except MemoryError:
        outcome = ("memory", None)
    except PianchaError as exc:
        outcome = ("error", exc)
    except BaseException as exc:  # a reader bug comes back as a message
        outcome = ("crash", f"{type(exc).__name__}: {exc}")
    try:
        payload = pickle.dumps(outcome)
    except Exception as exc:  # an unpicklable result
        payload = pickle.dumps(("crash", f"the result could not be sent back ({type(exc).__name__})"))
    result.write(payload)
    result.close()


def run_isolated(func: Callable[..., T], *args: Any, what: str, time_limit: float, memory_mb: int | None = None) -> T:
    """`func(*args)` in a child process: its result, or ParseTimeoutError / FormTooLargeError naming `what`.

    `func` must be importable by name (a module-level function) and its arguments and result picklable.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "nlp.forms.isolated"],
            input=pickle.dumps((func, args, memory_mb)),
            capture_output=True,
            timeout=time_limit,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:  # subprocess.run has killed the child
        raise ParseTimeoutError(
            f"{what}: not read within the limit of {time_limit:g} s; refused / 文件解析超时，未读取"
        ) from None
    try:
        kind, value = pickle.loads(done.stdout)
    except Exception:  # killed (out of memory in C code, a signal) before it could answer
        kind, value = "crash", f"the reader stopped with exit code {done.returncode}"
    if kind == "ok":
        return value
    if kind == "error":
        raise value
    if kind == "memory":
        raise FormTooLargeError(
            f"{what}: needs more than the limit of {memory_mb} MiB of memory to read; refused "
            "/ 文件解析所需内存超过上限，未读取"
        )
    log.error("reading %s in a child process failed: %s\n%s", what, value, done.stderr.decode(errors="replace")[-2000:])
    raise FormParseError(f"{what}: cannot be read as 自评表 ({value}) / 无法解析文件")


if __name__ == "__main__":
    _child_main()
