"""Reading a corpus (Parquet of the post schema plus any columns later stages added)."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crowdpulse.conventions import iso_utc
from crowdpulse.exceptions import InputError
from crowdpulse.io.atomic import atomic_open, atomic_path
from crowdpulse.schema import validate_table

__all__ = [
    "add_columns_in_order",
    "iter_row_groups",
    "open_parquet",
    "read_corpus",
    "replaced_atomically",
    "write_csv",
    "write_table",
]


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
        # no pre-buffering: with it, reading a file batch by batch keeps the column
        # chunks already read, so memory grows with the file (measured: 800 MB against
        # 335 MB peak for the batches of a 505 MB features file; and faster without)
        return pq.ParquetFile(path, pre_buffer=False)
    except FileNotFoundError:
        raise InputError("no such file", path=str(path)) from None
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a Parquet file ({exc})", path=str(path)) from None


def iter_row_groups(
    path: str | Path,
    row_groups: Sequence[int] | None = None,
    *,
    batch_size: int = 65_536,
    columns: list[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Read some row groups of a Parquet file as record batches (bounded memory).

    Args:
        path: The file.
        row_groups: The row groups to read, in this order (None: all).
        batch_size: Most rows per batch.
        columns: Read only these columns (None: all).

    Yields:
        The batches, in file order.

    Raises:
        InputError: The file is missing or is not Parquet.
    """
    reader = open_parquet(path)
    groups = list(range(reader.metadata.num_row_groups) if row_groups is None else row_groups)
    if groups:
        yield from reader.iter_batches(
            batch_size=batch_size, row_groups=groups, columns=columns, use_threads=False
        )


def add_columns_in_order(
    source: str | Path,
    columns_file: str | Path,
    destination: str | Path,
    columns: Sequence[str],
    *,
    key: str = "id",
    batch_size: int = 65_536,
    source_columns: Sequence[str] | None = None,
) -> int:
    """Add columns of another file to every row of ``source``, matched by ``key``, streaming.

    Both files must list their rows in the same order, ``source`` possibly skipping
    some rows of ``columns_file`` (a stage that drops posts keeps the order of the
    corpus): the files are read side by side, batch by batch, so memory does not
    grow with the number of rows. Columns of these names already in ``source`` are
    replaced.

    Args:
        source: The Parquet file whose rows are kept.
        columns_file: The Parquet file with ``key`` and ``columns``.
        destination: The Parquet file written (row groups of ``batch_size``).
        columns: The columns to add.
        key: The column matching the rows.
        batch_size: Rows per batch.
        source_columns: Keep only these columns of ``source`` (those present;
            ``key`` always). None: all.

    Returns:
        The number of rows written.

    Raises:
        InputError: A row of ``source`` has no row of the same key further on in
            ``columns_file`` (the files are not in the same order).
    """
    right_reader = open_parquet(columns_file)
    right_schema = right_reader.schema_arrow
    right = right_reader.iter_batches(batch_size=batch_size, columns=[key, *columns])
    left_reader = open_parquet(source)
    kept = [
        n
        for n in left_reader.schema_arrow.names
        if n not in columns and (source_columns is None or n in source_columns or n == key)
    ]
    schema = pa.schema(
        [left_reader.schema_arrow.field(n) for n in kept] + [right_schema.field(n) for n in columns]
    ).with_metadata(left_reader.schema_arrow.metadata)
    fields = [right_schema.field(n) for n in (key, *columns)]
    buffer = pa.Table.from_batches([], schema=pa.schema(fields))
    written = 0
    with replaced_atomically(destination) as temp, pq.ParquetWriter(temp, schema) as writer:
        for batch in left_reader.iter_batches(batch_size=batch_size, columns=kept):
            ids = batch.column(key)
            while True:
                index = pc.index_in(ids, value_set=buffer.column(key))
                if index.null_count == 0:
                    break
                more = next(right, None)
                if more is None:
                    missing = pc.filter(ids, pc.is_null(index))[0].as_py()
                    raise InputError(
                        f"row {missing!r} has no match in order in {columns_file}",
                        path=str(source),
                        field=key,
                    )
                buffer = pa.concat_tables([buffer, pa.Table.from_batches([more])])
            taken = buffer.take(index)
            arrays = [batch.column(n) for n in kept]
            arrays += [taken.column(n).combine_chunks() for n in columns]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            written += batch.num_rows
            last = pc.max(index).as_py()
            buffer = buffer.slice(last + 1) if last is not None else buffer
    return written


@contextmanager
def replaced_atomically(destination: str | Path) -> Iterator[Path]:
    """Write to a temporary file beside ``destination``, moved into place on success.

    So a stage may write over its own input, and a failed run leaves no half file
    (see :func:`crowdpulse.io.atomic.atomic_path`: fsynced, renamed, stale
    temporaries of killed runs cleaned).

    Args:
        destination: The file to (re)place.

    Yields:
        The temporary path to write to.
    """
    with atomic_path(destination) as temp:
        yield temp


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
    """Write a table as a zstd-compressed Parquet file, atomically, creating folders.

    Args:
        table: The table.
        path: The file.

    Returns:
        The path written.
    """
    path = Path(path)
    with atomic_path(path) as temp:
        pq.write_table(table, temp, compression="zstd")
    return path


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else repr(value)
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return iso_utc(value)
    return value


def write_csv(table: pa.Table, path: str | Path) -> Path:
    """Write a result table as CSV for people and spreadsheets.

    Written atomically. Nulls and NaN are empty cells, floats keep every digit
    (``repr``), lists are joined by spaces, times are ISO 8601 in UTC with a ``Z``.

    Args:
        table: The table.
        path: The file; folders are created.

    Returns:
        The path written.
    """
    path = Path(path)
    columns = table.column_names
    data = [table.column(c).to_pylist() for c in columns]
    with atomic_open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in zip(*data, strict=True):
            writer.writerow([_csv_cell(v) for v in row])
    return path
