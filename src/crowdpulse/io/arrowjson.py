"""Parse blocks of JSON lines into Arrow with an explicit schema, isolating bad lines.

The fast path hands a whole block to ``pyarrow.json`` (C++, multi-threaded). When the
block does not parse, or does not give one row a line, the block is bisected until
each bad line stands alone; those lines are rejected with the parser's message and
every good line is kept. UTF-8 is checked first, since the Arrow parser does not.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pyarrow as pa
import pyarrow.json as pj

from crowdpulse.io.records import Rejected, excerpt
from crowdpulse.io.source import Block

__all__ = ["ParsedBlock", "parse_block"]

_BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")
_ROW_SUFFIX = re.compile(r"\s*in row \d+$")
_COLUMN = re.compile(r"Column\((/[^)]*)\)")


class ParsedBlock:
    """A block parsed into a table, with the 1-based line number of every row."""

    def __init__(self, table: pa.Table, lines: np.ndarray, rejected: list[Rejected]) -> None:
        self.table = table
        self.lines = lines
        self.rejected = rejected


def _options(schema: pa.Schema) -> pj.ParseOptions:
    return pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")


_PARALLEL_BLOCK = 2 << 20


def _read(data: bytes, schema: pa.Schema, *, parallel: bool = False) -> pa.Table:
    """Parse JSON lines with ``schema``.

    With ``parallel`` the data is split into 2 MB blocks parsed on all cores; a line
    longer than a block then fails, and the caller retries line by line.
    """
    block_size = _PARALLEL_BLOCK if parallel else len(data) + 1
    return pj.read_json(
        io.BytesIO(data),
        read_options=pj.ReadOptions(use_threads=True, block_size=max(block_size, 1 << 16)),
        parse_options=_options(schema),
    )


def _validate_utf8(data: bytes) -> None:
    """Raise ``ArrowInvalid`` unless ``data`` is valid UTF-8 (checked in C++, no copy to str)."""
    pa.array([data], pa.binary()).cast(pa.string())


def _describe(exc: Exception) -> tuple[str, str | None]:
    message = _ROW_SUFFIX.sub("", str(exc)).replace("JSON parse error: ", "")
    found = _COLUMN.search(message)
    field = found.group(1).strip("/").replace("/", ".") if found and found.group(1) != "/" else None
    if "changed from" in message or "Failed to convert" in message:
        message = f"unexpected type: {message}"
    else:
        message = f"not valid JSON ({message.rstrip('.')})"
    return message, field or None


def _split_lines(block: Block) -> tuple[list[bytes], list[int]]:
    lines, numbers = [], []
    for offset, line in enumerate(block.data.split(b"\n")):
        if line.strip():
            lines.append(line)
            numbers.append(block.line_of(offset))
    return lines, numbers


def _bisect(
    lines: list[bytes], numbers: list[int], schema: pa.Schema, path: str
) -> tuple[list[pa.Table], list[int], list[Rejected]]:
    tables: list[pa.Table] = []
    kept: list[int] = []
    rejected: list[Rejected] = []
    stack = [(0, len(lines))]
    while stack:
        lo, hi = stack.pop()
        try:
            table = _read(b"\n".join(lines[lo:hi]) + b"\n", schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            if hi - lo == 1:
                reason, field = _describe(exc)
                rejected.append(Rejected(path, numbers[lo], reason, field, excerpt(lines[lo])))
                continue
            error: Exception | None = exc
        else:
            if table.num_rows == hi - lo:
                tables.append(table)
                kept.extend(numbers[lo:hi])
                continue
            if hi - lo == 1:
                reason = f"more than one JSON value on the line ({table.num_rows})"
                rejected.append(Rejected(path, numbers[lo], reason, None, excerpt(lines[lo])))
                continue
            error = None
        del error
        mid = (lo + hi) // 2
        stack.append((mid, hi))
        stack.append((lo, mid))
    return tables, kept, rejected


def _check_utf8(
    lines: list[bytes], numbers: list[int], path: str
) -> tuple[list[bytes], list[int], list[Rejected]]:
    good, good_numbers, rejected = [], [], []
    for line, number in zip(lines, numbers, strict=True):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            reason = f"invalid UTF-8 (byte {exc.start + 1} of the line)"
            rejected.append(Rejected(path, number, reason, None, excerpt(line)))
        else:
            good.append(line)
            good_numbers.append(number)
    return good, good_numbers, rejected


def parse_block(block: Block, schema: pa.Schema, path: str) -> ParsedBlock:
    """Parse a block of JSON lines with ``schema``; reject lines that do not fit.

    Args:
        block: Whole lines of a file.
        schema: The explicit Arrow schema; fields not in it are ignored.
        path: The file name, for the rejects.

    Returns:
        The table (rows in line order), each row's line number, and the rejects.
    """
    data = block.data
    end = len(data) - 1 if data.endswith(b"\n") else len(data)
    simple = end > 0 and not data[:1].isspace() and _BLANK_LINE.search(data, 0, end) is None
    if simple:
        try:
            _validate_utf8(data)
            table = _read(data, schema, parallel=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
        else:
            expected = block.lines
            if table.num_rows == expected:
                if block.line_numbers is not None:
                    row_lines = np.asarray(block.line_numbers, dtype=np.int64)
                else:
                    row_lines = np.arange(
                        block.first_line, block.first_line + expected, dtype=np.int64
                    )
                return ParsedBlock(table, row_lines, [])
    lines, numbers = _split_lines(block)
    lines, numbers, rejected = _check_utf8(lines, numbers, path)
    if not lines:
        return ParsedBlock(schema.empty_table(), np.empty(0, dtype=np.int64), rejected)
    tables, kept, more = _bisect(lines, numbers, schema, path)
    rejected.extend(more)
    rejected.sort(key=lambda r: r.line)
    if not tables:
        return ParsedBlock(schema.empty_table(), np.empty(0, dtype=np.int64), rejected)
    table = pa.concat_tables([t.select(schema.names).cast(schema) for t in tables])
    order = np.argsort(np.asarray(kept, dtype=np.int64), kind="stable")
    return ParsedBlock(table.take(order), np.asarray(kept, dtype=np.int64)[order], rejected)
