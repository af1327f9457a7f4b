"""The output conventions every file and JSON line of crowdpulse follows.

Times are ISO 8601 in UTC with a ``Z`` (``2015-11-13T21:30:00Z``); JSON is written with
:func:`json_default`, so a time, a numpy number or a set looks the same in a command's
``--json``, a report's stage summary and a cache manifest. CSV tables follow the same
time format (:func:`crowdpulse.io.corpus.write_csv`). This module imports nothing
heavy, so the command line can use it before any analysis loads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["iso_utc", "json_default"]


def iso_utc(moment: datetime) -> str:
    """A time as every output writes it: ISO 8601 in UTC with a ``Z`` (naive: taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat() + "Z"


def json_default(value: Any) -> Any:
    """The ``default`` of ``json.dumps`` for every JSON output of crowdpulse.

    Times become :func:`iso_utc` strings, numpy scalars Python numbers, sets sorted
    lists, tuples lists and paths strings.

    Raises:
        TypeError: Any other type (as ``json.dumps`` expects).
    """
    if isinstance(value, datetime):
        return iso_utc(value)
    if hasattr(value, "isoformat"):  # dates
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
