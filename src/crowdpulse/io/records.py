"""What a reader yields: kept posts, rejected records and streaming notices, per batch."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from crowdpulse.schema import POST_SCHEMA

__all__ = ["EXCERPT_CHARS", "ReadBatch", "Rejected", "excerpt"]

EXCERPT_CHARS = 300


def excerpt(raw: bytes | str) -> str:
    """Return the start of a raw record for the quarantine file, bad bytes replaced."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = text.rstrip("\r\n")
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


@dataclass(frozen=True)
class Rejected:
    """A record that could not be read, destined for the quarantine file.

    Attributes:
        file: The input file.
        line: Its 1-based line (for a JSON array, the line where the element starts).
        reason: What is wrong, in words.
        field: The dotted field concerned, if one is.
        raw: The start of the raw record.
    """

    file: str
    line: int
    reason: str
    field: str | None = None
    raw: str = ""

    def as_dict(self) -> dict[str, object]:
        """The quarantine file's JSON object for this record."""
        return {
            "file": self.file,
            "line": self.line,
            "reason": self.reason,
            "field": self.field,
            "raw": self.raw,
        }


@dataclass
class ReadBatch:
    """One batch from a reader.

    Every record a reader reads ends in exactly one of the three parts, so that
    ``records == posts.num_rows + len(rejected) + sum(notices.values())``.

    Attributes:
        posts: Normalised posts, :data:`~crowdpulse.schema.POST_SCHEMA`.
        rejected: Malformed or unknown records.
        notices: Streaming notices (delete, limit, ...) by kind: not posts, not errors.
    """

    posts: pa.Table = field(default_factory=POST_SCHEMA.empty_table)
    rejected: list[Rejected] = field(default_factory=list)
    notices: Counter[str] = field(default_factory=Counter)

    @property
    def records(self) -> int:
        """How many records the batch accounts for."""
        return self.posts.num_rows + len(self.rejected) + sum(self.notices.values())
