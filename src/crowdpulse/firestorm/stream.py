"""Live firestorm detection: posts arrive, buckets close, alerts go out (paper C7, C12).

:class:`FirestormStream` takes posts in arrival order (tables of the post schema),
assigns them to time buckets by ``created_at`` and closes a bucket when a post of a
later bucket arrives (empty buckets in between close too). For each closed bucket
it computes every series of :func:`~crowdpulse.firestorm.series.detection_series`
(lexicon scores via :func:`crowdpulse.text.add_features`, network metrics via
:func:`crowdpulse.network.window_metrics` on the posts of the current window),
gives the newest values to a :class:`crowdpulse.detect.StreamingDetector` and
returns its alerts. The series and alerts are exactly those of
:func:`~crowdpulse.firestorm.run_firestorm` on the same posts stored as a corpus.

Memory: the current bucket's posts, the network window's posts (only the columns
that make edges), the detector's ring buffers (``detector_window`` floats per
series) and, when ingest's deduplication is on (the default, to match
``crowdpulse ingest``), its sets of seen ids and text hashes, which grow by one
entry per kept post; ``dedupe=False`` makes the memory independent of the
stream's length.

Late posts: a post whose bucket has already closed (or that precedes the origin)
is counted in ``late`` and left out; one without a time in ``no_time``.

:func:`watch` reads JSON lines (API v1.1 tweets, v2 response pages or twarc2 flat
tweets) from a file or standard input, optionally following a growing file like
``tail -f``; each chunk of lines becomes a :class:`crowdpulse.io.source.Block`
normalised by the v1.1 or v2 reader. :func:`stream_corpus` streams a stored
Parquet corpus batch by batch.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np
import orjson
import pyarrow as pa

from crowdpulse.detect.streaming import Alert, StreamingDetector
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.firestorm.pipeline import FirestormOptions
from crowdpulse.firestorm.series import detection_series, detector_values, network_row
from crowdpulse.firestorm.truth import parse_target
from crowdpulse.io.ingest import IngestOptions, PostFilter
from crowdpulse.io.records import ReadBatch
from crowdpulse.network.buckets import TimeLike, assign_buckets
from crowdpulse.schema import POST_SCHEMA

__all__ = [
    "NETWORK_COLUMNS",
    "FirestormStream",
    "LineFormat",
    "StreamStats",
    "iter_line_chunks",
    "lines_to_posts",
    "stream_corpus",
    "watch",
]

LineFormat = Literal["v1", "v2", "twarc2-flat"]

NETWORK_COLUMNS: tuple[str, ...] = (
    "created_at",
    "author_id",
    "author_handle",
    "mention_ids",
    "mention_handles",
    "retweeted_id",
    "retweeted_author_id",
    "retweeted_author_handle",
)
"""The post columns the network window keeps."""

_US_PER_MINUTE = 60_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _to_micros(value: TimeLike, field_name: str) -> int:
    from crowdpulse.event import parse_time

    return (parse_time(value, field_name=field_name) - _EPOCH) // timedelta(microseconds=1)


@dataclass
class StreamStats:
    """Counts of what a stream has seen.

    Attributes:
        lines: Non-empty input lines read (JSON line input only).
        records: Records the readers accounted for.
        rejected: Malformed or unknown records (never posts).
        notices: Streaming notices (delete, limit, ...).
        posts: Posts read.
        filtered: Posts left out by the ingest filters, by reason.
        no_time: Posts without a time.
        late: Posts whose bucket had closed, or before the origin.
        after_end: Posts at or after the end of the grid.
        used: Posts that went into a bucket.
        buckets: Buckets closed.
        alerts: Alerts raised.
    """

    lines: int = 0
    records: int = 0
    rejected: int = 0
    notices: int = 0
    posts: int = 0
    filtered: Counter[str] = field(default_factory=Counter)
    no_time: int = 0
    late: int = 0
    after_end: int = 0
    used: int = 0
    buckets: int = 0
    alerts: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        out = dict(self.__dict__)
        out["filtered"] = dict(sorted(self.filtered.items()))
        return out


class FirestormStream:
    """Incremental firestorm detection over posts arriving in time order.

    Args:
        target: ``@account`` or ``#hashtag``.
        options: Pipeline settings (default: the paper's).
        origin: Start of bucket 0 (default: the first post's time floored to the
            bucket length, as :func:`crowdpulse.network.assign_buckets` does).
        end: End of the grid (exclusive): later posts are left out and
            :meth:`close` closes every bucket up to it.
        lexicon: Lexicon for the lexical series (a key, a ``.dic`` path or a
            :class:`~crowdpulse.text.Lexicon`); posts that already carry ``lex_*``
            columns are not scored again.
        ingest_options: Filters applied to arriving posts, as ``crowdpulse ingest``
            does (default: its defaults: retweets out, duplicates out); None applies
            none.
        on_bucket: Called for every closed bucket with ``(bucket, start, values)``,
            the raw series values (before the detector's transform).

    Attributes:
        stats: The :class:`StreamStats`.
        names: The series names (known after the first bucket closes).
    """

    def __init__(
        self,
        target: str,
        *,
        options: FirestormOptions | None = None,
        origin: TimeLike | None = None,
        end: TimeLike | None = None,
        lexicon: Any = "open",
        ingest_options: IngestOptions | None = IngestOptions(),  # noqa: B008 - frozen
        on_bucket: Callable[[int, datetime, dict[str, float]], None] | None = None,
    ) -> None:
        parse_target(target)
        self.target = target
        self.options = options or FirestormOptions()
        self._step = self.options.bucket_minutes * _US_PER_MINUTE
        self._origin_us = None if origin is None else _to_micros(origin, "origin")
        self._end_us = None if end is None else _to_micros(end, "end")
        if (
            self._origin_us is not None
            and self._end_us is not None
            and self._end_us <= self._origin_us
        ):
            raise ConfigError("the end must come after the origin", field="end")
        self._lexicon = lexicon
        self._filter = PostFilter(ingest_options) if ingest_options is not None else None
        self._on_bucket = on_bucket
        self._detector = self.options.detector()
        self._current = 0
        self._pending: list[pa.Table] = []
        self._window: deque[pa.Table] = deque(maxlen=self.options.window_buckets)
        self.stats = StreamStats()
        self.names: list[str] = []
        self._closed = False

    # -- grid -------------------------------------------------------------------------
    def bucket_start(self, bucket: int) -> datetime:
        """Start time (UTC) of a bucket (the origin must be known)."""
        if self._origin_us is None:
            raise ConfigError("the origin is not known before the first post", field="origin")
        return _EPOCH + timedelta(microseconds=self._origin_us + bucket * self._step)

    @property
    def origin(self) -> datetime | None:
        """Start of bucket 0, once known."""
        return None if self._origin_us is None else self.bucket_start(0)

    @property
    def detector(self) -> StreamingDetector:
        """The :class:`~crowdpulse.detect.StreamingDetector` (its state is per series)."""
        return self._detector

    def state_nbytes(self) -> int:
        """Bytes of posts held (current bucket and network window) plus the detector's state."""
        held = sum(t.nbytes for t in self._pending) + sum(t.nbytes for t in self._window)
        return int(held + self._detector.state_nbytes())

    # -- input ------------------------------------------------------------------------
    def add(self, posts: pa.Table) -> list[Alert]:
        """Take posts in arrival order; return the alerts of the buckets they close.

        Args:
            posts: Posts of the post schema (extra columns such as ``lex_*`` kept).

        Returns:
            The alerts raised, possibly none.

        Raises:
            ConfigError: The stream is closed.
            InputError: The posts lack ``created_at``.
        """
        if self._closed:
            raise ConfigError("the stream is closed", field="posts")
        if posts.num_rows == 0:
            return []
        if "created_at" not in posts.column_names:
            raise InputError("posts need a created_at column", field="created_at")
        self.stats.posts += posts.num_rows
        if self._filter is not None:
            posts, reasons = self._filter.apply(posts)
            self.stats.filtered.update(reasons)
            if posts.num_rows == 0:
                return []
        times = posts.column("created_at")
        if self._origin_us is None:
            valid = assign_buckets(times, minutes=self.options.bucket_minutes)
            if not (valid.index >= 0).any():
                self.stats.no_time += posts.num_rows
                return []
            self._origin_us = (valid.origin - _EPOCH) // timedelta(microseconds=1)
        buckets = assign_buckets(
            times, minutes=self.options.bucket_minutes, origin=self.bucket_start(0)
        )
        index = buckets.index
        has_time = np.asarray(times.is_valid(), dtype=bool)
        self.stats.no_time += int((~has_time).sum())
        before = has_time & (index < 0)
        self.stats.late += int(before.sum())
        if self._end_us is not None:
            last = -(-(self._end_us - self._origin_us) // self._step)  # buckets in the grid
            beyond = index >= last
            self.stats.after_end += int(beyond.sum())
            index = np.where(beyond, -1, index)
        # A post is late if a later bucket has already been seen before it arrived.
        running = np.maximum.accumulate(np.concatenate([[self._current], index]))[:-1]
        late = (index >= 0) & (index < running)
        self.stats.late += int(late.sum())
        keep = (index >= 0) & ~late
        alerts: list[Alert] = []
        kept_index = index[keep]
        rows = np.flatnonzero(keep)
        if rows.size == 0:
            return alerts
        cuts = np.flatnonzero(np.diff(kept_index)) + 1
        for part in np.split(np.arange(rows.size), cuts):
            bucket = int(kept_index[part[0]])
            while self._current < bucket:
                alerts += self._close_current()
            self._pending.append(posts.take(pa.array(rows[part])))
            self.stats.used += part.size
        return alerts

    def close(self) -> list[Alert]:
        """Close the current bucket (and, with an ``end``, every bucket up to it).

        Returns:
            The alerts raised.
        """
        if self._closed:
            return []
        alerts: list[Alert] = []
        if self._origin_us is not None:
            last = self._current + 1
            if self._end_us is not None:
                last = -(-(self._end_us - self._origin_us) // self._step)
            while self._current < last:
                alerts += self._close_current()
        self._closed = True
        return alerts

    # -- one bucket ---------------------------------------------------------------------
    def _bucket_table(self) -> pa.Table:
        if not self._pending:
            return POST_SCHEMA.empty_table()
        if len(self._pending) == 1:
            return self._pending[0]
        return pa.concat_tables(self._pending, promote_options="permissive")

    def _close_current(self) -> list[Alert]:
        bucket = self._current
        table = self._bucket_table()
        self._pending = []
        options = self.options
        start = self.bucket_start(bucket)
        stop = self.bucket_start(bucket + 1)
        if options.lexical and not any(n.startswith("lex_") for n in table.column_names):
            from crowdpulse.text import add_features

            table = add_features(table, lexicon=self._lexicon)
        row = detection_series(
            table,
            self.target,
            bucket_minutes=options.bucket_minutes,
            categories=options.categories,
            subsets=options.subsets,
            lexical=options.lexical,
            network=False,
            origin=start,
            end=stop,
        )
        values: dict[str, float] = {}
        for name in row.column_names:
            if name not in ("bucket", "start"):
                value = row.column(name)[0].as_py()
                values[name] = float("nan") if value is None else float(value)
        if options.network:
            self._window.append(table.select(list(NETWORK_COLUMNS)))
            from crowdpulse.network.windows import window_metrics

            first = max(0, bucket - options.window_buckets + 1)
            window = pa.concat_tables(list(self._window), promote_options="permissive")
            metrics = window_metrics(
                window,
                network="mention",
                bucket_minutes=options.bucket_minutes,
                window_buckets=options.window_buckets,
                origin=self.bucket_start(first),
                end=stop,
            )
            values.update(network_row(metrics, metrics.num_rows - 1))
        if not self.names:
            self.names = list(values)
        elif list(values) != self.names:
            raise InputError(
                "the series changed between buckets (posts with and without lex_* columns?)",
                field="lex_*",
            )
        if self._on_bucket is not None:
            self._on_bucket(bucket, start, dict(values))
        raw = np.asarray([values[n] for n in self.names], dtype=np.float64)
        x = detector_values(self.names, raw, count_transform=options.count_transform)
        alerts = self._detector.update(start, dict(zip(self.names, x.tolist(), strict=True)))
        self.stats.buckets += 1
        self.stats.alerts += len(alerts)
        self._current += 1
        return alerts


# -- JSON lines in -------------------------------------------------------------------


def _line_format(record: Any) -> LineFormat | None:
    """The format of one JSON record (None: cannot tell from this record)."""
    from crowdpulse.io.sniff import classify_record

    formats: dict[str | None, LineFormat] = {"v1": "v1", "v2": "v2", "twarc2-flat": "twarc2-flat"}
    return formats.get(classify_record(record))


class _LineReader:
    """Normalise chunks of JSON lines with the v1.1 or v2 reader."""

    def __init__(self, name: str, fmt: LineFormat | None) -> None:
        self.name = name
        self.format: LineFormat | None = fmt
        self._v2: Any = None

    def _sniff(self, lines: list[bytes]) -> None:
        for line in lines:
            try:
                found = _line_format(orjson.loads(line))
            except orjson.JSONDecodeError:
                continue
            if found is not None:
                self.format = found
                return

    def read(self, lines: list[bytes], numbers: list[int]) -> ReadBatch:
        from crowdpulse.io.source import Block

        if self.format is None:
            self._sniff(lines)
            if self.format is None:
                self.format = "v1"  # let the v1 reader reject or count what it cannot use
        block = Block(b"\n".join(lines) + b"\n", numbers[0], False, tuple(numbers))
        if self.format == "v1":
            from crowdpulse.io.arrowjson import parse_block
            from crowdpulse.io.v1 import V1_SCHEMA, normalise_v1

            parsed = parse_block(block, V1_SCHEMA, self.name)
            batch = normalise_v1(parsed.table, parsed.lines, self.name)
            batch.rejected = sorted(parsed.rejected + batch.rejected, key=lambda r: r.line)
            return batch
        if self._v2 is None:
            from crowdpulse.io.v2 import V2Reader

            self._v2 = V2Reader(self.name, flat=self.format == "twarc2-flat")
        return next(iter(self._v2.read_blocks(iter([block]))))


def lines_to_posts(
    lines: list[bytes],
    *,
    first_line: int = 1,
    fmt: LineFormat | None = None,
    name: str = "<stream>",
) -> ReadBatch:
    """Normalise JSON lines into posts with crowdpulse's readers.

    Args:
        lines: Raw lines (without newlines; blank lines are skipped).
        first_line: The 1-based line number of the first line.
        fmt: ``"v1"``, ``"v2"`` or ``"twarc2-flat"`` (default: told from the records).
        name: The source's name for rejects.

    Returns:
        The :class:`~crowdpulse.io.records.ReadBatch`: posts, rejects and notices.
    """
    numbered = [(first_line + i, line) for i, line in enumerate(lines) if line.strip()]
    if not numbered:
        return ReadBatch()
    reader = _LineReader(name, fmt)
    return reader.read([line for _, line in numbered], [n for n, _ in numbered])


def _open(source: str | Path | BinaryIO, follow: bool) -> tuple[BinaryIO, str, bool]:
    if not isinstance(source, (str, Path)):
        return source, getattr(source, "name", "<stream>"), False
    if str(source) == "-":
        return sys.stdin.buffer, "<stdin>", False
    from crowdpulse.io.source import compression_of, open_binary

    path = Path(source)
    if follow:
        if not path.exists():
            raise InputError("no such file", path=str(path))
        if compression_of(path) is not None:
            raise InputError("cannot follow a compressed file", path=str(path))
        return open(path, "rb"), str(path), True
    return open_binary(path), str(path), True


def iter_line_chunks(
    source: str | Path | BinaryIO,
    *,
    follow: bool = False,
    poll_seconds: float = 1.0,
    idle_timeout: float | None = None,
    chunk_bytes: int = 1 << 20,
) -> Iterator[tuple[int, list[bytes]]]:
    """Yield the complete lines of a file or stream as they become available.

    Args:
        source: A path (plain or compressed), ``-`` for standard input, or a binary
            file object.
        follow: At the end of a file, wait for more lines (like ``tail -f``) instead
            of stopping; a final line without a newline is only used once the file
            ends with one, or when following stops.
        poll_seconds: Pause between checks for new data when following.
        idle_timeout: Stop following after this many seconds without new data
            (None: follow until interrupted).
        chunk_bytes: Bytes read at once.

    Yields:
        ``(first_line_number, lines)``: runs of whole lines (newline removed).

    Raises:
        InputError: The file is missing, or compressed when following.
    """
    handle, _, owned = _open(source, follow)
    reader = getattr(handle, "read1", handle.read)
    pending = b""
    line = 1
    idle_since = time.monotonic()
    try:
        while True:
            chunk = reader(chunk_bytes)
            if chunk:
                idle_since = time.monotonic()
                data = pending + chunk
                cut = data.rfind(b"\n")
                if cut < 0:
                    pending = data
                    continue
                pending = data[cut + 1 :]
                lines = data[:cut].split(b"\n")
                yield line, [x.rstrip(b"\r") for x in lines]
                line += len(lines)
                continue
            if follow and (idle_timeout is None or time.monotonic() - idle_since < idle_timeout):
                time.sleep(poll_seconds)
                continue
            break
        if pending:
            yield line, [pending.rstrip(b"\r")]
    finally:
        if owned:
            handle.close()


def watch(
    source: str | Path | BinaryIO,
    target: str,
    *,
    options: FirestormOptions | None = None,
    fmt: LineFormat | None = None,
    follow: bool = False,
    poll_seconds: float = 1.0,
    idle_timeout: float | None = None,
    origin: TimeLike | None = None,
    lexicon: Any = "open",
    ingest_options: IngestOptions | None = IngestOptions(),  # noqa: B008 - frozen
    stats: StreamStats | None = None,
) -> Iterator[Alert]:
    """Detect firestorms live in a stream of JSON lines; yield alerts as buckets close.

    Args:
        source: A file, ``-`` (standard input) or a binary file object.
        target: ``@account`` or ``#hashtag``.
        options: Pipeline settings (default: the paper's).
        fmt: Input format (default: told from the first records).
        follow: Keep reading a growing file (see :func:`iter_line_chunks`).
        poll_seconds: Pause between checks when following.
        idle_timeout: Stop following after this many idle seconds.
        origin: Start of bucket 0 (default: the first post's time floored).
        lexicon: Lexicon for the lexical series.
        ingest_options: Filters (default: ``crowdpulse ingest``'s); None for none.
        stats: A :class:`StreamStats` to fill in (e.g. for a summary at the end).

    Yields:
        :class:`~crowdpulse.detect.Alert` objects (times are bucket starts; ``index``
        is the bucket number), as soon as the bucket that raises them closes. The
        last bucket closes at the end of the input.

    Raises:
        InputError: The source cannot be read.
        ConfigError: An option or the target is invalid.
    """
    stream = FirestormStream(
        target,
        options=options,
        origin=origin,
        lexicon=lexicon,
        ingest_options=ingest_options,
    )
    if stats is not None:
        stream.stats = stats
    if isinstance(source, (str, Path)):
        name = "<stdin>" if str(source) == "-" else str(source)
    else:
        name = str(getattr(source, "name", "<stream>"))
    reader = _LineReader(name, fmt)
    for first, lines in iter_line_chunks(
        source, follow=follow, poll_seconds=poll_seconds, idle_timeout=idle_timeout
    ):
        numbered = [(first + i, x) for i, x in enumerate(lines) if x.strip()]
        if not numbered:
            continue
        stream.stats.lines += len(numbered)
        batch = reader.read([x for _, x in numbered], [n for n, _ in numbered])
        stream.stats.records += batch.records
        stream.stats.rejected += len(batch.rejected)
        stream.stats.notices += sum(batch.notices.values())
        yield from stream.add(batch.posts)
    yield from stream.close()


def stream_corpus(
    path: str | Path,
    target: str,
    *,
    options: FirestormOptions | None = None,
    origin: TimeLike | None = None,
    end: TimeLike | None = None,
    lexicon: Any = "open",
    batch_size: int = 8192,
    on_bucket: Callable[[int, datetime, dict[str, float]], None] | None = None,
    stats: StreamStats | None = None,
) -> list[Alert]:
    """Stream a stored corpus batch by batch through :class:`FirestormStream` (C12).

    Holds one Parquet batch, the current bucket and the network window at a time.
    The corpus must be in time order (``crowdpulse ingest`` keeps the input's order;
    posts arriving after their bucket closed are counted as late and left out).
    No ingest filter is applied: the corpus was filtered when it was ingested.

    Args:
        path: A Parquet corpus.
        target: ``@account`` or ``#hashtag``.
        options: Pipeline settings.
        origin: Start of bucket 0 (default: the first post's time floored).
        end: End of the grid, exclusive.
        lexicon: Lexicon when the corpus has no ``lex_*`` columns.
        batch_size: Rows per Parquet batch.
        on_bucket: Called with every closed bucket's raw values.
        stats: A :class:`StreamStats` to fill in.

    Returns:
        The alerts, equal to those of :func:`~crowdpulse.firestorm.run_firestorm` on
        the same corpus with the same origin and end.

    Raises:
        InputError: The file is missing or not Parquet.
    """
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.exists():
        raise InputError("no such file", path=str(path))
    try:
        reader = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a Parquet corpus: {exc}", path=str(path)) from None
    stream = FirestormStream(
        target,
        options=options,
        origin=origin,
        end=end,
        lexicon=lexicon,
        ingest_options=None,
        on_bucket=on_bucket,
    )
    if stats is not None:
        stream.stats = stats
    alerts: list[Alert] = []
    for batch in reader.iter_batches(batch_size=batch_size):
        alerts += stream.add(pa.Table.from_batches([batch]))
    alerts += stream.close()
    return alerts
