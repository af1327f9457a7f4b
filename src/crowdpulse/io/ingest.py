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
dedupe sets grow (8 bytes a kept post for texts, the id strings for ids).
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crowdpulse.exceptions import InputError
from crowdpulse.io.atomic import atomic_path, refuse_overwrite
from crowdpulse.io.csvfile import CsvReader
from crowdpulse.io.pseudonym import private_excerpt, pseudonymize_table, pseudonymized_schema
from crowdpulse.io.records import ReadBatch, Rejected
from crowdpulse.io.registry import TWITTER_FORMATS, open_platform_reader
from crowdpulse.io.sniff import sniff
from crowdpulse.io.source import iter_array_blocks, iter_blocks, open_binary
from crowdpulse.io.v1 import read_v1_blocks
from crowdpulse.io.v2 import V2Reader
from crowdpulse.progress import progress
from crowdpulse.schema import POST_SCHEMA

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

    Args:
        options: The filters to apply.
    """

    def __init__(self, options: IngestOptions) -> None:
        self.options = options
        self._ids: set[str] = set()
        self._texts: set[int] = set()

    def apply(self, posts: pa.Table) -> tuple[pa.Table, Counter[str]]:
        """Filter one batch.

        Args:
            posts: Posts of :data:`~crowdpulse.schema.POST_SCHEMA`.

        Returns:
            The kept posts and the count of the others by reason.
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
            retweet = pc.or_(
                pc.is_valid(posts["retweeted_id"]), pc.is_valid(posts["retweeted_author_handle"])
            )
            drop(retweet, "retweet")
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
        if options.dedupe:
            ids = posts["id"].to_pylist()
            texts = posts["text"].to_pylist()
            retweets = pc.or_(
                pc.is_valid(posts["retweeted_id"]), pc.is_valid(posts["retweeted_author_handle"])
            ).to_numpy(zero_copy_only=False)
            dup_id = np.zeros(n, dtype=bool)
            dup_text = np.zeros(n, dtype=bool)
            for i in np.flatnonzero(alive):
                if ids[i] in self._ids:
                    dup_id[i] = True
                    continue
                self._ids.add(ids[i])
                if retweets[i] or not texts[i].strip():
                    continue  # a post without words (media only, deleted) repeats nothing
                digest = hash(texts[i].strip())
                if digest in self._texts:
                    dup_text[i] = True
                    continue
                self._texts.add(digest)
            drop(dup_id, "duplicate_id")
            drop(dup_text, "duplicate_text")
        kept = posts.filter(pa.array(alive)) if not alive.all() else posts
        return kept, reasons


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
) -> tuple[Any, Iterator[ReadBatch]]:
    """Open one raw input and iterate its batches.

    Args:
        path: The input file.
        options: Ingest options (``input_format``, ``csv_map``).
        fmt: The format when already known (else sniffed, or ``options.input_format``).
        array: Whether the JSON records sit in one top-level array (with ``fmt``).
        document: Whether the file is one JSON document holding the records.

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

    class _State:
        source_format = fmt
        incomplete = 0
        api_errors = 0

    if fmt == "v1":
        return _State(), _closing(read_v1_blocks(blocks, path), handle)
    v2 = V2Reader(path, flat=(fmt == "twarc2-flat"))
    return v2, _closing(v2.read_blocks(blocks), handle)


def _closing(batches: Iterator[ReadBatch], handle: IO[bytes]) -> Iterator[ReadBatch]:
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


def _posts(
    inputs: Sequence[_Input],
    options: IngestOptions,
    summary: IngestSummary,
    quarantine: IO[bytes] | None,
    quiet: bool,
) -> Iterator[pa.Table]:
    post_filter = PostFilter(options)
    with progress("ingest", total=None, quiet=quiet) as bar:
        for source in inputs:
            state, batches = iter_file_batches(
                source.path,
                options,
                fmt=source.format,
                array=source.array,
                document=source.document,
            )
            counts: dict[str, Any] = {
                "path": source.name,
                "format": state.source_format,
                "read": 0,
                "kept": 0,
                "filtered": 0,
                "quarantined": 0,
            }
            for batch in batches:
                if source.name != source.path:
                    _rename(batch, source.name)
                kept, reasons = post_filter.apply(batch.posts)
                for kind, count in batch.notices.items():
                    reasons[f"{kind}_notice"] += count
                if batch.rejected and quarantine is not None:
                    quarantine.write(
                        b"".join(
                            orjson.dumps(_private(r, options).as_dict()) + b"\n"
                            for r in batch.rejected
                        )
                    )
                summary.read += batch.records
                summary.quarantined += len(batch.rejected)
                summary.filtered.update(reasons)
                summary.kept += kept.num_rows
                counts["read"] += batch.records
                counts["kept"] += kept.num_rows
                counts["filtered"] += sum(reasons.values())
                counts["quarantined"] += len(batch.rejected)
                bar.advance(batch.records)
                if kept.num_rows:
                    if options.pseudonymize_salt:
                        kept = pseudonymize_table(kept, options.pseudonymize_salt)
                    yield kept
            summary.incomplete += state.incomplete
            summary.api_errors += state.api_errors
            counts.update(getattr(state, "report", None) or {})
            summary.files.append(counts)


def _corpus_schema(options: IngestOptions) -> pa.Schema:
    """The corpus schema; a pseudonymised corpus records it (for ``firestorm --event``)."""
    if not options.pseudonymize_salt:
        return POST_SCHEMA
    return pseudonymized_schema(POST_SCHEMA, options.pseudonymize_salt)


def ingest(
    inputs: Sequence[str | Path],
    output: str | Path,
    *,
    quarantine: str | Path | None = None,
    options: IngestOptions | None = None,
    quiet: bool = True,
) -> IngestSummary:
    """Read raw archives into one normalised corpus file.

    Args:
        inputs: Raw files (v1.1 / v2 / twarc2 JSON lines or arrays, CSV; plain, .gz,
            .bz2 or .zst); ``-`` reads standard input.
        output: The Parquet corpus to write.
        quarantine: Where to write rejected records (JSON lines); default
            ``<output stem>.quarantine.jsonl``, written only when there are rejects.
        options: Filters and reader options.
        quiet: Show no progress bar.

    Returns:
        The :class:`IngestSummary`; ``read == kept + sum(filtered) + quarantined``.

    Raises:
        InputError: An input is missing, empty, wrongly compressed or of no known
            format (checked for every input before anything is written), or the
            output or quarantine is an input (or the same file as the other).
    """
    options = options or IngestOptions()
    paths = [str(p) for p in inputs]
    if not paths:
        raise InputError("no input files given")
    started = time.perf_counter()
    summary = IngestSummary(output=str(output))
    quarantine_path = Path(quarantine) if quarantine else default_quarantine_path(output)
    refuse_overwrite([("output", output), ("quarantine", quarantine_path)], paths)
    with tempfile.TemporaryDirectory(prefix="crowdpulse-") as spool:
        planned = _plan(paths, options, Path(spool), summary)
        # Both files are written beside their targets and renamed only when complete:
        # a failure or a kill leaves the previous corpus and quarantine as they were.
        with atomic_path(output) as out_temp, atomic_path(quarantine_path) as rejects_temp:
            with (
                open(rejects_temp, "wb") as rejects,
                pq.ParquetWriter(
                    str(out_temp), _corpus_schema(options), compression="zstd"
                ) as writer,
            ):
                for table in _posts(planned, options, summary, rejects, quiet):
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
