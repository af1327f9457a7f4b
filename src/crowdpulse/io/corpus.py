"""Reading a corpus (Parquet of the post schema plus any columns later stages added)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from crowdpulse.exceptions import InputError
from crowdpulse.schema import validate_table

__all__ = ["read_corpus", "write_table"]


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
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", path=str(path))
    try:
        table = pq.read_table(path, columns=columns)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a Parquet corpus: {exc}", path=str(path)) from None
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
