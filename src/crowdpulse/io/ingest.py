"""Ingest: raw files in, one normalised corpus (Parquet) out, with exact accounting.

Every record read ends in exactly one place, so that always::

    read == kept + sum(filtered.values()) + quarantined

- *quarantined*: malformed or unknown records, written with file, line, field and
  reason to the quarantine file (JSON lines);
- *filtered*: well-formed records left out on purpose, counted by reason, checked in
  this order (a record counts under the first reason that applies):
  ``<kind>_notice`` (streaming delete/limit/... notices), ``retweet`` (unless
  ``keep_retweets``), ``lang``, ``no_time`` / ``before_since`` / ``after_until``,
  ``keyword``, ``duplicate_id``, ``duplicate_text`` (the first occurrence is kept;
  retweets are never text duplicates, since each is another account's act, and
  neither are posts without words: media-only or deleted posts);
- *kept*: the posts written to the corpus.

Files are read in blocks, so memory stays bounded whatever their size; only the
dedupe state grows: 8 bytes a kept post for ids and 8 for texts (stable 64-bit
keys in sorted NumPy runs, :mod:`crowdpulse.io.dedupe`), or a bounded part of it
with ``dedupe_store`` (the rest memory-mapped from files).

With a cluster (``engine``) the inputs are read as partitions
(:mod:`crowdpulse.io.partition`: whole files, byte ranges of uncompressed JSON
lines); each task applies the per-post filters and writes its candidates, with
their dedupe keys, to a part file, and the client merges the parts in order
through the one dedupe state, so the corpus, quarantine and counts are those of
one process.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crowdpulse.exceptions import InputError
from crowdpulse.io.atomic import atomic_path, refuse_overwrite, temp_path
from crowdpulse.io.csvfile import CsvReader
from crowdpulse.io.dedupe import Deduper, id_keys, text_keys
from crowdpulse.io.partition import DEFAULT_SPLIT_BYTES, RangeReader, plan_partitions
from crowdpulse.io.pseudonym import private_excerpt, pseudonymize_table, pseudonymized_schema
from crowdpulse.io.records import ReadBatch, Rejected
from crowdpulse.io.registry import TWITTER_FORMATS, get_format, open_platform_reader
from crowdpulse.io.sniff import sniff
from crowdpulse.io.source import iter_array_blocks, iter_blocks, open_binary
from crowdpulse.io.v1 import read_v1_blocks
from crowdpulse.io.v2 import V2Reader
from crowdpulse.progress import progress
from crowdpulse.schema import POST_SCHEMA

if TYPE_CHECKING:
    from crowdpulse.engine import Engine

__all__ = [
    "IngestOptions",
    "IngestSummary",
    "PostFilter",
    "default_quarantine_path",
    "ingest",
    "iter_file_batches",
    "read_posts",
]


@dataclass(frozen=True)
class IngestOptions:
    """What to keep while ingesting.

    Attributes:
        keep_retweets: Keep retweets (dropped by default, as in the papers).
        lang: Keep only posts in this language (e.g. ``"en"``); None keeps all.
        dedupe: Drop repeated ids and repeated texts (the first is kept).
        since: Keep posts at or after this time (aware datetime).
        until: Keep posts before this time.
        keywords: Keep posts whose text or hashtags contain one of these
            (case-insensitive); empty keeps all.
        pseudonymize_salt: Replace account ids and handles by salted hashes.
        quarantine_excerpts: With a salt, what the quarantine keeps of a rejected
            record's raw text: ``"redact"`` (default: only its length) or
            ``"pseudonymize"`` (mentions, account links, handle fields and every
            number of 6 or more digits replaced; a bare handle in a CSV cell cannot
            be recognised, so use it for JSON inputs only).
        csv_map: For CSV inputs: post field -> CSV column.
        input_format: Force a format of :mod:`crowdpulse.io.registry` (``v1``,
            ``v2``, ``twarc2-flat``, ``csv``, ``mastodon``, ...) instead of sniffing.
        time_format: For CSV inputs: ``strftime`` format of the time column
            (recognised from the values if None).
        timezone: For CSV inputs: IANA zone of times without an offset (UTC if None).
        encoding: For CSV inputs: the encoding (None: UTF-8 with a counted
            Windows-1252 fallback per field).
        constants: For CSV inputs: constant fields (``{"mention_handles": "@x"}``).
        allow_empty: Write a corpus even when no post is kept (else an error).
        glob: For folders: read only files whose name matches this pattern.
        strict: Make a skipped input (a file holding no posts) an error.
        dedupe_store: A folder where the dedupe keeps its key runs of 2**24 keys or
            more (memory-mapped) instead of in memory, for inputs of hundreds of
            millions of posts (a temporary subfolder, removed at the end).
    """

    keep_retweets: bool = False
    lang: str | None = None
    dedupe: bool = True
    since: datetime | None = None
    until: datetime | None = None
    keywords: tuple[str, ...] = ()
    pseudonymize_salt: str | None = None
    quarantine_excerpts: str = "redact"
    csv_map: Mapping[str, str] | None = None
    input_format: str | None = None
    time_format: str | None = None
    timezone: str | None = None
    encoding: str | None = None
    constants: Mapping[str, Any] | None = None
    allow_empty: bool = True
    glob: str | None = None
    strict: bool = False
    dedupe_store: str | None = None


@dataclass
class IngestSummary:
    """The accounting of one ingest.

    Attributes:
        read: Records read.
        kept: Posts written.
        filtered: Records left out on purpose, by reason.
        quarantined: Malformed or unknown records.
        incomplete: Kept posts with a missing expansion (v2), fields left null.
        api_errors: Error entries inside API v2 pages (not records).
        files: Per input: path, format and its own counts (a skipped file: its
            ``skipped`` reason and zero counts).
        skipped: Inputs skipped because they hold no posts.
        output: The corpus written.
        quarantine_file: Where rejects were written (None if there were none).
        seconds: Wall time.
    """

    read: int = 0
    kept: int = 0
    filtered: Counter[str] = field(default_factory=Counter)
    quarantined: int = 0
    incomplete: int = 0
    api_errors: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    output: str | None = None
    quarantine_file: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The summary as the JSON object ``crowdpulse ingest --json`` prints."""
        return {
            "read": self.read,
            "kept": self.kept,
            "filtered": dict(sorted(self.filtered.items())),
            "quarantined": self.quarantined,
            "incomplete": self.incomplete,
            "api_errors": self.api_errors,
            "files": self.files,
            "skipped": self.skipped,
            "output": self.output,
            "quarantine_file": self.quarantine_file,
            "seconds": round(self.seconds, 3),
        }


class PostFilter:
    """Apply the ingest filters to batches of posts, keeping the dedupe state.

    The per-post filters (:meth:`screen`) need no state, so they can run on any
    part of the input; the dedupe (:meth:`dedupe`) keeps the ids and texts seen in
    a :class:`~crowdpulse.io.dedupe.Deduper` (8 bytes a kept post for each) and
    must see the candidates in input order.

    Args:
        options: The filters to apply.
        store: A folder for the dedupe keys that do not stay in memory (see
            :class:`~crowdpulse.io.dedupe.Deduper`); None keeps them all in memory.
    """

    def __init__(self, options: IngestOptions, store: str | Path | None = None) -> None:
        self.options = options
        self._store = store
        self._deduper: Deduper | None = None

    @property
    def deduper(self) -> Deduper:
        """The dedupe state (made at the first use)."""
        if self._deduper is None:
            self._deduper = Deduper(self._store)
        return self._deduper

    def apply(self, posts: pa.Table) -> tuple[pa.Table, Counter[str]]:
        """Filter one batch.

        Args:
            posts: Posts of :data:`~crowdpulse.schema.POST_SCHEMA`.

        Returns:
            The kept posts and the count of the others by reason.
        """
        candidates, reasons = self.screen(posts)
        if self.options.dedupe and candidates.num_rows:
            candidates = self.dedupe(candidates, dedupe_keys(candidates), reasons)
        return candidates, reasons

    def screen(self, posts: pa.Table) -> tuple[pa.Table, Counter[str]]:
        """Apply the per-post filters (everything but the dedupe) to one batch.

        Args:
            posts: Posts of :data:`~crowdpulse.schema.POST_SCHEMA`.

        Returns:
            The candidates (posts that passed) and the count of the others by reason.
        """
        options = self.options
        n = posts.num_rows
        reasons: Counter[str] = Counter()
        if n == 0:
            return posts, reasons
        alive = np.ones(n, dtype=bool)

        def drop(mask: pa.Array | np.ndarray, reason: str) -> None:
            values = mask if isinstance(mask, np.ndarray) else mask.to_numpy(zero_copy_only=False)
            hit = alive & values.astype(bool)
            count = int(hit.sum())
            if count:
                reasons[reason] += count
                alive[hit] = False

        if not options.keep_retweets:
            drop(_retweets(posts), "retweet")
        if options.lang is not None:
            drop(pc.fill_null(pc.not_equal(posts["lang"], options.lang), True), "lang")
        if options.since is not None or options.until is not None:
            created = posts["created_at"]
            drop(pc.is_null(created), "no_time")
            if options.since is not None:
                since = pa.scalar(options.since, pa.timestamp("us", tz="UTC"))
                drop(pc.fill_null(pc.less(created, since), False), "before_since")
            if options.until is not None:
                until = pa.scalar(options.until, pa.timestamp("us", tz="UTC"))
                drop(pc.fill_null(pc.greater_equal(created, until), False), "after_until")
        if options.keywords:
            text = pc.utf8_lower(pc.fill_null(posts["text"], ""))
            tags = pc.binary_join(
                pc.fill_null(posts["hashtags"], pa.scalar([], pa.list_(pa.string()))), " "
            )
            found = np.zeros(n, dtype=bool)
            for keyword in options.keywords:
                word = keyword.lower().lstrip("#")
                found |= pc.match_substring(text, word).to_numpy(zero_copy_only=False)
                found |= pc.fill_null(pc.match_substring(tags, word), False).to_numpy(
                    zero_copy_only=False
                )
            drop(~found, "keyword")
        return (posts if alive.all() else posts.filter(pa.array(alive))), reasons

    def dedupe(self, candidates: pa.Table, keys: DedupeKeys, reasons: Counter[str]) -> pa.Table:
        """Drop the repeated ids and texts of candidates given in input order.

        Args:
            candidates: Posts that passed :meth:`screen`.
            keys: Their keys (:func:`dedupe_keys`).
            reasons: Counts by reason, updated with ``duplicate_id`` / ``duplicate_text``.

        Returns:
            The candidates that are first occurrences.
        """
        dup_id, dup_text = self.deduper.apply(*keys)
        for mask, reason in ((dup_id, "duplicate_id"), (dup_text, "duplicate_text")):
            count = int(mask.sum())
            if count:
                reasons[reason] += count
        repeat = dup_id | dup_text
        return candidates.filter(pa.array(~repeat)) if repeat.any() else candidates


#: Dedupe keys of a table: id keys, text keys, rows that have a text key.
DedupeKeys = tuple[np.ndarray, np.ndarray, np.ndarray]


def _retweets(posts: pa.Table) -> np.ndarray:
    retweet = pc.or_(
        pc.is_valid(posts["retweeted_id"]), pc.is_valid(posts["retweeted_author_handle"])
    )
    return np.asarray(retweet.to_numpy(zero_copy_only=False), dtype=bool)


def dedupe_keys(posts: pa.Table) -> DedupeKeys:
    """The dedupe keys of posts (see :mod:`crowdpulse.io.dedupe`).

    Retweets are never text duplicates (each is another account's act), and
    neither are posts without words (media-only or deleted posts).

    Args:
        posts: Posts of :data:`~crowdpulse.schema.POST_SCHEMA`.

    Returns:
        The id keys, the text keys and which rows have a text key.
    """
    texts, has_text = text_keys(posts["text"], ~_retweets(posts))
    return id_keys(posts["id"]), texts, has_text


@dataclass(frozen=True)
class _Input:
    """An input to read: where its bytes are, what to call it, and its format."""

    path: str
    name: str
    format: str
    array: bool = False
    document: bool = False


def _plan(
    paths: Sequence[str],
    options: IngestOptions,
    spool: Path,
    summary: IngestSummary | None = None,
) -> list[_Input]:
    """Check every input and tell its format before anything is written.

    Folders are expanded; standard input and pipes are copied to ``spool`` first
    (see :func:`crowdpulse.io.inputs.plan_inputs`); files holding no posts are
    skipped and listed in ``summary``.
    """
    from crowdpulse.io.inputs import plan_inputs

    planned, skipped = plan_inputs(
        list(paths),
        input_format=options.input_format,
        spool=spool,
        glob=options.glob,
        strict=options.strict,
    )
    if summary is not None:
        summary.files.extend(skipped)
        summary.skipped += len(skipped)
    return [_Input(p.path, p.name, p.format, p.array, p.document) for p in planned]


def iter_file_batches(
    path: str,
    options: IngestOptions,
    *,
    fmt: str | None = None,
    array: bool = False,
    document: bool = False,
    byte_range: RangeReader | None = None,
) -> tuple[Any, Iterator[ReadBatch]]:
    """Open one raw input and iterate its batches.

    Args:
        path: The input file.
        options: Ingest options (``input_format``, ``csv_map``).
        fmt: The format when already known (else sniffed, or ``options.input_format``).
        array: Whether the JSON records sit in one top-level array (with ``fmt``).
        document: Whether the file is one JSON document holding the records.
        byte_range: Read only these lines of an uncompressed file of JSON lines
            (with ``fmt``, one of :data:`~crowdpulse.io.partition.SPLITTABLE_FORMATS`);
            lines are numbered from 1 at the range's start. Closed at the end.

    Returns:
        The reader state (with ``source_format``, ``incomplete``, ``api_errors``) and
        the batch iterator.

    Raises:
        InputError: The file is unreadable or of no known format.
    """
    if fmt is None:
        fmt = options.input_format
        if fmt is None:
            sniffed = sniff(path)
            fmt, array, document = sniffed.format, sniffed.array, sniffed.document
    if byte_range is not None:
        return _read_range(path, fmt, byte_range)
    if fmt not in TWITTER_FORMATS:
        return open_platform_reader(fmt, path, array=array, document=document)
    if fmt == "csv":
        reader = CsvReader(
            path,
            column_map=options.csv_map,
            time_format=options.time_format,
            timezone=options.timezone,
            encoding=options.encoding,
            constants=options.constants,
        )
        return reader, reader.read()
    handle = open_binary(path)
    blocks = iter_array_blocks(handle, path=path) if array else iter_blocks(handle, path=path)

    if fmt == "v1":
        return _TwitterState(fmt), _closing(read_v1_blocks(blocks, path), handle)
    v2 = V2Reader(path, flat=(fmt == "twarc2-flat"))
    return v2, _closing(v2.read_blocks(blocks), handle)


class _TwitterState:
    """The reader state of a v1.1 input (nothing to report but its format)."""

    incomplete = 0
    api_errors = 0

    def __init__(self, fmt: str) -> None:
        self.source_format = fmt


def _read_range(path: str, fmt: str, lines: RangeReader) -> tuple[Any, Iterator[ReadBatch]]:
    """Read the lines of a byte range with the reader of ``fmt``."""
    blocks = lines.blocks(path)
    if fmt == "v1":
        return _TwitterState(fmt), _closing(read_v1_blocks(blocks, path), lines)
    if fmt in TWITTER_FORMATS:
        reader: Any = V2Reader(path, flat=(fmt == "twarc2-flat"))
    else:
        reader = get_format(fmt).load()(path)
    return reader, _closing(reader.read_blocks(blocks), lines)


def _closing(batches: Iterator[ReadBatch], handle: IO[bytes] | RangeReader) -> Iterator[ReadBatch]:
    try:
        yield from batches
    finally:
        handle.close()


def _rename(batch: ReadBatch, name: str) -> None:
    """Show a spooled input (standard input) under its own name."""
    column = batch.posts.schema.get_field_index("source_file")
    names = pa.array([name] * batch.posts.num_rows, pa.string())
    batch.posts = batch.posts.set_column(column, "source_file", names)
    batch.rejected = [replace(r, file=name) for r in batch.rejected]


def _private(rejected: Rejected, options: IngestOptions) -> Rejected:
    """A quarantined record as the pseudonymisation setting lets it be written."""
    salt = options.pseudonymize_salt
    if not salt:
        return rejected
    return replace(rejected, raw=private_excerpt(rejected.raw, salt, options.quarantine_excerpts))


def default_quarantine_path(output: str | Path) -> Path:
    """``corpus.parquet`` -> ``corpus.quarantine.jsonl`` beside it."""
    output = Path(output)
    return output.with_name(output.name.removesuffix(".parquet") + ".quarantine.jsonl")


def _screened(
    source: _Input,
    options: IngestOptions,
    post_filter: PostFilter,
    byte_range: RangeReader | None = None,
) -> tuple[Any, Iterator[tuple[ReadBatch, pa.Table, Counter[str]]]]:
    """Read one input (or a byte range of it) and apply the per-post filters.

    Returns:
        The reader state, and for every batch read: the batch (its rejects and
        record count), its candidates and the count of the others by reason
        (notices included).
    """
    state, batches = iter_file_batches(
        source.path,
        options,
        fmt=source.format,
        array=source.array,
        document=source.document,
        byte_range=byte_range,
    )

    def screened() -> Iterator[tuple[ReadBatch, pa.Table, Counter[str]]]:
        for batch in batches:
            if source.name != source.path:
                _rename(batch, source.name)
            candidates, reasons = post_filter.screen(batch.posts)
            for kind, count in batch.notices.items():
                reasons[f"{kind}_notice"] += count
            yield batch, candidates, reasons

    return state, screened()


def _write_rejects(
    handle: IO[bytes] | None, rejected: list[Rejected], options: IngestOptions
) -> None:
    if rejected and handle is not None:
        handle.write(
            b"".join(orjson.dumps(_private(r, options).as_dict()) + b"\n" for r in rejected)
        )


def _file_counts(name: str, source_format: str) -> dict[str, Any]:
    return {
        "path": name,
        "format": source_format,
        "read": 0,
        "kept": 0,
        "filtered": 0,
        "quarantined": 0,
    }


def _account(
    summary: IngestSummary,
    counts: dict[str, Any],
    records: int,
    kept: int,
    reasons: Counter[str],
    rejected: int,
) -> None:
    """Add one batch's (or one partition's) accounting to the file and the total."""
    summary.read += records
    summary.quarantined += rejected
    summary.filtered.update(reasons)
    summary.kept += kept
    counts["read"] += records
    counts["kept"] += kept
    counts["filtered"] += sum(reasons.values())
    counts["quarantined"] += rejected


def _posts(
    inputs: Sequence[_Input],
    options: IngestOptions,
    summary: IngestSummary,
    quarantine: IO[bytes] | None,
    quiet: bool,
    store: Path | None = None,
) -> Iterator[pa.Table]:
    post_filter = PostFilter(options, store)
    with progress("ingest", total=None, quiet=quiet) as bar:
        for source in inputs:
            state, screened = _screened(source, options, post_filter)
            counts = _file_counts(source.name, state.source_format)
            for batch, kept, reasons in screened:
                if options.dedupe and kept.num_rows:
                    kept = post_filter.dedupe(kept, dedupe_keys(kept), reasons)
                _write_rejects(quarantine, batch.rejected, options)
                _account(
                    summary, counts, batch.records, kept.num_rows, reasons, len(batch.rejected)
                )
                bar.advance(batch.records)
                if kept.num_rows:
                    if options.pseudonymize_salt:
                        kept = pseudonymize_table(kept, options.pseudonymize_salt)
                    yield kept
            summary.incomplete += state.incomplete
            summary.api_errors += state.api_errors
            counts.update(getattr(state, "report", None) or {})
            summary.files.append(counts)


# -- several workers -----------------------------------------------------------

#: Columns a part file adds to the candidates: their dedupe keys.
_KEY_COLUMNS = ("_dedupe_id", "_dedupe_text", "_dedupe_has_text")


@dataclass(frozen=True)
class _Job:
    """What every partition task needs: the inputs, the options, where to write."""

    inputs: tuple[_Input, ...]
    options: IngestOptions
    folder: str


@dataclass
class _PartResult:
    """What a partition task hands back (its rows stay in files)."""

    posts: str | None
    rejects: str | None
    records: int
    rejected: int
    reasons: Counter[str]
    newlines: int
    source_format: str
    incomplete: int
    api_errors: int
    report: dict[str, int]


def _ingest_part(job: _Job, part: Sequence[int]) -> _PartResult:
    """Read one partition, apply the per-post filters, write its candidates and rejects.

    The candidates are written with their dedupe keys (computed before
    pseudonymisation, as in one process) to a Parquet part file, the rejects to a
    JSON-lines part file, both in ``job.folder``; lines are numbered from the
    start of the partition.
    """
    number, start, end = part
    source = job.inputs[number]
    options = job.options
    lines = RangeReader(source.path, start, end) if end >= 0 else None
    state, screened = _screened(source, options, PostFilter(options), lines)
    stem = Path(job.folder) / f"part-{number:06d}-{start:015d}"
    posts_path, rejects_path = stem.with_suffix(".parquet"), stem.with_suffix(".jsonl")
    writer: pq.ParquetWriter | None = None
    rejects: IO[bytes] | None = None
    records = rejected = 0
    reasons: Counter[str] = Counter()
    try:
        for batch, candidates, batch_reasons in screened:
            records += batch.records
            rejected += len(batch.rejected)
            reasons.update(batch_reasons)
            if batch.rejected and rejects is None:
                rejects = open(rejects_path, "wb")  # noqa: SIM115 - closed below
            _write_rejects(rejects, batch.rejected, options)
            if not candidates.num_rows:
                continue
            keys = dedupe_keys(candidates) if options.dedupe else None
            table = candidates
            if options.pseudonymize_salt:
                table = pseudonymize_table(table, options.pseudonymize_salt)
            if keys is not None:
                for name, values in zip(_KEY_COLUMNS, keys, strict=True):
                    table = table.append_column(name, pa.array(values))
            if writer is None:
                writer = pq.ParquetWriter(str(posts_path), table.schema, compression="lz4")
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
        if rejects is not None:
            rejects.close()
    return _PartResult(
        posts=str(posts_path) if writer is not None else None,
        rejects=str(rejects_path) if rejects is not None else None,
        records=records,
        rejected=rejected,
        reasons=reasons,
        newlines=lines.newlines if lines is not None else 0,
        source_format=state.source_format,
        incomplete=state.incomplete,
        api_errors=state.api_errors,
        report=dict(getattr(state, "report", None) or {}),
    )


def _merge_part(
    result: _PartResult,
    line_offset: int,
    post_filter: PostFilter,
    writer: pq.ParquetWriter,
    quarantine: IO[bytes],
) -> tuple[int, Counter[str]]:
    """Dedupe one part's candidates with the global state and append them in order.

    Returns:
        The posts kept and the part's counts by reason (duplicates included).
    """
    reasons = Counter(result.reasons)
    kept = 0
    names = writer.schema.names
    if result.posts is not None:
        for batch in pq.ParquetFile(result.posts, pre_buffer=False).iter_batches(batch_size=65_536):
            table = pa.Table.from_batches([batch])
            if post_filter.options.dedupe:
                keys = tuple(
                    np.asarray(table[name].to_numpy(zero_copy_only=False)) for name in _KEY_COLUMNS
                )
                table = post_filter.dedupe(table, (keys[0], keys[1], keys[2]), reasons)
            table = table.select(names)
            if line_offset and table.num_rows:
                index = names.index("source_line")
                shifted = pc.add(table["source_line"], pa.scalar(line_offset, pa.int64()))
                table = table.set_column(index, "source_line", shifted)
            if table.num_rows:
                writer.write_table(table, row_group_size=256_000)
                kept += table.num_rows
        Path(result.posts).unlink()
    if result.rejects is not None:
        with open(result.rejects, "rb") as rejects:
            for line in rejects:
                record = orjson.loads(line)
                record["line"] += line_offset
                quarantine.write(orjson.dumps(record) + b"\n")
        Path(result.rejects).unlink()
    return kept, reasons


def _ingest_parts(
    planned: Sequence[_Input],
    options: IngestOptions,
    summary: IngestSummary,
    writer: pq.ParquetWriter,
    quarantine: IO[bytes],
    *,
    engine: Engine,
    split_bytes: int | None,
    folder: Path,
    store: Path | None,
    quiet: bool,
) -> None:
    """Read the partitions as tasks of ``engine`` and merge them in order."""
    parts = plan_partitions([(p.path, p.format, p.array, p.document) for p in planned], split_bytes)
    job = _Job(tuple(planned), options, str(folder))
    post_filter = PostFilter(options, store)
    counts: dict[str, Any] | None = None
    current = -1
    offset = 0
    with progress("ingest", total=None, quiet=quiet) as bar:
        for part, result in zip(parts, engine.map(_ingest_part, parts, job), strict=True):
            if part[0] != current:
                if counts is not None:
                    summary.files.append(counts)
                current, offset = part[0], 0
                counts = _file_counts(planned[current].name, result.source_format)
            assert counts is not None
            kept, reasons = _merge_part(result, offset, post_filter, writer, quarantine)
            _account(summary, counts, result.records, kept, reasons, result.rejected)
            summary.incomplete += result.incomplete
            summary.api_errors += result.api_errors
            for key, value in result.report.items():
                counts[key] = counts.get(key, 0) + value
            offset += result.newlines
            bar.advance(result.records)
    if counts is not None:
        summary.files.append(counts)


def _corpus_schema(options: IngestOptions) -> pa.Schema:
    """The corpus schema; a pseudonymised corpus records it (for ``firestorm --event``)."""
    if not options.pseudonymize_salt:
        return POST_SCHEMA
    return pseudonymized_schema(POST_SCHEMA, options.pseudonymize_salt)


@contextmanager
def _work_folder(output: Path, parallel: bool) -> Iterator[Path]:
    """A temporary folder for copies of piped inputs and, with workers, the part files.

    With workers it is beside the output, where the workers of a cluster on a
    shared file system see it too, under a name that a later run removes if this
    one is killed (:func:`crowdpulse.io.atomic.clean_stale`).
    """
    if not parallel:
        with tempfile.TemporaryDirectory(prefix="crowdpulse-") as spool:
            yield Path(spool)
        return
    folder = temp_path(output.with_name(output.name + ".parts"))
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _dedupe_store(options: IngestOptions) -> Iterator[Path | None]:
    """A temporary folder inside ``options.dedupe_store`` for the dedupe keys (or None)."""
    if not options.dedupe or not options.dedupe_store:
        yield None
        return
    root = Path(options.dedupe_store)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot make the dedupe store: {exc}", path=str(root)) from None
    with tempfile.TemporaryDirectory(prefix="crowdpulse-dedupe-", dir=root) as store:
        yield Path(store)


def _is_cluster(engine: Engine | None) -> bool:
    from crowdpulse.engine import LocalEngine

    return engine is not None and not isinstance(engine, LocalEngine)


def ingest(
    inputs: Sequence[str | Path],
    output: str | Path,
    *,
    quarantine: str | Path | None = None,
    options: IngestOptions | None = None,
    quiet: bool = True,
    engine: Engine | None = None,
    split_bytes: int | None = None,
) -> IngestSummary:
    """Read raw archives into one normalised corpus file.

    With a cluster ``engine`` (or ``split_bytes``), the inputs are split into
    partitions (:mod:`crowdpulse.io.partition`: whole files, and byte ranges of
    uncompressed JSON lines) read as tasks; each task writes its candidates
    (posts that passed the per-post filters, with their dedupe keys) and rejects
    to part files beside the output, and this process merges them in partition
    order through one dedupe state. The corpus, the quarantine and the counts are
    the same as in one process.

    Args:
        inputs: Raw files (v1.1 / v2 / twarc2 JSON lines or arrays, CSV; plain, .gz,
            .bz2 or .zst); ``-`` reads standard input.
        output: The Parquet corpus to write.
        quarantine: Where to write rejected records (JSON lines); default
            ``<output stem>.quarantine.jsonl``, written only when there are rejects.
        options: Filters and reader options.
        quiet: Show no progress bar.
        engine: Where the partitions run (:mod:`crowdpulse.engine`); None or a
            :class:`~crowdpulse.engine.LocalEngine` reads in this process, file
            after file, without part files (unless ``split_bytes`` is given).
        split_bytes: Byte-range size for splitting uncompressed JSON lines (default
            with a cluster: :data:`~crowdpulse.io.partition.DEFAULT_SPLIT_BYTES`);
            given without a cluster, the partitions run in this process (the same
            path, for tests).

    Returns:
        The :class:`IngestSummary`; ``read == kept + sum(filtered) + quarantined``.

    Raises:
        InputError: An input is missing, empty, wrongly compressed or of no known
            format (checked for every input before anything is written), or the
            output or quarantine is an input (or the same file as the other).
    """
    from crowdpulse.engine import local_engine

    options = options or IngestOptions()
    paths = [str(p) for p in inputs]
    if not paths:
        raise InputError("no input files given")
    started = time.perf_counter()
    summary = IngestSummary(output=str(output))
    quarantine_path = Path(quarantine) if quarantine else default_quarantine_path(output)
    refuse_overwrite([("output", output), ("quarantine", quarantine_path)], paths)
    parallel = split_bytes is not None or _is_cluster(engine)
    with _work_folder(Path(output), parallel) as spool, _dedupe_store(options) as store:
        planned = _plan(paths, options, spool, summary)
        # Both files are written beside their targets and renamed only when complete:
        # a failure or a kill leaves the previous corpus and quarantine as they were.
        with atomic_path(output) as out_temp, atomic_path(quarantine_path) as rejects_temp:
            with (
                open(rejects_temp, "wb") as rejects,
                pq.ParquetWriter(
                    str(out_temp), _corpus_schema(options), compression="zstd"
                ) as writer,
            ):
                if parallel:
                    _ingest_parts(
                        planned,
                        options,
                        summary,
                        writer,
                        rejects,
                        engine=engine if engine is not None else local_engine(),
                        split_bytes=split_bytes or DEFAULT_SPLIT_BYTES,
                        folder=spool,
                        store=store,
                        quiet=quiet,
                    )
                else:
                    for table in _posts(planned, options, summary, rejects, quiet, store):
                        writer.write_table(table, row_group_size=256_000)
            if not summary.kept and not options.allow_empty:
                raise InputError(
                    f"no post kept ({summary.read:,} read, "
                    f"{sum(summary.filtered.values()):,} filtered, "
                    f"{summary.quarantined:,} quarantined); pass --allow-empty to write "
                    "an empty corpus anyway"
                )
            if not summary.quarantined:
                rejects_temp.unlink()  # nothing to replace the quarantine with
    if summary.quarantined:
        summary.quarantine_file = str(quarantine_path)
    summary.seconds = time.perf_counter() - started
    return summary


def read_posts(
    inputs: Iterable[str | Path], options: IngestOptions | None = None
) -> tuple[pa.Table, IngestSummary]:
    """Read raw archives into an in-memory post table (no files written).

    Args:
        inputs: Raw files.
        options: Filters and reader options.

    Returns:
        The posts and the accounting (rejects are counted, not kept).
    """
    options = options or IngestOptions()
    summary = IngestSummary()
    with tempfile.TemporaryDirectory(prefix="crowdpulse-") as spool:
        planned = _plan([str(p) for p in inputs], options, Path(spool), summary)
        tables = list(_posts(planned, options, summary, None, True))
    table = pa.concat_tables(tables) if tables else POST_SCHEMA.empty_table()
    return table, summary
