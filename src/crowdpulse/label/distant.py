"""Distant labelling of posts: by their label hashtags, or from a label column (A2, A4).

The ``label`` stage adds three columns to a corpus (docs/contributing.md):

- ``solidarity`` string: ``"solidarity"``, ``"not solidarity"`` or null (unlabelled);
- ``label_hashtags`` list<string>: the post's hashtags found in the label lexicon;
- ``text_for_training`` string: the text with those hashtags removed, so a classifier
  cannot learn the labels back from the hashtags that made them.

A post whose label hashtags point both ways is *conflicting*; the papers drop such
posts, and so does :func:`label_by_hashtags` unless ``drop_conflicting=False`` (then
they stay with a null label).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from crowdpulse.event import LabelSource
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.label.sheet import SolidarityLabel, normalise_hashtag, read_sheet
from crowdpulse.progress import progress

__all__ = [
    "LABEL_COLUMNS",
    "NOT_SOLIDARITY",
    "SOLIDARITY",
    "LabelCounts",
    "LabelFileResult",
    "LabelResult",
    "label_by_column",
    "label_by_hashtags",
    "label_corpus",
    "label_file",
    "post_label",
    "remove_hashtags",
]

SOLIDARITY: SolidarityLabel = "solidarity"
NOT_SOLIDARITY: SolidarityLabel = "not solidarity"
LABEL_COLUMNS: tuple[str, ...] = ("solidarity", "label_hashtags", "text_for_training")

_HASHTAG_IN_TEXT = re.compile(r"[#＃](\w+)")
_CHUNK = 50_000


@dataclass(frozen=True)
class LabelCounts:
    """What labelling did to a corpus.

    Attributes:
        solidarity: Posts labelled solidarity.
        not_solidarity: Posts labelled not solidarity.
        conflicting: Posts whose label hashtags conflict.
        conflicting_dropped: Whether those posts were removed from the output.
        unlabelled: Posts without any label hashtag or label value (kept, with a null
            label; conflicting posts kept with ``drop_conflicting=False`` are counted
            under ``conflicting`` only).
    """

    solidarity: int
    not_solidarity: int
    conflicting: int
    conflicting_dropped: bool
    unlabelled: int

    def to_dict(self) -> dict[str, int | bool]:
        """The counts as a JSON-ready dict."""
        return {
            "solidarity": self.solidarity,
            "not_solidarity": self.not_solidarity,
            "conflicting": self.conflicting,
            "conflicting_dropped": self.conflicting_dropped,
            "unlabelled": self.unlabelled,
        }


@dataclass(frozen=True)
class LabelResult:
    """A labelled corpus and its counts.

    Attributes:
        table: The input table with the ``label`` stage columns added.
        counts: What happened.
    """

    table: pa.Table
    counts: LabelCounts


def post_label(hashtags: Iterable[str], lexicon: Mapping[str, str]) -> tuple[str | None, list[str]]:
    """The label a post's hashtags give it.

    Args:
        hashtags: The post's hashtags (any case, with or without ``#``).
        lexicon: Normalised hashtag -> ``"solidarity"`` / ``"not solidarity"``.

    Returns:
        ``(label, label_hashtags)``: label is ``"solidarity"``, ``"not solidarity"``,
        ``"conflicting"`` or None (no label hashtag); label_hashtags are the post's
        normalised hashtags found in the lexicon, in order, without repeats.
    """
    found: list[str] = []
    labels: set[str] = set()
    for raw in hashtags:
        tag = normalise_hashtag(raw)
        label = lexicon.get(tag)
        if label is not None:
            labels.add(label)
            if tag not in found:
                found.append(tag)
    if not labels:
        return None, found
    if len(labels) > 1:
        return "conflicting", found
    return next(iter(labels)), found


@functools.lru_cache(maxsize=16384)
def _hashtag_pattern(tag: str) -> re.Pattern[str]:
    return re.compile(r"[#＃]" + re.escape(tag) + r"(?!\w)", re.IGNORECASE)


def remove_hashtags(text: str, hashtags: Iterable[str]) -> str:
    """Remove ``#tag`` occurrences of the given hashtags from a text.

    Matching ignores case and requires the hashtag to end there (``#paris`` is not
    removed from ``#parisattacks``). Runs of spaces left behind are collapsed.

    Args:
        text: The post text.
        hashtags: Hashtags to remove (normalised or not).

    Returns:
        The text without them, stripped.
    """
    out = text
    changed = False
    for tag in hashtags:
        norm = normalise_hashtag(tag)
        if norm:
            out, n = _hashtag_pattern(norm).subn("", out)
            changed = changed or n > 0
    if not changed:
        return text.strip()
    return re.sub(r"[ \t]{2,}", " ", out).strip()


def _require(table: pa.Table, names: Sequence[str]) -> None:
    for name in names:
        if name not in table.column_names:
            raise InputError("the corpus has no such column", field=name)


def _with_columns(
    table: pa.Table,
    solidarity: list[str | None],
    label_tags: list[list[str]],
    texts: list[str | None],
) -> pa.Table:
    for name in LABEL_COLUMNS:
        if name in table.column_names:
            table = table.drop_columns([name])
    table = table.append_column(
        pa.field("solidarity", pa.string()), pa.array(solidarity, pa.string())
    )
    table = table.append_column(
        pa.field("label_hashtags", pa.list_(pa.string())),
        pa.array(label_tags, pa.list_(pa.string())),
    )
    return table.append_column(
        pa.field("text_for_training", pa.string()), pa.array(texts, pa.string())
    )


def label_by_hashtags(
    table: pa.Table,
    lexicon: Mapping[str, str],
    *,
    drop_conflicting: bool = True,
    quiet: bool = True,
) -> LabelResult:
    """Label posts by the label hashtags they carry (distant labelling).

    The post's hashtags come from its ``hashtags`` column; where that is null, from
    ``#tags`` in its text.

    Args:
        table: A corpus with at least ``text`` and ``hashtags``.
        lexicon: Normalised hashtag -> ``"solidarity"`` / ``"not solidarity"``, e.g.
            :meth:`HashtagSheet.lexicon() <crowdpulse.label.sheet.HashtagSheet.lexicon>`.
        drop_conflicting: Remove posts whose label hashtags conflict (the papers do);
            otherwise keep them with a null label.
        quiet: Show no progress bar.

    Returns:
        The labelled table and the counts.

    Raises:
        InputError: A required column is missing.
        ConfigError: A lexicon value is not ``solidarity`` / ``not solidarity``.
    """
    _require(table, ("text", "hashtags"))
    lex: dict[str, str] = {}
    for tag, label in lexicon.items():
        if label not in (SOLIDARITY, NOT_SOLIDARITY):
            raise ConfigError(
                f"lexicon label {label!r} of #{tag} is not solidarity / not solidarity"
            )
        lex[normalise_hashtag(tag)] = label
    solidarity: list[str | None] = []
    label_tags: list[list[str]] = []
    texts: list[str | None] = []
    keep: list[bool] = []
    n_sol = n_not = n_conf = n_none = 0
    with progress("label", total=table.num_rows, quiet=quiet) as bar:
        for start in range(0, table.num_rows, _CHUNK):
            part = table.slice(start, _CHUNK)
            for text, tags in zip(
                part.column("text").to_pylist(), part.column("hashtags").to_pylist(), strict=True
            ):
                if tags is None:
                    tags = _HASHTAG_IN_TEXT.findall(text or "")
                given, found = post_label(tags, lex)
                if given == "conflicting":
                    n_conf += 1
                    keep.append(not drop_conflicting)
                    given = None
                else:
                    keep.append(True)
                    if given == SOLIDARITY:
                        n_sol += 1
                    elif given == NOT_SOLIDARITY:
                        n_not += 1
                    else:
                        n_none += 1
                solidarity.append(given)
                label_tags.append(found)
                texts.append(None if text is None else remove_hashtags(text, found))
            bar.advance(part.num_rows)
    out = _with_columns(table, solidarity, label_tags, texts)
    if drop_conflicting and n_conf:
        out = out.filter(pa.array(keep, pa.bool_()))
    counts = LabelCounts(n_sol, n_not, n_conf, drop_conflicting, n_none)
    return LabelResult(out, counts)


def label_by_column(
    table: pa.Table,
    column: str,
    positive: Sequence[str],
    *,
    exclude: Sequence[str] = (),
) -> LabelResult:
    """Label posts from a label column, e.g. CrisisLexT26's information type.

    Args:
        table: A corpus with ``text`` and ``column``.
        column: The column holding labels (e.g. ``label``).
        positive: Values that mean solidarity (e.g. ``"Sympathy and support"``); every
            other non-null value means not solidarity.
        exclude: Values that mean "no label" (e.g. ``"Not labeled"``).

    Returns:
        The labelled table (``label_hashtags`` empty, ``text_for_training`` = text) and
        the counts (never any conflicting posts).

    Raises:
        InputError: A required column is missing.
        ConfigError: ``positive`` is empty.
    """
    _require(table, ("text", column))
    if not positive:
        raise ConfigError("give the label values that mean solidarity", field="positive")
    pos = {p.strip() for p in positive}
    skip = {e.strip() for e in exclude}
    solidarity: list[str | None] = []
    n_sol = n_not = n_none = 0
    for value in table.column(column).cast(pa.string()).to_pylist():
        v = value.strip() if value is not None else None
        if v is None or v == "" or v in skip:
            solidarity.append(None)
            n_none += 1
        elif v in pos:
            solidarity.append(SOLIDARITY)
            n_sol += 1
        else:
            solidarity.append(NOT_SOLIDARITY)
            n_not += 1
    texts = table.column("text").to_pylist()
    out = _with_columns(table, solidarity, [[] for _ in texts], texts)
    return LabelResult(out, LabelCounts(n_sol, n_not, 0, True, n_none))


def label_corpus(
    table: pa.Table,
    source: LabelSource,
    *,
    drop_conflicting: bool = True,
    exclude: Sequence[str] = (),
    quiet: bool = True,
) -> LabelResult:
    """Label a corpus as an event's :class:`~crowdpulse.event.LabelSource` says.

    Args:
        table: The corpus.
        source: A hashtag sheet, or a column with its positive values.
        drop_conflicting: See :func:`label_by_hashtags`.
        exclude: See :func:`label_by_column`.
        quiet: Show no progress bar.

    Returns:
        The labelled table and its counts.

    Raises:
        ConfigError: The source names neither a sheet nor a column.
        InputError: The sheet cannot be read or a column is missing.
    """
    if source.sheet is not None:
        lexicon = read_sheet(source.sheet).lexicon()
        return label_by_hashtags(table, lexicon, drop_conflicting=drop_conflicting, quiet=quiet)
    if source.column is not None:
        return label_by_column(table, source.column, source.positive, exclude=exclude)
    raise ConfigError("the label source names neither a sheet nor a column", field="labels")


@dataclass(frozen=True)
class LabelFileResult:
    """What :func:`label_file` wrote.

    Attributes:
        counts: The labelling counts, summed over the batches.
        posts: Posts read.
        labelled: Posts kept (written).
        originals: Posts labelled (with ``originals_only``: the posts that are not
            retweets; else every post).
    """

    counts: LabelCounts
    posts: int
    labelled: int
    originals: int


def label_file(
    source: str | Path,
    destination: str | Path,
    labels: LabelSource,
    *,
    drop_conflicting: bool = True,
    exclude: Sequence[str] = (),
    originals_only: bool = False,
    validate: bool = False,
    on_batch: Callable[[pa.Table, pa.Table], None] | None = None,
    batch_size: int = 65_536,
    quiet: bool = True,
) -> LabelFileResult:
    """:func:`label_corpus` of a Parquet file, batch by batch (bounded memory).

    A post's label depends only on the post, so labelling batch by batch gives the
    rows and counts of labelling the whole table; each batch becomes a row group of
    ``destination``, written atomically (no half file on failure).

    Args:
        source: The corpus (or features) file.
        destination: The labelled file written.
        labels: The label source.
        drop_conflicting: See :func:`label_by_hashtags`.
        exclude: See :func:`label_by_column`.
        originals_only: Set retweets (``retweeted_id`` not null) aside first.
        validate: Check the post columns as :func:`crowdpulse.io.corpus.read_corpus`
            does (and give an older corpus its ``platform`` column).
        on_batch: Called with each batch labelled (the posts labelled, the labelled
            table written), e.g. to count more.
        batch_size: Posts per batch.
        quiet: Show no progress bar.

    Returns:
        The counts.

    Raises:
        InputError: The file cannot be read, is not a corpus (``validate``), or a
            needed column is missing.
        ConfigError: The label source names neither a sheet nor a column.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from crowdpulse.io.corpus import iter_row_groups, open_parquet, replaced_atomically
    from crowdpulse.progress import progress
    from crowdpulse.schema import validate_table

    reader = open_parquet(source)
    schema = reader.schema_arrow
    if validate:
        try:
            validate_table(schema.empty_table())
        except InputError as exc:
            raise InputError(exc.reason, path=str(source), field=exc.field) from None
    if labels.sheet is not None:
        lexicon = read_sheet(labels.sheet).lexicon()

        def label(table: pa.Table) -> LabelResult:
            return label_by_hashtags(table, lexicon, drop_conflicting=drop_conflicting)

    elif labels.column is not None:
        if labels.column not in schema.names:
            raise InputError("the corpus has no such label column", field=labels.column)
        column = labels.column

        def label(table: pa.Table) -> LabelResult:
            return label_by_column(table, column, labels.positive, exclude=exclude)

    else:
        raise ConfigError("the label source names neither a sheet nor a column", field="labels")
    batches: Iterator[pa.Table] = (
        pa.Table.from_batches([b]) for b in iter_row_groups(source, batch_size=batch_size)
    )
    if reader.metadata.num_rows == 0:
        batches = iter([schema.empty_table()])
    totals = {"solidarity": 0, "not_solidarity": 0, "conflicting": 0, "unlabelled": 0}
    posts = labelled = originals = 0
    writer: pq.ParquetWriter | None = None
    with (
        replaced_atomically(destination) as temp,
        progress("label", total=reader.metadata.num_rows, quiet=quiet) as bar,
    ):
        try:
            for table in batches:
                if validate:
                    table = validate_table(table)
                chosen = table
                if originals_only:
                    chosen = table.filter(pc.invert(pc.is_valid(table["retweeted_id"])))
                result = label(chosen)
                if writer is None:
                    out_schema = result.table.schema
                    writer = pq.ParquetWriter(temp, out_schema, compression="zstd")
                writer.write_table(result.table.cast(out_schema))
                counts = result.counts
                totals["solidarity"] += counts.solidarity
                totals["not_solidarity"] += counts.not_solidarity
                totals["conflicting"] += counts.conflicting
                totals["unlabelled"] += counts.unlabelled
                posts += table.num_rows
                originals += chosen.num_rows
                labelled += result.table.num_rows
                if on_batch is not None:
                    on_batch(chosen, result.table)
                bar.advance(table.num_rows)
        finally:
            if writer is not None:
                writer.close()
    counts = LabelCounts(
        totals["solidarity"],
        totals["not_solidarity"],
        totals["conflicting"],
        drop_conflicting if labels.sheet is not None else True,
        totals["unlabelled"],
    )
    return LabelFileResult(counts, posts, labelled, originals)
