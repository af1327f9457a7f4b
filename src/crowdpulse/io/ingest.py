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
  retweets are never text duplicates, since each is another account's act);
- *kept*: the posts written to the corpus.

Files are read in blocks, so memory stays bounded whatever their size; only the
dedupe sets grow (8 bytes a kept post for texts, the id strings for ids).
"""

from __future__ import annotations

import shutil
import sys
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
from crowdpulse.io.csvfile import CsvReader
from crowdpulse.io.pseudonym import pseudonymize_table
from crowdpulse.io.records import ReadBatch
from crowdpulse.io.sniff import sniff
from crowdpulse.io.source import iter_array_blocks, iter_blocks, open_binary
from crowdpulse.io.v1 import read_v1_blocks
from crowdpulse.io.v2 import V2Reader
from crowdpulse.progress import progress
from crowdpulse.schema import FORMATS, POST_SCHEMA

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
        csv_map: For CSV inputs: post field -> CSV column.
        input_format: Force a format (``v1``, ``v2``, ``twarc2-flat``, ``csv``)
            instead of sniffing.
    """

    keep_retweets: bool = False
    lang: str | None = None
    dedupe: bool = True
    since: datetime | None = None
    until: datetime | None = None
    keywords: tuple[str, ...] = ()
    pseudonymize_salt: str | None = None
    csv_map: Mapping[str, str] | None = None
    input_format: str | None = None


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
        files: Per input: path, format and its own counts.
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
            drop(pc.is_valid(posts["retweeted_id"]), "retweet")
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
            retweets = pc.is_valid(posts["retweeted_id"]).to_numpy(zero_copy_only=False)
            dup_id = np.zeros(n, dtype=bool)
            dup_text = np.zeros(n, dtype=bool)
            for i in np.flatnonzero(alive):
                if ids[i] in self._ids:
                    dup_id[i] = True
                    continue
                self._ids.add(ids[i])
                if retweets[i]:
                    continue
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


def _plan(paths: Sequence[str], options: IngestOptions, spool: Path) -> list[_Input]:
    """Check every input and tell its format before anything is written.

    Standard input (``-``) is copied to a file in ``spool`` first, so that it can be
    sniffed and read like any file.
    """
    if options.input_format is not None and options.input_format not in FORMATS:
        raise InputError(f"unknown format {options.input_format!r}; known: {', '.join(FORMATS)}")
    planned: list[_Input] = []
    for path in paths:
        name = path
        if path == "-":
            path = str(spool / f"stdin-{len(planned)}")
            with open(path, "wb") as copy:
                shutil.copyfileobj(sys.stdin.buffer, copy, 1 << 20)
            name = "<stdin>"
        if options.input_format is None:
            try:
                sniffed = sniff(path)
            except InputError as exc:
                raise InputError(exc.reason, path=name, line=exc.line, field=exc.field) from None
            planned.append(_Input(path, name, sniffed.format, sniffed.array))
        else:
            open_binary(path).close()
            planned.append(_Input(path, name, options.input_format))
    return planned


def iter_file_batches(
    path: str, options: IngestOptions, *, fmt: str | None = None, array: bool = False
) -> tuple[Any, Iterator[ReadBatch]]:
    """Open one raw input and iterate its batches.

    Args:
        path: The input file.
        options: Ingest options (``input_format``, ``csv_map``).
        fmt: The format when already known (else sniffed, or ``options.input_format``).
        array: Whether the JSON records sit in one top-level array (with ``fmt``).

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
            fmt, array = sniffed.format, sniffed.array
    if fmt == "csv":
        reader = CsvReader(path, column_map=options.csv_map)
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
                source.path, options, fmt=source.format, array=source.array
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
                        b"".join(orjson.dumps(r.as_dict()) + b"\n" for r in batch.rejected)
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
            summary.files.append(counts)


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
            format (checked for every input before anything is written).
    """
    options = options or IngestOptions()
    paths = [str(p) for p in inputs]
    if not paths:
        raise InputError("no input files given")
    started = time.perf_counter()
    summary = IngestSummary(output=str(output))
    quarantine_path = Path(quarantine) if quarantine else default_quarantine_path(output)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    tmp_quarantine = quarantine_path.with_name(quarantine_path.name + ".part")
    with tempfile.TemporaryDirectory(prefix="crowdpulse-") as spool:
        planned = _plan(paths, options, Path(spool))
        with (
            open(tmp_quarantine, "wb") as rejects,
            pq.ParquetWriter(str(output), POST_SCHEMA, compression="zstd") as writer,
        ):
            for table in _posts(planned, options, summary, rejects, quiet):
                writer.write_table(table, row_group_size=256_000)
    if summary.quarantined:
        tmp_quarantine.replace(quarantine_path)
        summary.quarantine_file = str(quarantine_path)
    else:
        tmp_quarantine.unlink()
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
        planned = _plan([str(p) for p in inputs], options, Path(spool))
        tables = list(_posts(planned, options, summary, None, True))
    table = pa.concat_tables(tables) if tables else POST_SCHEMA.empty_table()
    return table, summary
