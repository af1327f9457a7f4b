"""What every command shares: error handling, ``--quiet``, ``--json`` and JSON output.

A command is thin: it parses options, calls one library function and turns a
:class:`~crowdpulse.exceptions.CrowdpulseError` into a one-line message on stderr
(never a traceback for bad input). Exit codes, the same for every command:

- ``0`` success (also when the reader of our output went away: ``| head``);
- ``1`` a data or input error: a missing, unreadable or malformed file, an invalid
  event description or option value found while running;
- ``2`` a usage error found by click before the command ran (unknown option, a
  value of the wrong kind, a missing argument).

With ``--json``, an error also prints one JSON object on stdout:
``{"error": ..., "file": ..., "line": ..., "field": ...}`` (null when unknown).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from crowdpulse.conventions import json_default
from crowdpulse.exceptions import CrowdpulseError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_OK",
    "EXIT_USAGE",
    "console",
    "emit_json",
    "error_object",
    "handle_errors",
    "json_option",
    "quiet_broken_pipe",
    "quiet_option",
]

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2

F = TypeVar("F", bound=Callable[..., Any])

quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="Show no progress bar or summary on stderr."
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print the result as one JSON object on stdout."
)


def error_object(exc: BaseException) -> dict[str, Any]:
    """The JSON error object of an exception: ``error``, ``file``, ``line``, ``field``.

    Args:
        exc: A :class:`CrowdpulseError` or :class:`OSError`.

    Returns:
        The object; unknown parts are None.
    """
    if isinstance(exc, OSError) and not isinstance(exc, CrowdpulseError):
        return {
            "error": exc.strerror or str(exc),
            "file": None if exc.filename is None else str(exc.filename),
            "line": None,
            "field": None,
        }
    path = getattr(exc, "path", None)
    return {
        "error": getattr(exc, "reason", None) or str(exc),
        "file": None if path is None else str(path),
        "line": getattr(exc, "line", None),
        "field": getattr(exc, "field", None),
    }


def quiet_broken_pipe() -> None:
    """End quietly with status 0 after the reader of stdout went away (``| head``).

    Standard output is pointed at ``/dev/null`` so the interpreter's final flush
    does not complain.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_OK)


def console(**kwargs: Any) -> Any:
    """A rich console whose closed pipe ends the command quietly with status 0.

    (rich's own console exits with 1 when its reader goes away.)

    Args:
        **kwargs: Passed to :class:`rich.console.Console`.

    Returns:
        The console.
    """
    from rich.console import Console

    class _PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _PipeConsole(**kwargs)


def _fail(exc: BaseException, message: str, as_json: bool) -> None:
    click.echo(f"crowdpulse: error: {message}", err=True)
    if as_json:
        try:
            click.echo(json.dumps(error_object(exc), ensure_ascii=False, default=str))
        except BrokenPipeError:
            quiet_broken_pipe()
    sys.exit(EXIT_BAD_INPUT)


def handle_errors(func: F) -> F:
    """Turn crowdpulse errors and unreadable files into a clean message and exit code 1.

    A closed standard output (``crowdpulse info x | head -1``) ends quietly with 0.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        try:
            return func(*args, **kwargs)
        except BrokenPipeError:
            quiet_broken_pipe()
        except CrowdpulseError as exc:
            _fail(exc, str(exc), as_json)
        except OSError as exc:
            name = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _fail(exc, f"{name}{exc.strerror or exc}", as_json)

    return wrapper  # type: ignore[return-value]


def emit_json(obj: Any) -> None:
    """Print ``obj`` as one line of JSON on stdout (non-ASCII kept as is)."""
    click.echo(json.dumps(obj, ensure_ascii=False, default=json_default))
