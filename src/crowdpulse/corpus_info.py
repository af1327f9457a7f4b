"""A summary of a corpus: size, platforms, time span, languages, hashtags, posts per day.

The summary is mergeable: :class:`CorpusSummary` takes the corpus batch by batch (or
partial summaries of parts of it) and keeps only exact running totals (counts, the
time range) and the full counts of the distinct values the lists rank (days,
languages, hashtags, mentions, platforms, formats) and the distinct authors, so its
memory grows with those distinct values, never with the posts.
:func:`describe_file` reads a Parquet corpus that way; :func:`describe` summarises
one table through the same code.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "DESCRIBE_COLUMNS",
    "CorpusSummary",
    "DistinctValues",
    "ValueCounts",
    "describe",
    "describe_file",
]

DESCRIBE_COLUMNS: tuple[str, ...] = (
    "created_at",
    "platform",
    "author_id",
    "retweeted_id",
    "reply_to_id",
    "quoted_id",
    "lang",
    "hashtags",
    "mention_handles",
    "source_format",
)
"""The corpus columns :func:`describe` reads (``platform`` when present)."""

_COMPACT_ROWS = 1 << 18


class ValueCounts:
    """Exact counts of distinct values, fed chunk by chunk (an Arrow table, compacted).

    Merging is a sum per value, so any split of the input and any order of
    :meth:`add` / :meth:`merge` gives the same counts.
    """

    def __init__(self, value_type: pa.DataType | None = None) -> None:
        """Start empty.

        Args:
            value_type: The values' type (taken from the first chunk when None).
        """
        self._type = value_type
        self._parts: list[pa.Table] = []
        self._pending = 0

    def add(self, values: pa.Array | pa.ChunkedArray) -> None:
        """Count the non-null values of an array."""
        values = pc.drop_null(values)
        if len(values) == 0:
            return
        counts = pc.value_counts(values)
        self._append(pa.table({"values": counts.field("values"), "counts": counts.field("counts")}))

    def merge(self, other: ValueCounts) -> None:
        """Add another counter's counts to this one."""
        for part in other._parts:
            self._append(part)

    def _append(self, part: pa.Table) -> None:
        if self._type is None:
            self._type = part.schema.field("values").type
        self._parts.append(part)
        self._pending += part.num_rows
        if self._pending > _COMPACT_ROWS and len(self._parts) > 1:
            self._parts = [self._totals()]
            self._pending = self._parts[0].num_rows

    def _totals(self) -> pa.Table:
        if not self._parts:
            return pa.table(
                {
                    "values": pa.array([], self._type or pa.string()),
                    "counts": pa.array([], pa.int64()),
                }
            )
        if len(self._parts) == 1:
            return self._parts[0]
        grouped = pa.concat_tables(self._parts).group_by("values").aggregate([("counts", "sum")])
        return pa.table({"values": grouped["values"], "counts": grouped["counts_sum"]})

    def __len__(self) -> int:
        """The number of distinct values counted."""
        totals = self._totals()
        self._parts = [totals] if totals.num_rows else []
        self._pending = totals.num_rows
        return totals.num_rows

    def top(self, k: int) -> list[list[Any]]:
        """The ``k`` most frequent values as ``[value, count]``, ties by ``str(value)``."""
        totals = self._totals()
        self._parts = [totals] if totals.num_rows else []
        self._pending = totals.num_rows
        if totals.num_rows == 0 or k <= 0:
            return []
        counts = totals.column("counts")
        if totals.num_rows > k:
            # only the values that can rank: count at least the k-th largest count
            numbers = np.asarray(counts.to_numpy(zero_copy_only=False))
            floor = int(-np.partition(-numbers, k - 1)[k - 1])
            totals = totals.filter(pc.greater_equal(counts, floor))
        pairs = zip(
            totals.column("values").to_pylist(), totals.column("counts").to_pylist(), strict=True
        )
        ranked = sorted(pairs, key=lambda vc: (-vc[1], str(vc[0])))
        return [[v, c] for v, c in ranked[:k]]


class DistinctValues:
    """The distinct non-null values of a column, fed chunk by chunk (Arrow, compacted)."""

    def __init__(self) -> None:
        """Start empty."""
        self._parts: list[pa.Array] = []
        self._pending = 0

    def add(self, values: pa.Array | pa.ChunkedArray) -> None:
        """Add the distinct non-null values of an array."""
        values = pc.drop_null(values)
        if len(values) == 0:
            return
        unique = pc.unique(values)
        if isinstance(unique, pa.ChunkedArray):
            unique = unique.combine_chunks()
        self._append(unique)

    def merge(self, other: DistinctValues) -> None:
        """Add another set's values to this one."""
        for part in other._parts:
            self._append(part)

    def _append(self, part: pa.Array) -> None:
        self._parts.append(part)
        self._pending += len(part)
        if self._pending > _COMPACT_ROWS and len(self._parts) > 1:
            self._compact()

    def _compact(self) -> None:
        if len(self._parts) > 1:
            merged = pc.unique(pa.chunked_array(self._parts))
            if isinstance(merged, pa.ChunkedArray):
                merged = merged.combine_chunks()
            self._parts = [merged]
        self._pending = sum(len(p) for p in self._parts)

    def __len__(self) -> int:
        """The number of distinct values."""
        self._compact()
        return self._pending


def _column(batch: pa.Table | pa.RecordBatch, name: str) -> pa.Array | pa.ChunkedArray:
    return batch.column(name)


def _valid(values: pa.Array | pa.ChunkedArray) -> int:
    return len(values) - values.null_count


class CorpusSummary:
    """:func:`describe` computed batch by batch (or merged from partial summaries).

    Example:
        >>> summary = CorpusSummary()
        >>> for batch in batches:  # doctest: +SKIP
        ...     summary.add(batch)
        >>> summary.result(top=10)  # doctest: +SKIP
    """

    def __init__(self) -> None:
        """Start empty."""
        self.posts = 0
        self.without_time = 0
        self.retweets = 0
        self.replies = 0
        self.quotes = 0
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.authors = DistinctValues()
        self.platforms = ValueCounts(pa.string())
        self.days = ValueCounts(pa.string())
        self.languages = ValueCounts()
        self.hashtags = ValueCounts()
        self.mentions = ValueCounts()
        self.formats = ValueCounts()

    def add(self, batch: pa.Table | pa.RecordBatch) -> None:
        """Add a batch of posts (the :data:`DESCRIBE_COLUMNS`; ``platform`` optional)."""
        created = _column(batch, "created_at")
        self.posts += batch.num_rows
        self.without_time += created.null_count
        if _valid(created):
            low, high = pc.min(created).as_py(), pc.max(created).as_py()
            self.first = low if self.first is None else min(self.first, low)
            self.last = high if self.last is None else max(self.last, high)
            self.days.add(pc.strftime(pc.drop_null(created), format="%Y-%m-%d"))
        self.retweets += _valid(_column(batch, "retweeted_id"))
        self.replies += _valid(_column(batch, "reply_to_id"))
        self.quotes += _valid(_column(batch, "quoted_id"))
        self.authors.add(_column(batch, "author_id"))
        names = batch.schema.names
        if "platform" in names:
            self.platforms.add(_column(batch, "platform"))
        self.languages.add(_column(batch, "lang"))
        self.hashtags.add(pc.list_flatten(_column(batch, "hashtags")))
        self.mentions.add(pc.list_flatten(_column(batch, "mention_handles")))
        self.formats.add(_column(batch, "source_format"))

    def merge(self, other: CorpusSummary) -> None:
        """Add a partial summary (of other posts) to this one."""
        self.posts += other.posts
        self.without_time += other.without_time
        self.retweets += other.retweets
        self.replies += other.replies
        self.quotes += other.quotes
        if other.first is not None:
            self.first = other.first if self.first is None else min(self.first, other.first)
        if other.last is not None:
            self.last = other.last if self.last is None else max(self.last, other.last)
        self.authors.merge(other.authors)
        for name in ("platforms", "days", "languages", "hashtags", "mentions", "formats"):
            getattr(self, name).merge(getattr(other, name))

    def result(self, *, top: int = 10) -> dict[str, Any]:
        """The summary (see :func:`describe`)."""
        return {
            "posts": self.posts,
            "authors": len(self.authors),
            "platforms": self.platforms.top(len(self.platforms)),
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "without_time": self.without_time,
            "retweets": self.retweets,
            "replies": self.replies,
            "quotes": self.quotes,
            "languages": self.languages.top(top),
            "hashtags": self.hashtags.top(top),
            "mentions": self.mentions.top(top),
            "posts_per_day": sorted(self.days.top(100_000), key=lambda dc: dc[0]),
            "formats": self.formats.top(top),
        }


def describe(table: pa.Table, *, top: int = 10) -> dict[str, Any]:
    """Summarise a corpus table.

    Args:
        table: A corpus (post schema).
        top: How many hashtags, mentions and languages to list.

    Returns:
        A JSON-ready dict with keys ``posts``, ``authors``, ``platforms`` (every
        platform with its post count, ``[platform, count]`` pairs, most posts first),
        ``first``, ``last``, ``retweets``, ``replies``, ``quotes``, ``languages``,
        ``hashtags``, ``mentions``, ``posts_per_day`` (``[day, count]`` pairs) and
        ``formats``.
    """
    summary = CorpusSummary()
    summary.add(table)
    return summary.result(top=top)


def describe_file(path: str | Path, *, top: int = 10, batch_size: int = 65_536) -> dict[str, Any]:
    """:func:`describe` of a Parquet corpus, read batch by batch (bounded memory).

    Only the :data:`DESCRIBE_COLUMNS` are read (never the texts).

    Args:
        path: The corpus file.
        top: How many hashtags, mentions and languages to list.
        batch_size: Posts per batch.

    Returns:
        The same dict as :func:`describe` of the whole table.

    Raises:
        InputError: The file is missing, not Parquet, or not a corpus.
    """
    from crowdpulse.exceptions import InputError
    from crowdpulse.io.corpus import iter_row_groups, open_parquet
    from crowdpulse.schema import validate_table

    schema = open_parquet(path).schema_arrow
    try:
        validate_table(schema.empty_table())
    except InputError as exc:
        raise InputError(exc.reason, path=str(path), field=exc.field) from None
    columns = [c for c in DESCRIBE_COLUMNS if c in schema.names]
    summary = CorpusSummary()
    for batch in iter_row_groups(path, columns=columns, batch_size=batch_size):
        summary.add(batch)
    result = summary.result(top=top)
    if "platform" not in schema.names:
        # an older corpus: validate_table gives every post the platform twitter
        result["platforms"] = [["twitter", summary.posts]] if summary.posts else []
    return result
