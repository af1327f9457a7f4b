"""Read one numeric column of a CSV file as a series (for ``crowdpulse detect``).

Rules:

- The first row is the header. Data rows are numbered from 0 (the header is not a
  row); these are the indices change points are reported in.
- Without a column name, the first column whose non-empty cells are all numbers
  (and that has at least one) is used.
- Missing values: an empty cell (or only spaces), a cell reading ``nan``, ``NA`` or
  ``null``, and a short row that lacks the column are missing. They are dropped
  before detection, and every index is mapped back to the row it came from: a change
  point is the row of the first non-missing value of the new segment. Nothing is
  invented (no interpolation).
- A non-numeric cell in the chosen column is an error naming the file, line and
  column. An infinite cell (``inf``, ``-inf``, ``Infinity``) is always an error
  naming the file, line and column, also when the column is picked automatically:
  it is a number that no detector can use, not a sign that the column is text.
"""

from __future__ import annotations

import csv
import io
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from crowdpulse.exceptions import InputError

__all__ = ["CsvSeries", "read_series_csv"]

_MISSING = {"", "nan", "na", "n/a", "null", "none"}


@dataclass(frozen=True)
class CsvSeries:
    """A numeric column read from a CSV file.

    Attributes:
        name: The column's header.
        values: The non-missing values, in row order.
        rows: For each value, its 0-based data row.
        n_rows: Number of data rows in the file.
    """

    name: str
    values: NDArray[np.float64]
    rows: NDArray[np.int64]
    n_rows: int

    @property
    def n_missing(self) -> int:
        """Number of rows whose cell is missing."""
        return self.n_rows - int(self.values.size)


class _Infinite(Exception):
    """A cell that parses as an infinite number."""


def _number(cell: str) -> float | None:
    """The cell as a float, None if missing.

    Raises ValueError if it is not a number and :class:`_Infinite` if it is infinite.
    """
    text = cell.strip()
    if text.lower() in _MISSING:
        return None
    value = float(text)
    if math.isnan(value):
        return None
    if math.isinf(value):
        raise _Infinite(text)
    return value


def read_series_csv(path: str | Path, column: str | None = None) -> CsvSeries:
    """Read one numeric column of a CSV file (``-`` reads standard input).

    Args:
        path: The CSV file, with a header row; ``"-"`` for standard input.
        column: Header of the column to read (default: the first numeric column).

    Returns:
        The column's values with their row numbers.

    Raises:
        InputError: The file is empty or has no header, the column is missing or
            not numeric, or no column is numeric; the message names file, line and
            column.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    if str(path) == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InputError("not a UTF-8 text file", path=name) from None
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError("the file is empty or has no header row", path=name)
    header = [h.strip() for h in rows[0]]
    data = rows[1:]
    if column is not None:
        if column not in header:
            raise InputError(
                f"no such column; the columns are: {', '.join(header)}", path=name, field=column
            )
        candidates = [header.index(column)]
    else:
        candidates = list(range(len(header)))
    for col in candidates:
        values: list[float] = []
        index: list[int] = []
        bad: tuple[int, str] | None = None
        for i, row in enumerate(data):
            cell = row[col] if col < len(row) else ""
            try:
                value = _number(cell)
            except _Infinite:
                raise InputError(
                    f"infinite value {cell.strip()!r}; change points need finite numbers"
                    " (leave the cell empty to mark it missing)",
                    path=name,
                    line=i + 2,
                    field=header[col],
                ) from None
            except ValueError:
                bad = (i, cell)
                break
            if value is not None:
                values.append(value)
                index.append(i)
        if bad is not None:
            if column is not None:
                raise InputError(
                    f"not a number: {bad[1]!r} (the column must be numeric)",
                    path=name,
                    line=bad[0] + 2,
                    field=header[col],
                )
            continue
        if not values:
            if column is not None:
                raise InputError("the column has no values", path=name, field=header[col])
            continue
        return CsvSeries(
            name=header[col],
            values=np.asarray(values, dtype=np.float64),
            rows=np.asarray(index, dtype=np.int64),
            n_rows=len(data),
        )
    raise InputError("no numeric column; name one with --column", path=name)
