"""The firestorm in bounded memory: the corpus cut into time chunks (issue 12).

:func:`firestorm_file` runs what :func:`~crowdpulse.firestorm.run_firestorm`,
:func:`~crowdpulse.firestorm.network_analyses` and
:func:`~crowdpulse.network.gexf.write_peak_networks` do on a whole table, without
ever holding the corpus:

1. **Split** (one task per partition of Parquet row groups): each batch keeps the
   columns the analyses read (:class:`~crowdpulse.firestorm.pipeline.Projection`,
   lexicon features added when missing) and its rows go to Parquet part files of
   their *time chunk* (``chunk_buckets`` buckets, one day by default, counted from
   the grid's origin; posts before the origin or after the end get chunks too,
   posts without a time a chunk of their own) in a temporary folder beside the
   outputs. Nothing assumes the corpus is in time order.
2. **Per-bucket analyses** (one task per chunk): the chunk's posts and those of
   the ``window_buckets - 1`` buckets before it (the window overlap) give the
   mention network's window metrics, the series, the ground-truth counts, the
   target's in-degree (and, before the grid, the monitor's history) of the
   chunk's own buckets. Detection and evaluation then run on the per-bucket
   tables (:func:`~crowdpulse.firestorm.pipeline.finish_firestorm`).
3. **Periods and peak networks**: the periods test reads only the posts of the
   week before the ground-truth start and the target's posts of the week from
   it; the peak networks only the posts of the peak window, with the account
   labels looked up chunk by chunk.

Every output equals the whole-table path's on the posts in *canonical order*
(:func:`canonical_order`: by time, then by post id, posts without a time last):
each chunk is put in that order before it is analysed, so float sums (lexical
means, the periods' Welch tests) add the same numbers in the same order whatever
the order of the corpus's rows, the chunk length or the number of workers. A
corpus written in time order (as ``crowdpulse synth`` writes it) is already in
canonical order, so its outputs are those of ``run_firestorm`` on the file as read.

Memory holds one chunk and its overlap per task (plus, on the client, one value
per bucket, the posts of the periods test and of the peak window), not the
corpus. The tasks run on a :mod:`crowdpulse.engine` engine: in this process, or
as tasks of a Dask cluster that can read the temporary folder.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.firestorm.pipeline import (
    FirestormOptions,
    FirestormResult,
    NetworkAnalyses,
    Projection,
    bucket_counts,
    finish_firestorm,
    network_outputs,
)
from crowdpulse.network.buckets import BucketAssignment, TimeLike, from_micros, times_to_micros

if TYPE_CHECKING:
    from crowdpulse.engine import Engine

__all__ = [
    "ORDER_COLUMNS",
    "CorpusFirestorm",
    "canonical_order",
    "default_chunk_buckets",
    "firestorm_file",
]

ORDER_COLUMNS = ("created_at", "id")
"""The canonical order of posts: by time, then by post id (ties keep their order)."""

_NO_TIME = -(2**62)
"""The chunk number of the posts without a time."""
_HISTORY_BUCKETS = 7 * 48  # as pipeline.history_counts
_PERIOD = timedelta(days=7)  # compare_periods' default periods
_US = timedelta(microseconds=1)


def canonical_order(table: pa.Table) -> pa.Table:
    """Put posts in canonical order: by ``created_at``, then ``id``; no time last.

    Args:
        table: A corpus table.

    Returns:
        The table sorted (the same object when it already is).
    """
    if table.num_rows < 2:
        return table
    keys = [(n, "ascending", "at_end") for n in ORDER_COLUMNS if n in table.column_names]
    order = pc.sort_indices(table, sort_keys=keys)
    if np.array_equal(np.asarray(order), np.arange(table.num_rows)):
        return table
    return table.take(order)


def default_chunk_buckets(bucket_minutes: int) -> int:
    """Buckets per time chunk: one day's (at least one bucket)."""
    return max(1, 1440 // int(bucket_minutes))


def _chunk_dir(folder: str, chunk: int) -> Path:
    return Path(folder) / ("none" if chunk == _NO_TIME else f"c{chunk}")


def _read_chunks(
    folder: str,
    schema: pa.Schema,
    chunks: Iterable[int],
    lo_us: int | None = None,
    hi_us: int | None = None,
    *,
    columns: Sequence[str] | None = None,
) -> pa.Table:
    """The rows of some chunks with a time in ``[lo_us, hi_us)``, in canonical order.

    Each part file is filtered as it is read, so memory holds only the rows kept.
    Without bounds every row is kept, those without a time too.
    """
    names = list(schema.names if columns is None else columns)
    tables = []
    for chunk in chunks:
        for path in sorted(_chunk_dir(folder, chunk).glob("p*.parquet")):
            table = pq.read_table(path, columns=names)
            if lo_us is not None or hi_us is not None:
                micros, keep = _micros(table)
                if lo_us is not None:
                    keep &= micros >= lo_us
                if hi_us is not None:
                    keep &= micros < hi_us
                if not keep.all():
                    table = table.filter(pa.array(keep))
            tables.append(table)
    empty = schema.empty_table().select(names)
    return canonical_order(pa.concat_tables([empty, *tables]) if tables else empty)


def _micros(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    return times_to_micros(table.column("created_at"))


# ------------------------------------------------------------------ 1. split


@dataclass(frozen=True)
class _SplitJob:
    projection: Projection
    folder: str
    origin_us: int
    chunk_us: int
    end_us: int | None


@dataclass(frozen=True)
class _SplitStats:
    rows: int
    inside: int
    first: int | None
    last: int | None


def _split(job: _SplitJob, part: Sequence[int]) -> _SplitStats:
    """Write the rows of some row groups (``part[0]``: the partition) to their chunks.

    Each batch's rows are appended to the partition's part file of their chunk as
    they come (one Parquet writer per chunk touched), so memory holds one batch.
    """
    from crowdpulse.io.corpus import iter_row_groups

    number, groups = int(part[0]), list(part[1:])
    writers: dict[int, pq.ParquetWriter] = {}
    rows = inside = 0
    first: int | None = None
    last: int | None = None
    projection = job.projection
    try:
        for batch in iter_row_groups(
            projection.path,
            groups,
            batch_size=projection.batch_size,
            columns=list(projection.columns),
        ):
            table = projection.project(pa.Table.from_batches([batch]))
            micros, valid = _micros(table)
            rows += table.num_rows
            if valid.any():
                times = micros[valid]
                lo, hi = int(times.min()), int(times.max())
                first = lo if first is None else min(first, lo)
                last = hi if last is None else max(last, hi)
            grid = valid & (micros >= job.origin_us)
            if job.end_us is not None:
                grid &= micros < job.end_us
            inside += int(grid.sum())
            chunk = np.where(valid, (micros - job.origin_us) // job.chunk_us, _NO_TIME)
            for key in np.unique(chunk).tolist():
                piece = table.filter(pa.array(chunk == key))
                writer = writers.get(key)
                if writer is None:
                    folder = _chunk_dir(job.folder, key)
                    folder.mkdir(parents=True, exist_ok=True)
                    path = folder / f"p{number:06d}.parquet"
                    writer = writers[key] = pq.ParquetWriter(path, piece.schema)
                writer.write_table(piece)
    finally:
        for writer in writers.values():
            writer.close()
    return _SplitStats(rows, inside, first, last)


# ---------------------------------------------------- 2. per-bucket analyses


@dataclass(frozen=True)
class _ChunkJob:
    folder: str
    schema: pa.Schema
    target: str
    options: FirestormOptions
    origin_us: int
    end_us: int | None
    count: int
    history: int
    chunk_buckets: int


@dataclass(frozen=True)
class _ChunkResult:
    lo: int
    metrics: pa.Table | None = None
    series: pa.Table | None = None
    posts: np.ndarray | None = None
    target_posts: np.ndarray | None = None
    top_other: np.ndarray | None = None
    in_degree: np.ndarray | None = None
    history: pa.Table | None = None


def _step_us(options: FirestormOptions) -> int:
    return int(options.bucket_minutes) * 60_000_000


def _analyse_chunk(job: _ChunkJob, part: Sequence[int]) -> _ChunkResult:
    """The per-bucket tables of one chunk's buckets (history buckets when negative)."""
    from crowdpulse.firestorm.series import detection_series, target_in_degree
    from crowdpulse.firestorm.truth import target_counts
    from crowdpulse.network.windows import window_metrics

    chunk = int(part[0])
    options = job.options
    step = _step_us(options)
    size = job.chunk_buckets
    lo, hi = chunk * size, (chunk + 1) * size
    if chunk < 0:  # before the grid: what primes the monitor
        lo, hi = max(lo, -job.history), min(hi, 0)
        t0, t1 = job.origin_us + lo * step, job.origin_us + hi * step
        table = _read_chunks(job.folder, job.schema, [chunk], t0, t1)
        counts = bucket_counts(
            table,
            job.target,
            bucket_minutes=options.bucket_minutes,
            origin=from_micros(t0),
            end=from_micros(t1),
        )
        return _ChunkResult(lo, history=counts)
    hi = min(hi, job.count)
    first = lo - min(options.window_buckets - 1, lo)  # the window overlap
    t0, t1 = job.origin_us + first * step, job.origin_us + hi * step
    if job.end_us is not None:
        t1 = min(t1, job.end_us)
    chunks = range(first // size, chunk + 1)
    table = _read_chunks(job.folder, job.schema, chunks, t0, t1)
    micros, _ = _micros(table)
    local = (micros - t0) // step
    minutes = options.bucket_minutes
    window_grid = BucketAssignment(local, from_micros(t0), minutes, hi - first)
    metrics = window_metrics(
        table,
        network="mention",
        bucket_minutes=minutes,
        window_buckets=options.window_buckets,
        grid=window_grid,
    ).slice(lo - first)
    # the chunk's own posts: a tail of the rows, which are in time order
    own_from = int(np.searchsorted(micros, job.origin_us + lo * step))
    own = table.slice(own_from)
    own_index = local[own_from:] - (lo - first)
    grid = BucketAssignment(own_index, from_micros(job.origin_us + lo * step), minutes, hi - lo)
    series = detection_series(
        own,
        job.target,
        bucket_minutes=minutes,
        window_buckets=options.window_buckets,
        categories=options.categories,
        subsets=options.subsets,
        lexical=options.lexical,
        network=options.network,
        metrics=metrics,
        grid=grid,
    )
    counts = target_counts(own, job.target, bucket_minutes=minutes, grid=grid)
    numbers = pa.array(np.arange(lo, hi, dtype=np.int64))
    return _ChunkResult(
        lo,
        metrics=metrics.set_column(0, "window", numbers).replace_schema_metadata(None),
        series=series.set_column(0, "bucket", numbers),
        posts=grid.counts(),
        target_posts=counts.target_posts,
        top_other=counts.top_other,
        in_degree=target_in_degree(own, job.target, grid.index, hi - lo),
    )


# ------------------------------------------------- 3. periods, peak networks


@dataclass(frozen=True)
class _LateJob:
    folder: str
    schema: pa.Schema
    target: str
    split_us: int | None
    nodes: pa.Array | None


def _late_chunk(job: _LateJob, part: Sequence[int]) -> tuple[pa.Table | None, list[dict[str, str]]]:
    """One chunk's share of the periods test and of the peak accounts' labels."""
    from crowdpulse.firestorm.truth import target_post_mask
    from crowdpulse.network.edges import mention_post_mask
    from crowdpulse.network.gexf import LABEL_COLUMNS, first_handles

    chunk = int(part[0])
    labels: list[dict[str, str]] = []
    if job.nodes is not None and len(job.nodes):
        wanted = {*ORDER_COLUMNS, *(name for pair in LABEL_COLUMNS for name in pair)}
        columns = [n for n in job.schema.names if n in wanted]
        table = _read_chunks(job.folder, job.schema, [chunk], columns=columns)
        labels = [first_handles(table, ids, handles, job.nodes) for ids, handles in LABEL_COLUMNS]
    rows = None
    if job.split_us is not None and chunk != _NO_TIME:
        width = _PERIOD // _US
        lo, hi = job.split_us - width, job.split_us + width
        table = _read_chunks(job.folder, job.schema, [chunk], lo, hi)
        micros, _ = _micros(table)
        keep = micros < job.split_us  # the week before, then the target's posts
        keep |= ~keep & target_post_mask(table, job.target)
        if keep.any():
            lexical = [n for n in table.column_names if n.startswith("lex_")]
            mention = mention_post_mask(table)[keep]
            rows = (
                table.filter(pa.array(keep))
                .select(["created_at", *lexical])
                .append_column("mention post", pa.array(mention))
            )
    return rows, labels


def _periods(rows: pa.Table, split_us: int) -> pa.Table:
    """:func:`~crowdpulse.network.compare_periods` of the target's posts on the gathered rows.

    ``rows`` holds the week before ``split_us`` and the target's posts of the week
    from it, in canonical order, with a ``mention post`` column: the whole
    table's selections, in the same order, so the same numbers.
    """
    from crowdpulse.network.lexical import compare_groups

    micros, _ = _micros(rows)
    later = micros >= split_us
    masks = {
        "all": np.ones(rows.num_rows, dtype=bool),
        "mention": np.asarray(rows.column("mention post").to_numpy(zero_copy_only=False)),
    }
    table = rows.drop_columns(["mention post"])
    parts = []
    for subset, mask in masks.items():
        result = compare_groups(
            table, later & mask, ~later & mask, alpha=0.01, names=("after", "before")
        )
        parts.append(
            result.add_column(0, "subset", pa.array([subset] * result.num_rows, pa.string()))
        )
    return pa.concat_tables(parts)


def _peak_nodes(table: pa.Table) -> pa.Array:
    from crowdpulse.network.edges import network_edges

    ends = []
    for network in ("mention", "retweet"):
        edges = network_edges(table, network)
        ends += [edges.source, edges.target]
    return pc.unique(pa.chunked_array(ends, type=pa.string()))


# ----------------------------------------------------------------- driver


@dataclass
class CorpusFirestorm:
    """What :func:`firestorm_file` computed and wrote.

    Attributes:
        result: The :class:`~crowdpulse.firestorm.FirestormResult`.
        files: Name -> path of every file written.
        analyses: Figure 2, the periods and Figure 4
            (:class:`~crowdpulse.firestorm.pipeline.NetworkAnalyses`).
        window: The peak window ``(start, end)`` of the network files, or None.
        networks: Per network (``mention``, ``retweet``) of the peak window:
            ``nodes``, ``edges`` and ``target_found`` (empty without a peak).
        chunks: Time chunks the corpus was cut into.
    """

    result: FirestormResult
    files: dict[str, str]
    analyses: NetworkAnalyses
    window: tuple[datetime, datetime] | None = None
    networks: dict[str, dict[str, Any]] | None = None
    chunks: int = 0


def _map(
    engine: Engine | None,
    fn: Callable[[Any, Sequence[int]], Any],
    parts: Sequence[Sequence[int]],
    job: Any,
    description: str,
    quiet: bool,
) -> list[Any]:
    from crowdpulse.engine import LocalEngine
    from crowdpulse.progress import progress

    engine = engine or LocalEngine()
    out = []
    with progress(description, total=len(parts), quiet=quiet) as bar:
        for done in engine.map(fn, parts, job):
            out.append(done)
            bar.advance()
    return out


def _concat(tables: Sequence[pa.Table]) -> pa.Table:
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def firestorm_file(
    corpus: str | Path,
    target: str,
    out_dir: str | Path,
    *,
    options: FirestormOptions | None = None,
    origin: TimeLike | None = None,
    end: TimeLike | None = None,
    event: str = "event",
    lexicon: Any = "open",
    figures: bool = True,
    quiet: bool = True,
    use_history: bool = True,
    engine: Engine | None = None,
    batch_size: int = 65_536,
    chunk_buckets: int | None = None,
) -> CorpusFirestorm:
    """Run the firestorm on a corpus file in time chunks and write every output.

    Writes what :meth:`FirestormResult.write
    <crowdpulse.firestorm.FirestormResult.write>`,
    :func:`~crowdpulse.firestorm.network_analyses` and
    :func:`~crowdpulse.network.gexf.write_peak_networks` write for the corpus in
    canonical order, holding one time chunk at a time (see the module's text).

    Args:
        corpus: A Parquet corpus or features file.
        target: ``@account`` or ``#hashtag``.
        out_dir: Folder for the outputs (the chunks' temporary folder goes in it
            while the analysis runs).
        options: The settings (default: the paper's).
        origin: Start of bucket 0 (default: the first post's time floored).
        end: End of the grid, exclusive (default: the last post's bucket).
        event: The event's name.
        lexicon: Lexicon for the features when the file lacks ``lex_*`` columns.
        figures: Draw the figures.
        quiet: Show no progress bars.
        use_history: Prime the monitor with the posts before ``origin``.
        engine: Where the tasks run (default: this process).
        batch_size: Posts per batch when reading the corpus (and fewest rows per
            partition of row groups).
        chunk_buckets: Buckets per time chunk (default: one day's).

    Returns:
        The :class:`CorpusFirestorm`.

    Raises:
        InputError: The corpus cannot be read, or no post falls into the grid.
        ConfigError: An option or the target is invalid.
    """
    from crowdpulse.engine import partitions
    from crowdpulse.firestorm.truth import parse_target, truth_from_counts
    from crowdpulse.network.buckets import to_micros

    options = options or FirestormOptions()
    parse_target(target)
    size = default_chunk_buckets(options.bucket_minutes) if chunk_buckets is None else chunk_buckets
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigError("expected a whole number of at least 1", field="chunk_buckets")
    step = _step_us(options)
    projection = Projection.of(
        corpus, lexical=options.lexical, lexicon=lexicon, batch_size=batch_size, extra=("id",)
    )
    origin_us = None if origin is None else to_micros(origin, "origin")
    end_us = None if end is None else to_micros(end, "end")
    if origin_us is None:  # the first post's time floored: one pass over the times
        origin_us = _first_time(corpus, batch_size)
        origin_us = 0 if origin_us is None else (origin_us // step) * step
    if end_us is not None and end_us <= origin_us:
        raise ConfigError("the end must come after the origin", field="end")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    folder = tempfile.mkdtemp(prefix=".firestorm-chunks-", dir=out)
    try:
        schema = projection.empty().schema
        parts = [(i, *groups) for i, groups in enumerate(partitions(corpus, batch_size))]
        split = _SplitJob(projection, folder, origin_us, size * step, end_us)
        stats: list[_SplitStats] = _map(engine, _split, parts, split, "firestorm: split", quiet)
        first = min((s.first for s in stats if s.first is not None), default=None)
        last = max((s.last for s in stats if s.last is not None), default=None)
        if end_us is not None:
            count = -(-(end_us - origin_us) // step)
        else:
            count = (last - origin_us) // step + 1 if last is not None and last >= origin_us else 0
        if count == 0 or not sum(s.inside for s in stats):
            raise InputError(
                "no post has a time inside the bucket grid (empty corpus, or wrong start/end)",
                field="created_at",
            )
        history = 0
        if use_history and origin is not None and first is not None and first < origin_us:
            history = min(-(-(origin_us - first) // step), _HISTORY_BUCKETS)
        job = _ChunkJob(folder, schema, target, options, origin_us, end_us, count, history, size)
        chunk_parts = [(c,) for c in range((-history) // size, (count - 1) // size + 1)]
        done: list[_ChunkResult] = _map(
            engine, _analyse_chunk, chunk_parts, job, "firestorm: chunks", quiet
        )
        pa.default_memory_pool().release_unused()  # what the chunks' tasks freed
        grid = [d for d in done if d.series is not None]
        before = [d.history for d in done if d.history is not None]
        metrics = _concat([d.metrics for d in grid if d.metrics is not None])
        settings = {
            "network": "mention",
            "bucket_minutes": options.bucket_minutes,
            "window_buckets": options.window_buckets,
            "origin": from_micros(origin_us).isoformat(),
            "include_retweets": False,
        }
        metrics = metrics.replace_schema_metadata({"crowdpulse.network": json.dumps(settings)})

        def joined(name: str) -> np.ndarray:
            return np.concatenate([getattr(d, name) for d in grid])

        truth = truth_from_counts(
            target,
            origin=from_micros(origin_us),
            bucket_minutes=options.bucket_minutes,
            window_buckets=options.window_buckets,
            min_count=options.min_count,
            posts=joined("posts"),
            target_posts=joined("target_posts"),
            top_other=joined("top_other"),
            max_in_degree=np.asarray(metrics.column("max_in_degree").to_numpy()),
        )
        result = finish_firestorm(
            _concat([d.series for d in grid if d.series is not None]),
            metrics,
            truth,
            joined("in_degree"),
            options=options,
            history=_concat(before) if before else None,
            event=event,
        )
        files = result.write(out, figures=figures)
        lexical = any(n.startswith("lex_") for n in schema.names)
        done_late = _late(result, job, lexical=lexical, engine=engine, quiet=quiet)
        analyses = network_outputs(result, out, done_late.periods, lexical=lexical, figures=figures)
        files.update(analyses.files)
        done_late.rows.clear()  # the periods' posts are no longer needed
        pa.default_memory_pool().release_unused()
        networks = None
        if done_late.window is not None:
            from crowdpulse.network.gexf import write_networks

            written = write_networks(
                done_late.read_window(),
                out,
                done_late.window[0],
                done_late.window[1],
                bucket_minutes=options.bucket_minutes,
                target=result.target,
                labels=done_late.labels,
            )
            files.update({name: str(path) for name, path in written["files"].items()})
            networks = written["networks"]
        return CorpusFirestorm(
            result, files, analyses, done_late.window, networks, chunks=len(chunk_parts)
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _written_chunks(folder: str) -> list[int]:
    """The chunks the split wrote, in canonical order (time order; no time last)."""
    numbers = sorted(
        int(path.name[1:])
        for path in Path(folder).iterdir()
        if path.is_dir() and path.name.startswith("c")
    )
    if (Path(folder) / "none").is_dir():
        numbers.append(_NO_TIME)
    return numbers


@dataclass
class _Late:
    periods: Callable[[datetime], pa.Table]
    rows: list[pa.Table]
    window: tuple[datetime, datetime] | None
    read_window: Callable[[], pa.Table]
    labels: dict[str, str]


def _late(
    result: FirestormResult,
    job: _ChunkJob,
    *,
    lexical: bool,
    engine: Engine | None,
    quiet: bool,
) -> _Late:
    """Gather the periods' posts, the peak window's posts and its accounts' labels."""
    from crowdpulse.network.buckets import to_micros
    from crowdpulse.network.gexf import peak_window

    chunks = _written_chunks(job.folder)
    span = job.chunk_buckets * _step_us(job.options)

    def overlapping(lo_us: int, hi_us: int) -> list[int]:
        first, last = (lo_us - job.origin_us) // span, (hi_us - 1 - job.origin_us) // span
        return [c for c in chunks if c != _NO_TIME and first <= c <= last]

    start = result.truth.time(result.truth.start_bucket)
    split_us = to_micros(start) if start is not None and lexical else None
    window = peak_window(result)
    nodes = None

    def read_window() -> pa.Table:
        assert window is not None
        w0, w1 = to_micros(window[0]), to_micros(window[1])
        return _read_chunks(job.folder, job.schema, overlapping(w0, w1), w0, w1)

    if window is not None:  # its posts are read again when its networks are drawn
        nodes = _peak_nodes(read_window())
    wanted = set(chunks) if nodes is not None and len(nodes) else set()
    if split_us is not None:
        width = _PERIOD // _US
        wanted |= set(overlapping(split_us - width, split_us + width))
    late = _LateJob(job.folder, job.schema, job.target, split_us, nodes)
    parts = [(c,) for c in chunks if c in wanted]
    done = _map(engine, _late_chunk, parts, late, "firestorm: periods and networks", quiet)
    labels: dict[str, str] = {}
    for kind in range(3):  # author, retweeted author, mention: in order of precedence
        for _, found in done:
            for node, label in (found[kind] if found else {}).items():
                labels.setdefault(node, label)
    rows = [r for r, _ in done if r is not None]

    def periods(split: datetime) -> pa.Table:
        assert split_us is not None
        if rows:
            return _periods(_concat(rows), split_us)
        names = ["created_at", *(n for n in job.schema.names if n.startswith("lex_"))]
        empty = job.schema.empty_table().select(names)
        return _periods(empty.append_column("mention post", pa.array([], pa.bool_())), split_us)

    return _Late(periods, rows, window, read_window, labels)


def _first_time(corpus: str | Path, batch_size: int) -> int | None:
    """The earliest post time of a corpus file (microseconds), reading only the times."""
    from crowdpulse.io.corpus import iter_row_groups

    first: int | None = None
    for batch in iter_row_groups(corpus, batch_size=batch_size, columns=["created_at"]):
        micros, valid = times_to_micros(batch.column(0))
        if valid.any():
            low = int(micros[valid].min())
            first = low if first is None else min(first, low)
    return first
