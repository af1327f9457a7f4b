"""What every command shares: error handling, ``--quiet``, ``--json`` and JSON output.

A command is thin: it parses options, calls one library function and turns a
:class:`~crowdpulse.exceptions.CrowdpulseError` into a one-line message on stderr
and exit code 2 (never a traceback for bad input).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from crowdpulse.exceptions import CrowdpulseError

__all__ = ["EXIT_BAD_INPUT", "emit_json", "handle_errors", "json_option", "quiet_option"]

EXIT_BAD_INPUT = 2

F = TypeVar("F", bound=Callable[..., Any])

quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="Show no progress bar or summary on stderr."
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print the result as one JSON object on stdout."
)


def handle_errors(func: F) -> F:
    """Turn crowdpulse errors and unreadable files into a clean message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CrowdpulseError as exc:
            click.echo(f"crowdpulse: error: {exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except OSError as exc:
            name = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            click.echo(f"crowdpulse: error: {name}{exc.strerror or exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)

    return wrapper  # type: ignore[return-value]


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def emit_json(obj: Any) -> None:
    """Print ``obj`` as one line of JSON on stdout (non-ASCII kept as is)."""
    click.echo(json.dumps(obj, ensure_ascii=False, default=_default))
