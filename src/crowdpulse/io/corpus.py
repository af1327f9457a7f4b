"""Reading a corpus (Parquet of the post schema plus any columns later stages added)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from crowdpulse.exceptions import InputError
from crowdpulse.schema import validate_table

__all__ = ["open_parquet", "read_corpus", "replaced_atomically", "write_csv", "write_table"]


def open_parquet(path: str | Path) -> pq.ParquetFile:
    """Open a Parquet file for reading in batches.

    Args:
        path: The file.

    Returns:
        The open :class:`pyarrow.parquet.ParquetFile`.

    Raises:
        InputError: The file is missing or is not Parquet.
    """
    try:
        return pq.ParquetFile(path)
    except FileNotFoundError:
        raise InputError("no such file", path=str(path)) from None
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a Parquet file ({exc})", path=str(path)) from None


@contextmanager
def replaced_atomically(destination: str | Path) -> Iterator[Path]:
    """Write to a temporary file beside ``destination``, moved into place on success.

    So a stage may write over its own input, and a failed run leaves no half file.

    Args:
        destination: The file to (re)place.

    Yields:
        The temporary path to write to.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    temp = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
    try:
        yield temp
        os.replace(temp, destination)
    finally:
        if temp.exists():
            temp.unlink()


def read_corpus(path: str | Path, *, columns: list[str] | None = None) -> pa.Table:
    """Read a corpus file and check it has the post columns.

    Args:
        path: A Parquet file written by ``crowdpulse ingest`` (or a later stage).
        columns: Read only these columns (no schema check then).

    Returns:
        The table.

    Raises:
        InputError: The file is missing, not Parquet, or not a corpus.
    """
    table = open_parquet(path).read(columns=columns)
    if columns is not None:
        return table
    try:
        return validate_table(table)
    except InputError as exc:
        raise InputError(exc.reason, path=str(path), field=exc.field) from None


def write_table(table: pa.Table, path: str | Path) -> Path:
    """Write a table as a zstd-compressed Parquet file, creating folders.

    Args:
        table: The table.
        path: The file.

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    return path


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else repr(value)
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


def write_csv(table: pa.Table, path: str | Path) -> Path:
    """Write a result table as CSV for people and spreadsheets.

    Nulls and NaN are empty cells, floats keep every digit (``repr``), lists are joined
    by spaces, times are ISO 8601 in UTC with a ``Z``.

    Args:
        table: The table.
        path: The file; folders are created.

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = table.column_names
    data = [table.column(c).to_pylist() for c in columns]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in zip(*data, strict=True):
            writer.writerow([_csv_cell(v) for v in row])
    return path
