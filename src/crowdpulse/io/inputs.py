"""Turn the inputs of an ingest into a checked plan: folders, pipes, skips, formats.

- A folder is read recursively, its files in sorted order, filtered by ``glob``
  (a pattern on the file name, e.g. ``*.jsonl.gz``; hidden files and folders are
  left out).
- Standard input (``-``), FIFOs and process substitution (``<(cat file)``, a
  ``/dev/fd/N`` pipe) are copied once into the spool folder and read from there: the
  sniffed bytes are the bytes read, and the pipe is never opened twice.
- A file that holds no posts (users, counts, compliance events, a list of ids,
  documentation, an empty file) is skipped with a warning and listed with its reason
  when there is more than one input (or a folder); with ``strict`` any skip is an
  error. A single input that holds no posts is an error, as before.
"""

from __future__ import annotations

import fnmatch
import logging
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crowdpulse.exceptions import InputError
from crowdpulse.io.registry import format_names
from crowdpulse.io.sniff import NotPostsError, layout, sniff

__all__ = ["PlannedInput", "expand_inputs", "plan_inputs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedInput:
    """An input to read: where its bytes are, what to call it, and its layout."""

    path: str
    name: str
    format: str
    array: bool = False
    document: bool = False


def expand_inputs(paths: list[str], glob: str | None = None) -> list[tuple[str, bool]]:
    """Expand folders into their files.

    Args:
        paths: Files, folders, pipes or ``-``.
        glob: A file-name pattern for files found in folders (None: all).

    Returns:
        ``(path, from_folder)`` pairs in order: explicit inputs as given, each folder's
        files sorted.

    Raises:
        InputError: A folder holds no file that matches.
    """
    expanded: list[tuple[str, bool]] = []
    for path in paths:
        if path == "-" or not Path(path).is_dir():
            expanded.append((path, False))
            continue
        root = Path(path)
        found = []
        for child in sorted(root.rglob("*")):
            relative = child.relative_to(root).parts
            if any(part.startswith(".") for part in relative) or not child.is_file():
                continue
            if glob is not None and not fnmatch.fnmatch(child.name, glob):
                continue
            found.append((str(child), True))
        if not found:
            what = f"matching {glob!r}" if glob else "to read"
            raise InputError(f"the folder holds no file {what}", path=path)
        expanded.extend(found)
    return expanded


def _spool_if_stream(path: str, spool: Path, number: int) -> tuple[str, str]:
    """Copy standard input or a pipe into the spool; return (path to read, name)."""
    if path == "-":
        target = spool / f"stdin-{number}"
        with open(target, "wb") as copy:
            shutil.copyfileobj(sys.stdin.buffer, copy, 1 << 20)
        return str(target), "<stdin>"
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return path, path  # missing: the reader reports it
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return path, path
    target = spool / f"stream-{number}"
    with open(path, "rb") as stream, open(target, "wb") as copy:
        shutil.copyfileobj(stream, copy, 1 << 20)
    return str(target), path


def plan_inputs(
    paths: list[str],
    *,
    input_format: str | None,
    spool: Path,
    glob: str | None = None,
    strict: bool = False,
) -> tuple[list[PlannedInput], list[dict[str, Any]]]:
    """Check every input and tell its format before anything is written.

    Args:
        paths: Files, folders, pipes or ``-``.
        input_format: A forced format, or None to sniff.
        spool: A folder for copies of streams.
        glob: File-name pattern for files found in folders.
        strict: Make any skipped file an error.

    Returns:
        The inputs to read, and one entry per skipped file (``path``, ``skipped``:
        the reason, and zero counts) for the summary.

    Raises:
        InputError: An input is missing or unreadable, a forced format is unknown,
            a file holds no posts and is the only input (or ``strict``), or no input
            holds posts.
    """
    if input_format is not None and input_format not in format_names():
        raise InputError(f"unknown format {input_format!r}; known: {', '.join(format_names())}")
    expanded = expand_inputs(paths, glob)
    lenient = not strict and (len(expanded) > 1 or any(folder for _, folder in expanded))
    planned: list[PlannedInput] = []
    skipped: list[dict[str, Any]] = []
    for number, (given, _) in enumerate(expanded):
        path, name = _spool_if_stream(given, spool, number)
        try:
            found = sniff(path) if input_format is None else layout(path, input_format)
        except NotPostsError as exc:
            if not lenient:
                hint = "" if not strict else " (--strict)"
                raise InputError(
                    exc.reason + hint, path=name, line=exc.line, field=exc.field
                ) from None
            log.warning("skipped %s: %s", name, exc.reason)
            skipped.append(
                {
                    "path": name,
                    "format": None,
                    "skipped": exc.reason,
                    "read": 0,
                    "kept": 0,
                    "filtered": 0,
                    "quarantined": 0,
                }
            )
            continue
        except InputError as exc:
            raise InputError(exc.reason, path=name, line=exc.line, field=exc.field) from None
        planned.append(PlannedInput(path, name, found.format, found.array, found.document))
    if not planned:
        raise InputError(f"no input holds posts ({len(skipped)} skipped)", path=paths[0])
    return planned, skipped
