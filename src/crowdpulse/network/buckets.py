"""Time buckets: split a corpus's timeline into equal slices (paper: half hours).

A bucket ``k`` covers the half-open interval ``[origin + k * length, origin + (k + 1) * length)``.
The origin defaults to the first post's time floored to a whole multiple of the bucket
length since the Unix epoch (for 30 minutes: the clock's full or half hour), so the
buckets of two corpora of the same period line up. Posts without a time, before the
origin, or at or after ``end`` get bucket ``-1`` and are left out of every analysis
that uses the buckets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.event import parse_time
from crowdpulse.exceptions import ConfigError, InputError

__all__ = [
    "EPOCH",
    "BucketAssignment",
    "TimeLike",
    "assign_buckets",
    "bucket_grid",
    "from_micros",
    "times_to_micros",
    "to_micros",
]

TimeLike = datetime | str
"""A point in time: an aware or naive (taken as UTC) datetime, or an ISO 8601 string."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""The origin of every microsecond time stamp (Unix time, UTC)."""
_US_PER_MINUTE = 60_000_000


def to_micros(value: TimeLike, field_name: str = "time") -> int:
    """Microseconds since :data:`EPOCH` of a time (naive times are taken as UTC).

    Args:
        value: The time.
        field_name: The option or field it came from, for the error message.

    Returns:
        The whole microseconds since 1970-01-01T00:00:00Z.

    Raises:
        ConfigError: The value is not a time.
    """
    moment = parse_time(value, field_name=field_name)
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    """The UTC time ``value`` microseconds after :data:`EPOCH`."""
    return EPOCH + timedelta(microseconds=int(value))


def times_to_micros(
    times: pa.Array | pa.ChunkedArray | np.ndarray | Sequence[datetime | None],
) -> tuple[np.ndarray, np.ndarray]:
    """Turn post times into microseconds since the Unix epoch (UTC).

    Args:
        times: An Arrow timestamp array (any unit; a zone-less timestamp is taken as
            UTC), a numpy ``datetime64`` array, or a sequence of datetimes (naive ones
            are taken as UTC) with ``None`` for a missing time.

    Returns:
        ``(micros, valid)``: an int64 array (0 where the time is missing) and a bool
        array that is False where the time is missing.

    Raises:
        InputError: The values are not times.
    """
    if isinstance(times, np.ndarray):
        if not np.issubdtype(times.dtype, np.datetime64):
            raise InputError(f"expected times, got an array of {times.dtype}", field="created_at")
        valid = ~np.isnat(times)
        micros = times.astype("datetime64[us]").astype(np.int64)
        return np.where(valid, micros, 0), valid
    if not isinstance(times, (pa.Array, pa.ChunkedArray)):
        converted = []
        for value in times:
            if value is not None and not isinstance(value, datetime):
                raise InputError(
                    f"expected datetimes, got {type(value).__name__}", field="created_at"
                )
            if value is not None and value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            converted.append(value)
        times = pa.array(converted, type=pa.timestamp("us", tz="UTC"))
    if not pa.types.is_timestamp(times.type):
        raise InputError(f"expected timestamps, got {times.type}", field="created_at")
    cast = pc.cast(times, pa.timestamp("us", tz=times.type.tz), safe=False).cast(pa.int64())
    if isinstance(cast, pa.ChunkedArray):
        cast = cast.combine_chunks()
    valid = np.asarray(cast.is_valid(), dtype=bool)
    micros = np.asarray(cast.fill_null(0), dtype=np.int64)
    return micros, valid


@dataclass(frozen=True)
class BucketAssignment:
    """The bucket of every post and the grid of buckets.

    Attributes:
        index: int64 array, one entry a post: the bucket number (0 for the first
            bucket), or -1 for a post without a time, before ``origin`` or at or after
            the end of the grid.
        origin: Start of bucket 0 (UTC).
        minutes: Length of a bucket in minutes.
        count: Number of buckets in the grid (empty buckets included).
    """

    index: np.ndarray
    origin: datetime
    minutes: int
    count: int

    @property
    def length(self) -> timedelta:
        """The length of one bucket."""
        return timedelta(minutes=self.minutes)

    def start(self, bucket: int) -> datetime:
        """Return the start time (UTC) of bucket number ``bucket``."""
        return self.origin + bucket * self.length

    def starts(self) -> pa.Array:
        """Return the start times of all buckets as an Arrow ``timestamp[us, UTC]`` array."""
        first = (self.origin - EPOCH) // timedelta(microseconds=1)
        step = self.minutes * _US_PER_MINUTE
        values = first + step * np.arange(self.count, dtype=np.int64)
        return pa.array(values, type=pa.int64()).cast(pa.timestamp("us", tz="UTC"))

    def counts(self) -> np.ndarray:
        """Return the number of posts in each bucket (int64, length :attr:`count`)."""
        inside = self.index[self.index >= 0]
        return np.bincount(inside, minlength=self.count).astype(np.int64)


def assign_buckets(
    times: pa.Array | pa.ChunkedArray | np.ndarray | Sequence[datetime | None],
    *,
    minutes: int = 30,
    origin: TimeLike | None = None,
    end: TimeLike | None = None,
) -> BucketAssignment:
    """Put every post into a time bucket.

    Args:
        times: The posts' times (the ``created_at`` column, a numpy ``datetime64``
            array, or a sequence of datetimes with ``None`` for a missing time).
        minutes: Length of a bucket (paper: 30).
        origin: Start of bucket 0. Default: the earliest time floored to a whole
            multiple of ``minutes`` since 1970-01-01T00:00Z.
        end: End of the grid (exclusive). The grid then has
            ``ceil((end - origin) / minutes)`` buckets even where the last ones are
            empty. Default: the grid ends with the bucket of the latest post.

    Returns:
        The :class:`BucketAssignment`. Posts without a time, before ``origin`` or at or
        after ``end`` get bucket -1.

    Raises:
        ConfigError: ``minutes`` is not a positive whole number, a time is not a time,
            or ``end`` is not after ``origin``.
        InputError: ``times`` are not times.

    Example:
        >>> from datetime import datetime, UTC
        >>> b = assign_buckets([datetime(2014, 6, 29, 10, 40, tzinfo=UTC),
        ...                     datetime(2014, 6, 29, 11, 5, tzinfo=UTC)])
        >>> b.origin.isoformat(), b.index.tolist(), b.count
        ('2014-06-29T10:30:00+00:00', [0, 1], 2)
    """
    if isinstance(minutes, bool) or not isinstance(minutes, (int, np.integer)) or minutes < 1:
        raise ConfigError(
            "the bucket length must be a whole number of minutes >= 1", field="minutes"
        )
    minutes = int(minutes)
    step = minutes * _US_PER_MINUTE
    micros, valid = times_to_micros(times)
    if origin is None:
        if valid.any():
            first = int(micros[valid].min())
            origin_us = (first // step) * step
        else:
            origin_us = 0
    else:
        origin_us = to_micros(origin, "origin")
    index = np.full(micros.shape[0], -1, dtype=np.int64)
    offset = micros - origin_us
    inside = valid & (offset >= 0)
    index[inside] = offset[inside] // step
    if end is not None:
        end_us = to_micros(end, "end")
        if end_us <= origin_us:
            raise ConfigError("the end must come after the origin", field="end")
        count = -(-(end_us - origin_us) // step)
        index[inside & (micros >= end_us)] = -1
    else:
        count = int(index.max()) + 1 if index.size and index.max() >= 0 else 0
    return BucketAssignment(
        index=index, origin=from_micros(origin_us), minutes=minutes, count=int(count)
    )


def bucket_grid(
    table: pa.Table,
    *,
    minutes: int = 30,
    origin: TimeLike | None = None,
    end: TimeLike | None = None,
    grid: BucketAssignment | None = None,
) -> BucketAssignment:
    """The bucket grid of a table: ``grid`` when one was computed already, else a new one.

    The firestorm pipeline computes its grid once (:func:`assign_buckets` on the
    corpus) and hands it to every step, instead of each step recomputing it from
    the same four settings.

    Args:
        table: A corpus table (``created_at``).
        minutes: Bucket length.
        origin: Start of bucket 0.
        end: End of the grid, exclusive.
        grid: A grid already computed for this table (``origin`` and ``end`` are then
            ignored).

    Returns:
        The :class:`BucketAssignment`.

    Raises:
        ConfigError: ``grid`` was made for another table or another bucket length.
        InputError: The table has no ``created_at`` column.
    """
    if grid is not None:
        if grid.index.shape[0] != table.num_rows:
            raise ConfigError(
                f"the grid has {grid.index.shape[0]} posts, the table {table.num_rows}",
                field="grid",
            )
        if grid.minutes != minutes:
            raise ConfigError(
                f"the grid has {grid.minutes}-minute buckets, not {minutes}", field="grid"
            )
        return grid
    if "created_at" not in table.column_names:
        raise InputError("not a crowdpulse corpus: column is missing", field="created_at")
    return assign_buckets(table.column("created_at"), minutes=minutes, origin=origin, end=end)
