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

:func:`watch` reads JSON lines of any format that is one record a line (Bluesky
Jetstream events and AppView post views, Mastodon statuses, Reddit comments and
submissions, API v1.1 tweets, v2 response pages, twarc2 flat tweets) from a file
or standard input, optionally following a growing file like ``tail -f``; each
chunk of lines is read by :class:`crowdpulse.io.lines.LineReader` with the reader
of the format the registry (:mod:`crowdpulse.io.registry`) finds for it, so no
reader lives here. :func:`stream_corpus` streams a stored Parquet corpus batch by
batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import orjson
import pyarrow as pa

from crowdpulse.detect.streaming import Alert, StreamingDetector
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.firestorm.monitor import EpisodeAlert, EpisodeMonitor
from crowdpulse.firestorm.pipeline import FirestormOptions, bucket_counts
from crowdpulse.firestorm.series import (
    detection_series,
    detector_values,
    is_lexical_series,
    network_row,
    target_in_degree,
)
from crowdpulse.firestorm.truth import parse_target, target_post_mask
from crowdpulse.io.ingest import IngestOptions, PostFilter
from crowdpulse.io.lines import LineReader
from crowdpulse.io.pseudonym import private_excerpt, pseudonymize_table
from crowdpulse.io.records import ReadBatch
from crowdpulse.network.buckets import TimeLike, assign_buckets, from_micros, to_micros
from crowdpulse.schema import POST_SCHEMA

__all__ = [
    "NETWORK_COLUMNS",
    "STATE_VERSION",
    "FirestormStream",
    "LineFormat",
    "StreamStats",
    "WatchState",
    "WindowDedupe",
    "iter_line_chunks",
    "lines_to_posts",
    "stream_corpus",
    "watch",
]

LineFormat = str
"""A format name of :mod:`crowdpulse.io.registry` that is one record a line."""

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


class WindowDedupe:
    """Repeated ids and texts, remembered for a time window only (bounded memory).

    The rule of ``crowdpulse ingest``'s deduplication (a repeated id, or a repeated
    text of a post that is not a retweet, is dropped), but an id or text is
    forgotten ``window_us`` microseconds after the post that brought it, so memory
    holds only the keys of the window's posts. Text keys are BLAKE2b digests, the
    same in every process (a restarted ``watch`` keeps its dedupe state).

    Args:
        window_us: How long a key is remembered, in microseconds of post time (None:
            for ever, as ``crowdpulse ingest`` does).
    """

    def __init__(self, window_us: int | None) -> None:
        self.window_us = None if window_us is None else int(window_us)
        self.seen: dict[str, int] = {}
        self.newest = 0

    def apply(self, posts: pa.Table) -> tuple[pa.Table, Counter[str]]:
        """Drop repeats; return the kept posts and the drops by reason."""
        from crowdpulse.network.buckets import times_to_micros

        reasons: Counter[str] = Counter()
        if posts.num_rows == 0:
            return posts, reasons
        micros, valid = times_to_micros(posts.column("created_at"))
        ids = posts.column("id").to_pylist()
        texts = posts.column("text").to_pylist()
        retweets = np.asarray(
            pa.compute.or_(
                pa.compute.is_valid(posts.column("retweeted_id")),
                pa.compute.is_valid(posts.column("retweeted_author_handle")),
            ).to_numpy(zero_copy_only=False),
            dtype=bool,
        )
        alive = np.ones(posts.num_rows, dtype=bool)
        newest = self.newest
        for i in range(posts.num_rows):
            moment = int(micros[i]) if valid[i] else newest
            newest = max(newest, moment)
            key = f"i:{ids[i]}"
            if key in self.seen:
                alive[i] = False
                reasons["duplicate_id"] += 1
                continue
            self.seen[key] = moment
            if retweets[i] or texts[i] is None:
                continue
            digest = hashlib.blake2b(texts[i].strip().encode(), digest_size=8).hexdigest()
            text_key = f"t:{digest}"
            if text_key in self.seen:
                alive[i] = False
                reasons["duplicate_text"] += 1
                continue
            self.seen[text_key] = moment
        self.newest = newest
        if self.window_us is None:
            kept = posts if alive.all() else posts.filter(pa.array(alive))
            return kept, reasons
        cutoff = newest - self.window_us
        if self.seen and min(self.seen.values()) < cutoff:
            self.seen = {k: v for k, v in self.seen.items() if v >= cutoff}
        kept = posts if alive.all() else posts.filter(pa.array(alive))
        return kept, reasons


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
        dedupe_hours: With deduplication on, remember ids and texts for this many
            hours of post time only (:class:`WindowDedupe`, bounded memory); None
            remembers them all, as ``crowdpulse ingest`` does. Either way the keys
            are the same in every process, so a saved stream resumes exactly.

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
        dedupe_hours: float | None = None,
    ) -> None:
        kind, name = parse_target(target)
        self.target = target
        self.options = options or FirestormOptions()
        self._step = self.options.bucket_minutes * _US_PER_MINUTE
        self._origin_us = None if origin is None else to_micros(origin, "origin")
        self._end_us = None if end is None else to_micros(end, "end")
        if (
            self._origin_us is not None
            and self._end_us is not None
            and self._end_us <= self._origin_us
        ):
            raise ConfigError("the end must come after the origin", field="end")
        self._lexicon = lexicon
        self._dedupe: WindowDedupe | None = None
        if ingest_options is not None and ingest_options.dedupe:
            window = None if dedupe_hours is None else int(dedupe_hours * 3_600_000_000)
            self._dedupe = WindowDedupe(window)
            ingest_options = replace(ingest_options, dedupe=False)
        self._filter = PostFilter(ingest_options) if ingest_options is not None else None
        self._on_bucket = on_bucket
        self._detector = self.options.detector()
        self.monitor = EpisodeMonitor(
            ("@" if kind == "mention" else "#") + name, options=self.options.monitor
        )
        self._episodes: list[EpisodeAlert] = []
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
        return from_micros(self._origin_us + bucket * self._step)

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

    def take_episodes(self) -> list[EpisodeAlert]:
        """Return the early-warning alerts raised since the last call (and forget them)."""
        out, self._episodes = self._episodes, []
        return out

    def prime(self, history: pa.Table) -> int:
        """Prime the early-warning baselines with earlier posts (no alert is raised).

        Args:
            history: Posts of the post schema from before the stream (e.g. the day
                before); they go into buckets of their own, from their first post.

        Returns:
            The buckets of history used.
        """
        if history.num_rows == 0:
            return 0
        counts = bucket_counts(history, self.target, bucket_minutes=self.options.bucket_minutes)
        c, n, d = (
            np.asarray(counts.column(k).to_numpy(), dtype=np.float64)
            for k in ("target_posts", "posts", "in_degree")
        )
        for i in range(c.size):
            self.monitor.update(c[i], posts=n[i], in_degree=d[i], history=True)
        return int(c.size)

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
        if self._dedupe is not None:
            posts, reasons = self._dedupe.apply(posts)
            self.stats.filtered.update(reasons)
            if posts.num_rows == 0:
                return []
        times = posts.column("created_at")
        if self._origin_us is None:
            valid = assign_buckets(times, minutes=self.options.bucket_minutes)
            if not (valid.index >= 0).any():
                self.stats.no_time += posts.num_rows
                return []
            self._origin_us = to_micros(valid.origin)
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
        mask = target_post_mask(table, self.target)
        degree = target_in_degree(table, self.target, np.zeros(table.num_rows, np.int64), 1, mask)
        self._episodes += self.monitor.update(
            values["target_posts"],
            posts=values["posts"],
            in_degree=float(degree[0]),
            moved=[a.series for a in alerts if a.direction == "up" and is_lexical_series(a.series)],
            time=start,
            bucket_minutes=options.bucket_minutes,
        )
        self.stats.buckets += 1
        self.stats.alerts += len(alerts)
        self._current += 1
        return alerts


# -- JSON lines in -------------------------------------------------------------------


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
        fmt: A format of :mod:`crowdpulse.io.registry` that is one record a line
            (``"mastodon"``, ``"bluesky-jetstream"``, ``"v1"``, ...; default: told
            from the records).
        name: The source's name for rejects.

    Returns:
        The :class:`~crowdpulse.io.records.ReadBatch`: posts, rejects and notices.
    """
    numbered = [(first_line + i, line) for i, line in enumerate(lines) if line.strip()]
    if not numbered:
        return ReadBatch()
    reader = LineReader(name, fmt)
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


def _line_chunks(
    source: str | Path | BinaryIO,
    *,
    follow: bool = False,
    poll_seconds: float = 1.0,
    idle_timeout: float | None = None,
    chunk_bytes: int = 1 << 20,
    skip_bytes: int = 0,
    first_line: int = 1,
) -> Iterator[tuple[int, list[bytes], int]]:
    """:func:`iter_line_chunks` with the byte offset after each run of lines.

    ``skip_bytes`` bytes are skipped first (a seek for a plain file, read and
    dropped otherwise); line numbers start at ``first_line``.
    """
    handle, _, owned = _open(source, follow)
    reader = getattr(handle, "read1", handle.read)
    try:
        if skip_bytes:
            seekable = False
            with contextlib.suppress(AttributeError, OSError, ValueError):
                seekable = bool(handle.seekable())
            if seekable and isinstance(source, (str, Path)):
                from crowdpulse.io.source import compression_of

                seekable = compression_of(Path(source)) is None
            if seekable:
                handle.seek(skip_bytes)
            else:
                left = skip_bytes
                while left > 0:
                    dropped = handle.read(min(left, chunk_bytes))
                    if not dropped:
                        break
                    left -= len(dropped)
        pending = b""
        offset = skip_bytes
        line = first_line
        idle_since = time.monotonic()
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
                offset += cut + 1  # data starts where the previous pending bytes did
                lines = data[:cut].split(b"\n")
                yield line, [x.rstrip(b"\r") for x in lines], offset
                line += len(lines)
                continue
            if follow and (idle_timeout is None or time.monotonic() - idle_since < idle_timeout):
                time.sleep(poll_seconds)
                continue
            break
        if pending:
            offset += len(pending)
            yield line, [pending.rstrip(b"\r")], offset
    finally:
        if owned:
            handle.close()


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
    for first, lines, _ in _line_chunks(
        source,
        follow=follow,
        poll_seconds=poll_seconds,
        idle_timeout=idle_timeout,
        chunk_bytes=chunk_bytes,
    ):
        yield first, lines


STATE_VERSION = 1
"""Version of the ``watch --state`` checkpoint format."""


@dataclass
class WatchState:
    """What a restarted :func:`watch` needs to continue where it stopped.

    Attributes:
        stream: The :class:`FirestormStream` (its current bucket, network window,
            detector rings, early-warning baselines and open episode, dedupe keys,
            counts).
        source: The input's name (a restart must read the same input).
        offset: Bytes of input consumed (whole lines).
        line: Number of the next input line.
        format: The input format told from the first records.
        quarantine_bytes: Size of the quarantine file at the checkpoint (a restart
            cuts it back to this, so no rejected line is written twice).
        emitted: Alerts given out up to the checkpoint.
        finished: The input had ended (the last bucket was closed).
        pending: The alerts of the last chunk, saved before any of them is given out.
        delivered: How many of ``pending`` the consumer has taken (a restart gives out
            the rest first, so a kill loses no alert and repeats at most the one being
            printed when it came).
    """

    stream: FirestormStream
    source: str
    offset: int = 0
    line: int = 1
    format: LineFormat | None = None
    quarantine_bytes: int = 0
    emitted: int = 0
    finished: bool = False
    pending: tuple[Any, ...] = ()
    delivered: int = 0

    def save(self, path: str | Path, *, durable: bool = True) -> None:
        """Write the checkpoint atomically (temporary beside it, fsync, rename).

        Args:
            path: The state file.
            durable: Fsync it (see :func:`crowdpulse.io.atomic.atomic_path`).
        """
        import pickle

        from crowdpulse.io.atomic import atomic_open

        payload = {"version": STATE_VERSION, "state": self}
        with atomic_open(path, "wb", durable=durable) as handle:
            pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def load(path: str | Path) -> WatchState:
        """Read a checkpoint written by :meth:`save`.

        Raises:
            InputError: The file is not a crowdpulse watch state.
        """
        import pickle

        try:
            with open(path, "rb") as handle:
                payload = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            raise InputError(f"not a watch state file: {exc}", path=str(path)) from None
        if not isinstance(payload, dict) or payload.get("version") != STATE_VERSION:
            raise InputError("not a watch state file of this version", path=str(path))
        state = payload["state"]
        if not isinstance(state, WatchState):
            raise InputError("not a watch state file", path=str(path))
        return state


def _read_guarded(reader: LineReader, lines: list[bytes], numbers: list[int]) -> ReadBatch:
    """Read a run of lines; if the readers fail on it, read line by line.

    A line the readers cannot take (a wrong type in a known field, say) becomes a
    rejected record with its line number and the reason; it never ends the stream.
    """
    from crowdpulse.exceptions import CrowdpulseError
    from crowdpulse.io.records import Rejected, excerpt

    errors = (CrowdpulseError, pa.ArrowException, ValueError, TypeError, KeyError, OverflowError)
    try:
        return reader.read(lines, numbers)
    except errors:
        pass
    out = ReadBatch()
    parts: list[pa.Table] = []
    for line, number in zip(lines, numbers, strict=True):
        try:
            batch = reader.read([line], [number])
        except errors as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            out.rejected.append(Rejected(reader.name, number, reason, None, excerpt(line)))
            continue
        if batch.posts.num_rows:
            parts.append(batch.posts)
        out.rejected += batch.rejected
        out.notices.update(batch.notices)
    if parts:
        out.posts = pa.concat_tables(parts, promote_options="permissive")
    return out


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
    episodes: bool = False,
    history: pa.Table | None = None,
    dedupe_hours: float | None = None,
    state: str | Path | None = None,
    checkpoint_buckets: int = 48,
    quarantine: str | Path | None = None,
) -> Generator[Any, None, None]:
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
        episodes: Yield early-warning :class:`~crowdpulse.firestorm.monitor.EpisodeAlert`
            objects instead of per-series change points.
        history: Earlier posts that prime the early-warning baselines.
        dedupe_hours: Remember ids and texts for this many hours only
            (:class:`WindowDedupe`); None: for the whole stream.
        state: A checkpoint file: read at the start when it exists (the stream
            continues where it stopped: input position, buckets, baselines, open
            episodes, dedupe keys), written atomically every ``checkpoint_buckets``
            buckets, before any alert is given out, and at the end.
        checkpoint_buckets: Buckets between checkpoints.
        quarantine: A JSON-lines file for rejected lines (line number, reason,
            excerpt), appended to.

    With ``ingest_options.pseudonymize_salt``, every post is pseudonymised as it
    arrives (:func:`~crowdpulse.io.pseudonym.pseudonymize_table`; the target must be
    the pseudonym, :func:`~crowdpulse.io.pseudonym.pseudonymize_target`) and quarantine
    excerpts follow ``quarantine_excerpts``. The salt stays in this call: it is never
    in the state file.

    Yields:
        Alerts, as soon as the bucket that raises them closes. The last bucket
        closes at the end of the input.

    Raises:
        InputError: The source cannot be read, or the state file is not a state.
        ConfigError: An option or the target is invalid.
    """
    if isinstance(source, (str, Path)):
        name = "<stdin>" if str(source) == "-" else str(source)
    else:
        name = str(getattr(source, "name", "<stream>"))
    salt = ingest_options.pseudonymize_salt if ingest_options is not None else None
    if ingest_options is not None and salt:  # the stream (pickled to --state) never holds it
        excerpts = ingest_options.quarantine_excerpts
        ingest_options = replace(ingest_options, pseudonymize_salt=None)
    saved: WatchState | None = None
    if state is not None and Path(state).exists():
        saved = WatchState.load(state)
        if saved.source != name:
            raise InputError(
                f"the state file belongs to {saved.source!r}, not {name!r}", path=str(state)
            )
    if saved is None:
        stream = FirestormStream(
            target,
            options=options,
            origin=origin,
            lexicon=lexicon,
            ingest_options=ingest_options,
            dedupe_hours=dedupe_hours,
        )
        if history is not None:
            stream.prime(history)
        current = WatchState(stream=stream, source=name, format=fmt)
    else:
        current = saved
        stream = saved.stream
        stream._closed = False  # more input may have arrived since the end
    if stats is not None:
        stats.__dict__.update(stream.stats.__dict__)
        stream.stats = stats
    reader = LineReader(name, current.format)
    qhandle = None
    if quarantine is not None:
        qpath = Path(quarantine)
        if saved is not None and qpath.exists():
            with open(qpath, "r+b") as cut:
                cut.truncate(min(saved.quarantine_bytes, qpath.stat().st_size))
        elif saved is None and qpath.exists():
            qpath.write_bytes(b"")
        qhandle = open(qpath, "ab")  # noqa: SIM115 - closed in finally
        current.quarantine_bytes = qhandle.tell()
    since_save = 0
    dirty = False  # input read since the last checkpoint
    consistent = True  # the stream and the input position agree

    def checkpoint(durable: bool = True) -> None:
        nonlocal since_save, dirty
        if state is None:
            return
        if qhandle is not None:
            qhandle.flush()
            current.quarantine_bytes = qhandle.tell()
        current.format = reader.format
        current.save(state, durable=durable)
        since_save = 0
        dirty = False

    def take(raised: list[Alert]) -> list[Any]:
        news = stream.take_episodes()
        return list(news) if episodes else list(raised)

    def deliver(out: Sequence[Any], start: int = 0) -> Iterator[Any]:
        # The alerts are saved before the first leaves, and each counts as given out
        # only when the consumer asks for the next one (it has printed and flushed it):
        # a kill at any moment loses none and repeats at most the one being printed.
        current.pending, current.delivered = tuple(out), start
        checkpoint()
        for alert in current.pending[start:]:
            yield alert
            current.delivered += 1
            current.emitted += 1
            checkpoint(durable=False)  # a kill keeps it; a power cut costs only repeats
        current.pending, current.delivered = (), 0

    try:
        if current.delivered < len(current.pending):  # a restart: what was not taken
            yield from deliver(current.pending, current.delivered)
        for first, lines, offset in _line_chunks(
            source,
            follow=follow,
            poll_seconds=poll_seconds,
            idle_timeout=idle_timeout,
            skip_bytes=current.offset,
            first_line=current.line,
        ):
            numbered = [(first + i, x) for i, x in enumerate(lines) if x.strip()]
            if not numbered:
                current.offset, current.line = offset, first + len(lines)
                dirty = True
                continue
            consistent = False  # until the chunk is in the stream and the position moved
            stream.stats.lines += len(numbered)
            batch = _read_guarded(reader, [x for _, x in numbered], [n for n, _ in numbered])
            stream.stats.records += batch.records
            stream.stats.rejected += len(batch.rejected)
            stream.stats.notices += sum(batch.notices.values())
            if qhandle is not None:
                for rejected in batch.rejected:
                    if salt:
                        private = private_excerpt(rejected.raw, salt, excerpts)
                        rejected = replace(rejected, raw=private)
                    qhandle.write(orjson.dumps(rejected.as_dict()) + b"\n")
            before = stream.stats.buckets
            posts = batch.posts
            if salt and posts.num_rows:
                posts = pseudonymize_table(posts, salt)
            out = take(stream.add(posts))
            current.offset, current.line = offset, first + len(lines)
            consistent = dirty = True
            since_save += stream.stats.buckets - before
            if out:
                yield from deliver(out)
            elif since_save >= checkpoint_buckets:
                checkpoint()
        if not current.finished:
            out = take(stream.close())
            current.finished = True
            if out:
                yield from deliver(out)
            else:
                checkpoint()
    finally:
        # On exit (end, Ctrl-C, a closed pipe): save what was read since the last
        # checkpoint, unless the exit came in the middle of a chunk.
        if state is not None and dirty and consistent:
            with contextlib.suppress(OSError):
                checkpoint()
        if qhandle is not None:
            qhandle.close()


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
        reader = pq.ParquetFile(path, pre_buffer=False)  # batches: keep no read chunks
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
