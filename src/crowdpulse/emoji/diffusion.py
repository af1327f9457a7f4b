"""Temporal diffusion of emojis (Figures 5-8 of "I Stand With You").

Posts are put in time buckets (``1D`` in the paper: calendar days in UTC), and
each emoji's occurrences (repeats counted) are summed per bucket. A (bucket,
emoji) cell is kept only when its count reaches ``min_count`` (the paper left
out emojis occurring fewer than 50 times a day for Irma and 25 for Paris): an
emoji may show on some days and not on others.

The rows of the figure (its y axis) are the emojis that survive in at least one
bucket, ordered by their Emoji Sentiment Ranking score, most negative at the
bottom and most positive at the top (ties by code point). Emojis without a
score are either put in a separate band below the scored ones, ordered by code
point (``unscored="band"``, the default), or left out (``unscored="drop"``).

Buckets: a number and a unit, like pandas offsets: ``D`` (days), ``h``
(hours), ``min``, ``s``; e.g. ``1D``, ``6h``, ``30min``. Buckets are aligned on
the Unix epoch in UTC (so ``1D`` buckets start at midnight UTC). Posts without a
``created_at`` are counted in :attr:`Diffusion.undated_posts` and left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from crowdpulse.emoji.lookup import (
    NameSource,
    SentimentSource,
    resolve_name_of,
    resolve_sentiment_of,
)
from crowdpulse.emoji.matrix import EmojiMatrix
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.network.buckets import from_micros, to_micros

__all__ = [
    "MAX_BUCKETS",
    "Diffusion",
    "DiffusionRow",
    "Unscored",
    "bucket_cells",
    "bucket_index",
    "diffusion_from_cells",
    "parse_bucket",
    "temporal_diffusion",
]

Unscored = Literal["band", "drop"]

_UNITS = {
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "min": timedelta(minutes=1),
    "t": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
_BUCKET = re.compile(r"^\s*(\d*)\s*([A-Za-z]+)\s*$")
MAX_BUCKETS = 5000
"""Most buckets on a diffusion axis (a 1-minute bucket over three days is 4,320)."""


def parse_bucket(text: str) -> timedelta:
    """Read a bucket size such as ``1D``, ``6h``, ``30min``.

    Args:
        text: A whole number (default 1) and a unit: ``D``, ``h``, ``min`` (or
            ``T``), ``s``; case-insensitive.

    Returns:
        The bucket length.

    Raises:
        ConfigError: Not a bucket size (names the field ``emojis.bucket``).
    """
    match = _BUCKET.match(text or "")
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise ConfigError(
            f"{text!r} is not a bucket size such as 1D, 6h or 30min", field="emojis.bucket"
        )
    number = int(match.group(1) or 1)
    if number < 1:
        raise ConfigError("the bucket size must be positive", field="emojis.bucket")
    return number * unit


def bucket_index(
    created_at: pa.Array | pa.ChunkedArray, width: timedelta
) -> tuple[np.ndarray, np.ndarray]:
    """Bucket number of each post since the epoch.

    Args:
        created_at: Timestamps (any unit; naive ones are taken as UTC).
        width: The bucket length.

    Returns:
        ``(index, dated)``: int64 bucket numbers (0 where undated) and a boolean mask
        of the posts that have a time.

    Raises:
        InputError: The column is not a timestamp.
    """
    if not pa.types.is_timestamp(created_at.type):
        raise InputError(f"expected a timestamp column, got {created_at.type}", field="created_at")
    micros = pc.cast(created_at, pa.timestamp("us", tz=created_at.type.tz), safe=False)
    micros = micros.cast(pa.int64())
    if isinstance(micros, pa.ChunkedArray):
        micros = micros.combine_chunks()
    dated = micros.is_valid().to_numpy(zero_copy_only=False)
    values = micros.fill_null(0).to_numpy(zero_copy_only=False)
    step = width // timedelta(microseconds=1)
    return np.floor_divide(values, step).astype(np.int64), dated


@dataclass(frozen=True)
class DiffusionRow:
    """One (bucket, emoji) cell of the diffusion table.

    Attributes:
        bucket: Start of the bucket (UTC).
        emoji: The emoji.
        count: Its occurrences in the bucket's posts (at least ``min_count``).
        sentiment: Its score, or None.
        name: Its name.
    """

    bucket: datetime
    emoji: str
    count: int
    sentiment: float | None
    name: str


@dataclass(frozen=True)
class Diffusion:
    """Emoji counts per time bucket, filtered and ordered for Figures 5-8.

    Attributes:
        bucket: The bucket size as given (e.g. ``1D``).
        width: The bucket length.
        min_count: Smallest count kept per (bucket, emoji).
        buckets: Start of every bucket on the x axis, from the first to the last
            bucket (empty ones included).
        order: The emojis of the y axis, bottom to top: the unscored band first
            (by code point), then the scored emojis by increasing sentiment.
        band: The emojis of the unscored band (the first ``len(band)`` of
            :attr:`order`; empty with ``unscored="drop"``).
        unscored: ``"band"`` or ``"drop"``.
        rows: The kept cells, by bucket then y position.
        posts: Posts considered (dated or not).
        undated_posts: Posts without a time, left out.
    """

    bucket: str
    width: timedelta
    min_count: int
    buckets: tuple[datetime, ...]
    order: tuple[str, ...]
    band: tuple[str, ...]
    unscored: Unscored
    rows: tuple[DiffusionRow, ...]
    posts: int
    undated_posts: int

    @property
    def scored(self) -> tuple[str, ...]:
        """The emojis of :attr:`order` that have a sentiment score, bottom to top."""
        return self.order[len(self.band) :]

    def to_arrow(self, *, group: str | None = None) -> pa.Table:
        """Columns ``group``, ``bucket``, ``emoji``, ``count``, ``sentiment``, ``name``.

        Args:
            group: Value of the ``group`` column (``all``, ``inside``, ``outside``).

        Returns:
            One row per kept cell.
        """
        return pa.table(
            {
                "group": [group] * len(self.rows),
                "bucket": [r.bucket for r in self.rows],
                "emoji": [r.emoji for r in self.rows],
                "count": [r.count for r in self.rows],
                "sentiment": [r.sentiment for r in self.rows],
                "name": [r.name for r in self.rows],
            },
            schema=pa.schema(
                [
                    ("group", pa.string()),
                    ("bucket", pa.timestamp("us", tz="UTC")),
                    ("emoji", pa.string()),
                    ("count", pa.int64()),
                    ("sentiment", pa.float64()),
                    ("name", pa.string()),
                ]
            ),
        )


def temporal_diffusion(
    created_at: pa.Array | pa.ChunkedArray,
    emojis: EmojiMatrix,
    *,
    bucket: str = "1D",
    min_count: int = 25,
    unscored: Unscored = "band",
    span: tuple[datetime, datetime] | None = None,
    name_of: NameSource = None,
    sentiment_of: SentimentSource = None,
) -> Diffusion:
    """Count emojis per time bucket and keep the cells reaching ``min_count``.

    Args:
        created_at: The posts' times, one per row of ``emojis``.
        emojis: The posts' emoji matrix.
        bucket: Bucket size (see :func:`parse_bucket`); events give it as
            ``emojis.bucket``.
        min_count: Smallest count kept per (bucket, emoji) (event:
            ``emojis.min_count``; paper: 50 for Irma, 25 for Paris).
        unscored: Emojis without a sentiment score: ``"band"`` or ``"drop"``.
        span: First and last time of the x axis (so that several groups share one
            axis); default: the first and last dated post.
        name_of: Name source.
        sentiment_of: Sentiment source.

    Returns:
        The :class:`Diffusion`.

    Raises:
        ConfigError: Invalid bucket (or more than :data:`MAX_BUCKETS` buckets),
            ``min_count`` below 1 or unknown ``unscored``.
    """
    width = parse_bucket(bucket)
    if len(created_at) != emojis.n_posts:
        raise ValueError("created_at and the emoji matrix have different lengths")
    index, dated = bucket_index(created_at, width)
    step = width // timedelta(microseconds=1)
    if span is not None:
        first = _floor(span[0], step)
        last = _floor(span[1], step)
    elif dated.any():
        first, last = int(index[dated].min()), int(index[dated].max())
    else:
        first, last = 0, -1
    inside = dated & (index >= first) & (index <= last)
    return diffusion_from_cells(
        bucket_cells(index, inside, emojis),
        (first, last),
        posts=emojis.n_posts,
        undated_posts=int((~dated).sum()),
        bucket=bucket,
        min_count=min_count,
        unscored=unscored,
        name_of=name_of,
        sentiment_of=sentiment_of,
    )


def bucket_cells(
    index: np.ndarray, selected: np.ndarray, emojis: EmojiMatrix
) -> Counter[tuple[int, str]]:
    """Sum each emoji's occurrences per bucket over the selected posts.

    The counts are integers, so the cells of several batches of posts add up
    exactly (:func:`diffusion_from_cells` filters and orders the sum).

    Args:
        index: Bucket number of every post (:func:`bucket_index`).
        selected: Boolean mask of the posts to count (dated, inside the span).
        emojis: The posts' emoji matrix.

    Returns:
        ``{(bucket number, emoji): occurrences}``.
    """
    out: Counter[tuple[int, str]] = Counter()
    rows = np.flatnonzero(selected)
    if rows.size == 0 or not emojis.vocabulary:
        return out
    buckets, position = np.unique(index[rows], return_inverse=True)
    assign = sp.csr_matrix(
        (np.ones(rows.size, dtype=np.int64), (position, rows)),
        shape=(len(buckets), emojis.n_posts),
    )
    per_bucket = (assign @ emojis.counts).tocoo()
    vocab = emojis.vocabulary
    for r, c, n in zip(
        per_bucket.row.tolist(), per_bucket.col.tolist(), per_bucket.data.tolist(), strict=True
    ):
        if n:
            out[int(buckets[r]), vocab[c]] += int(n)
    return out


def diffusion_from_cells(
    cells: Mapping[tuple[int, str], int],
    span: tuple[int, int],
    *,
    posts: int,
    undated_posts: int,
    bucket: str = "1D",
    min_count: int = 25,
    unscored: Unscored = "band",
    name_of: NameSource = None,
    sentiment_of: SentimentSource = None,
) -> Diffusion:
    """Filter and order (bucket, emoji) counts into a :class:`Diffusion`.

    Args:
        cells: ``{(bucket number, emoji): occurrences}`` (:func:`bucket_cells`, or
            the sum of several batches' cells); cells outside ``span`` are ignored.
        span: First and last bucket number of the x axis (``(0, -1)``: no axis).
        posts: Posts considered (dated or not).
        undated_posts: Posts without a time.
        bucket: Bucket size (see :func:`parse_bucket`).
        min_count: Smallest count kept per (bucket, emoji).
        unscored: Emojis without a sentiment score: ``"band"`` or ``"drop"``.
        name_of: Name source.
        sentiment_of: Sentiment source.

    Returns:
        The :class:`Diffusion`.

    Raises:
        ConfigError: Invalid bucket (or more than :data:`MAX_BUCKETS` buckets),
            ``min_count`` below 1 or unknown ``unscored``.
    """
    width = parse_bucket(bucket)
    if min_count < 1:
        raise ConfigError("must be at least 1", field="emojis.min_count")
    if unscored not in ("band", "drop"):
        raise ConfigError("choose 'band' or 'drop'", field="unscored")
    names = resolve_name_of(name_of)
    scores = resolve_sentiment_of(sentiment_of)
    step = width // timedelta(microseconds=1)
    first, last = span
    if last - first + 1 > MAX_BUCKETS:
        raise ConfigError(
            f"{bucket!r} makes {last - first + 1:,} buckets (at most {MAX_BUCKETS:,}); "
            "choose a larger bucket",
            field="emojis.bucket",
        )
    buckets = tuple(from_micros(int(b) * step) for b in range(first, last + 1))
    kept_cells = sorted(
        (b - first, e, int(n))
        for (b, e), n in cells.items()
        if first <= b <= last and n >= min_count
    )
    kept = sorted({e for _, e, _ in kept_cells})
    score_of = {e: scores(e) for e in kept}
    scored = sorted((e for e in kept if score_of[e] is not None), key=lambda e: (score_of[e], e))
    band = [e for e in kept if score_of[e] is None] if unscored == "band" else []
    order = tuple(band + scored)
    position = {e: i for i, e in enumerate(order)}
    name_cache: dict[str, str] = {}
    out = []
    for b, emoji, n in kept_cells:
        if emoji not in position:
            continue
        if emoji not in name_cache:
            name_cache[emoji] = names(emoji)
        out.append(DiffusionRow(buckets[b], emoji, n, score_of[emoji], name_cache[emoji]))
    out.sort(key=lambda r: (r.bucket, position[r.emoji]))
    return Diffusion(
        bucket=bucket,
        width=width,
        min_count=min_count,
        buckets=buckets,
        order=order,
        band=tuple(band),
        unscored=unscored,
        rows=tuple(out),
        posts=posts,
        undated_posts=undated_posts,
    )


def _floor(moment: datetime, step: int) -> int:
    return to_micros(moment) // step
