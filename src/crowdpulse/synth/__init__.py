"""Seeded generator of realistic social-media corpora with exact ground truth.

Everything else in crowdpulse is tested, demonstrated and benchmarked on what
this package writes: a crisis with solidarity and news posts labelled by
hashtags, a firestorm against a target account after a quiet week, a
population with messy profile locations, and optional malformed input, in the
layouts of Twitter API v1.1, API v2 (twarc2 pages) and twarc-csv.

Typical use::

    from crowdpulse.synth import SynthConfig, synthesize

    truth = synthesize(SynthConfig(seed=1, posts=20_000), "posts.jsonl.gz", fmt="v1",
                       truth_path="truth.json", event_path="event.toml")

or, in steps, :func:`generate` then :func:`write_corpus` then :func:`build_truth`.

A corpus larger than ``SynthConfig.chunk_posts`` (250,000 by default) is drawn,
written and counted chunk by chunk (:func:`generate_chunks`, :class:`CorpusWriter`,
:class:`TruthBuilder`), so memory does not grow with the number of posts.
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import orjson

from crowdpulse.event import Event
from crowdpulse.io.atomic import atomic_open, atomic_path, write_text_atomic
from crowdpulse.synth.config import DEFAULT_START, DEFAULT_TARGET, SynthConfig
from crowdpulse.synth.generator import (
    CLASSES,
    DEFAULT_CHUNK_POSTS,
    KIND_NAMES,
    SynthResult,
    chunk_count,
    generate,
    generate_chunks,
)
from crowdpulse.synth.sheet import LabelSheet, SheetRow, default_sheet_path, read_sheet
from crowdpulse.synth.truth import (
    FILTER_ORDER,
    TruthBuilder,
    build_truth,
    filter_reasons,
    truth_posts_table,
)
from crowdpulse.synth.writers import (
    CSV_COLUMNS,
    CorpusWriter,
    SynthFormat,
    WriteReport,
    open_output,
    write_corpus,
)

__all__ = [
    "CLASSES",
    "CSV_COLUMNS",
    "DEFAULT_CHUNK_POSTS",
    "DEFAULT_START",
    "DEFAULT_TARGET",
    "FILTER_ORDER",
    "KIND_NAMES",
    "CorpusWriter",
    "LabelSheet",
    "SheetRow",
    "SynthConfig",
    "SynthFormat",
    "SynthResult",
    "TruthBuilder",
    "WriteReport",
    "build_truth",
    "chunk_count",
    "default_sheet_path",
    "event_for",
    "filter_reasons",
    "generate",
    "generate_chunks",
    "open_output",
    "read_sheet",
    "synthesize",
    "truth_posts_table",
    "write_corpus",
    "write_event",
]


def event_for(result: SynthResult, output: str | Path | None, sheet: Path | None) -> Event:
    """The :class:`~crowdpulse.event.Event` that describes a generated corpus.

    Args:
        result: The corpus.
        output: The file it was written to (None or ``-``: no inputs).
        sheet: The label sheet to reference (None: the one the corpus used).

    Returns:
        The event: name, keywords, ``lang = "en"``, start and end, inputs,
        affected countries, the label sheet and the firestorm target.
    """
    from datetime import UTC, datetime

    from crowdpulse.event import FirestormSettings, LabelSource

    cfg = result.config
    inputs: tuple[Path, ...] = ()
    if output is not None and str(output) != "-":
        inputs = (Path(output),)
    firestorm = None
    if result.firestorm_ms is not None:
        firestorm = FirestormSettings(target=cfg.firestorm_target.strip().lower())
    return Event(
        name=cfg.event_name,
        keywords=tuple(k.lower() for k in cfg.keywords),
        lang="en",
        start=datetime.fromtimestamp(result.start_ms / 1000, tz=UTC),
        end=datetime.fromtimestamp(result.end_ms / 1000, tz=UTC),
        inputs=inputs,
        affected_countries=frozenset(cfg.affected_countries),
        labels=LabelSource(sheet=sheet if sheet is not None else result.sheet.path),
        firestorm=firestorm,
    )


def write_event(result: SynthResult, event_path: str | Path, output: str | Path | None) -> Path:
    """Write the event TOML for a corpus and copy its label sheet beside it.

    Args:
        result: The corpus.
        event_path: Where to write the TOML.
        output: The corpus file the event's ``inputs`` point to.

    Returns:
        The path of the copied sheet (``<event stem>_hashtags.csv``).
    """
    from crowdpulse.event import event_to_toml

    event_path = Path(event_path)
    event_path.parent.mkdir(parents=True, exist_ok=True)
    sheet_copy = event_path.with_name(f"{event_path.stem}_hashtags.csv")
    if sheet_copy.resolve() != result.sheet.path.resolve():
        shutil.copyfile(result.sheet.path, sheet_copy)
    event = event_for(result, output, sheet_copy)
    write_text_atomic(event_path, event_to_toml(event, relative_to=event_path.parent))
    return sheet_copy


def synthesize(
    config: SynthConfig,
    output: str | Path,
    *,
    fmt: SynthFormat = "v1",
    truth_path: str | Path | None = None,
    event_path: str | Path | None = None,
    truth_posts_path: str | Path | None = None,
    quiet: bool = True,
) -> dict[str, Any]:
    """Generate a corpus, write it, and write its truth and event description.

    Streams: a corpus of more than ``config.chunk_posts`` posts is drawn, written
    and counted one chunk at a time (see :func:`generate_chunks`); every output
    is written beside its target and renamed when complete.

    Args:
        config: The knobs (seed, size, shares...).
        output: The corpus file (compressed by suffix) or ``-`` for stdout.
        fmt: ``v1``, ``v2`` or ``csv``.
        truth_path: Where to write ``truth.json`` (None: not written).
        event_path: Where to write the event TOML (None: not written); the label
            sheet is copied beside it.
        truth_posts_path: Where to write the per-post truth as Parquet (None: not written).
        quiet: Show no progress bars.

    Returns:
        The truth (see :func:`build_truth`).
    """
    import pyarrow.parquet as pq

    builder = TruthBuilder()
    skeleton: SynthResult | None = None
    with ExitStack() as stack:
        writer = stack.enter_context(
            CorpusWriter(output, fmt=fmt, chunks=chunk_count(config), quiet=quiet)
        )
        posts_temp = None
        if truth_posts_path is not None:
            posts_temp = stack.enter_context(atomic_path(truth_posts_path))
        table_writer: pq.ParquetWriter | None = None
        for result in generate_chunks(config, quiet=quiet):
            writer.write(result)
            builder.add(result)
            if posts_temp is not None:
                table = truth_posts_table(result)
                if table_writer is None:
                    table_writer = stack.enter_context(
                        pq.ParquetWriter(str(posts_temp), table.schema)
                    )
                table_writer.write_table(table.cast(table_writer.schema))
                del table
            if skeleton is None:
                skeleton = result.skeleton()
            del result
    assert skeleton is not None
    report = writer.report
    sheet_file = None
    if event_path is not None:
        sheet_file = str(write_event(skeleton, event_path, output))
    truth = builder.finish(report, sheet_file=sheet_file)
    if event_path is not None:
        truth["event"] = str(event_path)
    if truth_path is not None:
        with atomic_open(truth_path, "wb") as handle:
            options = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
            handle.write(orjson.dumps(truth, option=options))
    return truth
