"""Parse blocks of JSON lines into Arrow with an explicit schema, isolating bad lines.

The fast path hands a whole block to ``pyarrow.json`` (C++, multi-threaded), but only
when every line of the block starts with ``{``: the Arrow JSON reader crashes the
process (a segmentation fault, pyarrow 17-21) on a block whose first value is a lone
scalar such as ``null``, so no piece that could start with one is ever given to it.
When the block does not qualify, does not parse, or does not give one row a line,
every line is first checked on its own with ``orjson``: a line that is not UTF-8, not
valid JSON, not a JSON object or longer than :data:`MAX_LINE_BYTES` is rejected with
the reason; the remaining lines, all single JSON objects, are bisected with the Arrow
parser until each line that does not fit the schema (a field of an unexpected type)
stands alone, and every good line is kept. Nesting depth needs no bound here: the
Arrow parser is not recursive (a line nested 1,000,000 levels deep parses) and skips
fields outside the schema, so an object deeper than orjson's 1,024 levels is handed to
it like any other object, and a line is read the same in a clean block and beside a
bad line.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.json as pj

from crowdpulse.io.records import Rejected, excerpt
from crowdpulse.io.source import Block

__all__ = ["MAX_LINE_BYTES", "ParsedBlock", "parse_block"]

#: Longest JSON line read, in bytes; a longer line is quarantined. Set
#: ``crowdpulse.io.arrowjson.MAX_LINE_BYTES`` to change it (a post is a few kB).
MAX_LINE_BYTES = 16 << 20

_BOM = b"\xef\xbb\xbf"
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


def _line_problem(line: bytes) -> str | None:
    """Why a line cannot be handed to the Arrow parser, or None when it is one JSON object."""
    if len(line) > MAX_LINE_BYTES:
        return f"line longer than the limit of {MAX_LINE_BYTES:,} bytes ({len(line):,})"
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"invalid UTF-8 (byte {exc.start + 1} of the line)"
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        message = str(exc)
        if "depth" in message.lower() or "recursion" in message.lower():
            if line.lstrip()[:1] == b"{":
                return None  # an object: Arrow reads any depth, as on the fast path
            return "nested deeper than 1,024 levels"
        return f"not valid JSON ({message})"
    if not isinstance(value, dict):
        return f"a JSON {_json_kind(value)}, not an object"
    return None


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array"


def _check_lines(
    lines: list[bytes], numbers: list[int], path: str
) -> tuple[list[bytes], list[int], list[Rejected]]:
    """Keep only the lines that are one JSON object each; reject the others."""
    good, good_numbers, rejected = [], [], []
    for line, number in zip(lines, numbers, strict=True):
        problem = _line_problem(line)
        if problem is not None:
            rejected.append(Rejected(path, number, problem, None, excerpt(line)))
        else:
            good.append(line)
            good_numbers.append(number)
    return good, good_numbers, rejected


def _objects_only(data: bytes, lines: int) -> bool:
    """Whether each of the ``lines`` lines of ``data`` starts with ``{`` (cheap, no parse)."""
    return data[:1] == b"{" and data.count(b"\n{") + 1 >= lines


def _short_lines(data: bytes) -> bool:
    """Whether no line is longer than :data:`MAX_LINE_BYTES`."""
    if len(data) <= MAX_LINE_BYTES:
        return True
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    bounds = np.concatenate(([-1], ends, [len(data)]))
    return bool(np.diff(bounds).max() - 1 <= MAX_LINE_BYTES)


def parse_block(block: Block, schema: pa.Schema, path: str) -> ParsedBlock:
    """Parse a block of JSON lines with ``schema``; reject lines that do not fit.

    Args:
        block: Whole lines of a file.
        schema: The explicit Arrow schema; fields not in it are ignored.
        path: The file name, for the rejects.

    Returns:
        The table (rows in line order), each row's line number, and the rejects.
    """
    if block.first_line == 1 and block.data.startswith(_BOM):
        block = replace(block, data=block.data[len(_BOM) :])  # a UTF-8 byte-order mark
    data = block.data
    end = len(data) - 1 if data.endswith(b"\n") else len(data)
    simple = end > 0 and not data[:1].isspace() and _BLANK_LINE.search(data, 0, end) is None
    simple = simple and _objects_only(data, block.lines)
    if simple and MAX_LINE_BYTES < _PARALLEL_BLOCK:
        simple = _short_lines(data)
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
    lines, numbers, rejected = _check_lines(lines, numbers, path)
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
