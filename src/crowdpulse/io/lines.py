"""Reading JSON lines as they arrive, in any line format of the reader registry.

``crowdpulse watch`` gets its posts one chunk of lines at a time (a growing file,
standard input). :class:`LineReader` tells the format from the first record that a
reader of :mod:`crowdpulse.io.registry` claims (platform readers first, then
Twitter's shapes, the order :func:`crowdpulse.io.sniff.sniff` asks them) and reads
every chunk with that format's reader, so a stream is read exactly as
``crowdpulse ingest`` reads the same lines from a file.

Formats whose records are one record a line: every registered format except
``csv`` and the document formats (a Telegram export, an AppView response), which
are one JSON document and cannot arrive line by line.
"""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa

from crowdpulse.exceptions import InputError
from crowdpulse.io.records import ReadBatch
from crowdpulse.io.registry import TWITTER_FORMATS, claim_record, get_format
from crowdpulse.io.sniff import classify_record
from crowdpulse.io.source import Block

__all__ = ["LineReader", "line_format", "merge_batches"]

#: Formats that are not one record a line.
_NOT_LINES = frozenset({"csv", "telegram"})


def line_format(record: Any) -> str | None:
    """The registered format that claims one parsed JSON line (None: cannot tell).

    Args:
        record: One parsed JSON value.

    Returns:
        A format name (``"bluesky-jetstream"``, ``"mastodon"``, ``"v1"``, ...), or
        None for a streaming notice, an unknown shape or anything that is not posts.
    """
    claimed = claim_record(record)
    if claimed is not None:
        return claimed
    kind = classify_record(record)
    return kind if kind in TWITTER_FORMATS and kind not in _NOT_LINES else None


def merge_batches(batches: list[ReadBatch]) -> ReadBatch:
    """One :class:`ReadBatch` holding the posts, rejects and notices of several."""
    if len(batches) == 1:
        return batches[0]
    out = ReadBatch()
    parts = [b.posts for b in batches if b.posts.num_rows]
    if parts:
        out.posts = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
    for batch in batches:
        out.rejected += batch.rejected
        out.notices.update(batch.notices)
    return out


class LineReader:
    """Read runs of JSON lines with the reader of their format.

    Args:
        name: The source's name (``source_file`` of the posts, ``file`` of rejects).
        fmt: The format (default: told from the first record a reader claims).

    Attributes:
        format: The format, once known.

    Raises:
        InputError: ``fmt`` is not a registered format, or not one record a line.
    """

    def __init__(self, name: str, fmt: str | None = None) -> None:
        if fmt is not None:
            get_format(fmt)  # unknown names fail here, with the known ones listed
            if fmt in _NOT_LINES:
                raise InputError(
                    f"format {fmt!r} is not one record a line: ingest it with crowdpulse ingest"
                )
        self.name = name
        self.format: str | None = fmt
        self._reader: Any = None

    def _sniff(self, lines: list[bytes]) -> None:
        for line in lines:
            try:
                found = line_format(orjson.loads(line))
            except orjson.JSONDecodeError:
                continue
            if found is not None:
                self.format = found
                return

    def read(self, lines: list[bytes], numbers: list[int]) -> ReadBatch:
        """Read non-blank lines (without newlines) and their 1-based line numbers.

        Until a record tells the format, lines are read by the v1.1 reader, which
        counts streaming notices and rejects what it cannot use.

        Returns:
            Posts, rejects and notices of exactly these lines.
        """
        if not lines:
            return ReadBatch()
        if self.format is None:
            self._sniff(lines)
        fmt = self.format or "v1"
        block = Block(b"\n".join(lines) + b"\n", numbers[0], False, tuple(numbers))
        if fmt == "v1":
            from crowdpulse.io.v1 import read_v1_blocks

            return merge_batches(list(read_v1_blocks(iter([block]), self.name)))
        if self._reader is None:
            if fmt in TWITTER_FORMATS:
                from crowdpulse.io.v2 import V2Reader

                self._reader = V2Reader(self.name, flat=fmt == "twarc2-flat")
            else:
                self._reader = get_format(fmt).load()(self.name)
        return merge_batches(list(self._reader.read_blocks(iter([block]))))
