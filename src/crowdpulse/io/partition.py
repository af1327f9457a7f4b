"""Split the inputs of an ingest into partitions: whole files, or byte ranges of lines.

``crowdpulse ingest --workers N`` reads partitions as tasks (see
:func:`crowdpulse.io.ingest.ingest`). A partition is a whole input, or, for an
uncompressed file of JSON lines whose lines are read independently of each other,
a byte range of it:

- the cuts are placed every ``split_bytes`` bytes, each moved forward to the start
  of the next line, so a range owns exactly the lines that **start** inside it
  (a line longer than ``split_bytes`` makes its range longer, never empty);
- a task numbers its lines from 1; the client adds the newlines of the ranges
  before it (which each task counts), so line numbers in the corpus and the
  quarantine are the file's own;
- compressed files (gzip, bzip2, Zstandard streams cannot be entered in the
  middle), JSON arrays and JSON documents, CSV files (a record may span lines) and
  formats whose records refer to earlier lines (Reddit: the parent's author) are
  one partition each, as are formats added by other packages.

The split depends only on the files and ``split_bytes``, never on the number of
workers, and the partitions are merged in order, so results do not depend on the
cluster.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Sequence
from typing import BinaryIO, cast

from crowdpulse.io.source import Block, compression_of, iter_blocks

__all__ = [
    "DEFAULT_SPLIT_BYTES",
    "SPLITTABLE_FORMATS",
    "RangeReader",
    "line_starts",
    "plan_partitions",
]

#: Default size of a byte range when a cluster reads the inputs.
DEFAULT_SPLIT_BYTES = 64 << 20

#: Line formats whose lines are read independently (a byte range reads the same).
SPLITTABLE_FORMATS = frozenset(
    {"v1", "v2", "twarc2-flat", "bluesky-jetstream", "bluesky-appview", "mastodon"}
)

#: A partition: (input number, first byte, end byte); end -1 is the whole file.
Part = tuple[int, int, int]


class RangeReader:
    """Read the bytes ``[start, end)`` of a file, counting their newlines.

    Args:
        path: The (uncompressed) file.
        start: The first byte (a line start).
        end: The byte after the last (a line start or the file's size).
    """

    def __init__(self, path: str, start: int, end: int) -> None:
        self._handle = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._handle.seek(start)
        self._left = end - start
        self.newlines = 0

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the range (all that is left for -1)."""
        size = self._left if size < 0 else min(size, self._left)
        data = self._handle.read(size) if size > 0 else b""
        self._left -= len(data)
        self.newlines += data.count(b"\n")
        return data

    def close(self) -> None:
        """Close the file."""
        self._handle.close()

    def blocks(self, path: str) -> Iterator[Block]:
        """The range as line-aligned blocks, lines numbered from 1."""
        return iter_blocks(cast(BinaryIO, self), path=path)


def line_starts(path: str, split_bytes: int) -> list[int]:
    """Cut points of a file: every ``split_bytes`` bytes, moved to the next line start.

    Args:
        path: An uncompressed file.
        split_bytes: The target range size.

    Returns:
        Increasing offsets, starting with 0 and ending with the file's size.
    """
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as handle:
        nominal = split_bytes
        while nominal < size:
            handle.seek(nominal - 1)
            handle.readline()  # up to and including the newline at or after nominal - 1
            at = handle.tell()
            if at >= size:
                break
            if at > cuts[-1]:
                cuts.append(at)
            nominal = max(nominal + split_bytes, at + 1)
    cuts.append(size)
    return cuts


def splittable(path: str, fmt: str, *, array: bool, document: bool) -> bool:
    """Whether an input can be read in byte ranges (see the module docstring)."""
    if array or document or fmt not in SPLITTABLE_FORMATS:
        return False
    return compression_of(path) is None


def plan_partitions(
    inputs: Sequence[tuple[str, str, bool, bool]], split_bytes: int | None
) -> list[Part]:
    """The partitions of an ingest, in input order.

    Args:
        inputs: ``(path, format, array, document)`` of each planned input.
        split_bytes: Byte-range size for splittable files (None: whole files only).

    Returns:
        ``(input number, start, end)`` triples; ``end == -1`` reads the whole file.
    """
    parts: list[Part] = []
    for number, (path, fmt, array, document) in enumerate(inputs):
        if split_bytes is None or not splittable(path, fmt, array=array, document=document):
            parts.append((number, 0, -1))
            continue
        cuts = line_starts(path, max(1, split_bytes))
        if len(cuts) <= 2:
            parts.append((number, 0, -1))
            continue
        parts.extend((number, a, b) for a, b in itertools.pairwise(cuts))
    return parts
