"""Drill-down: example posts behind a number (a peak, a term, an emoji).

Each drill-down is a sample of at most :data:`MAX_POSTS` posts drawn with the
report's seed from the posts that the number counts. The texts come from the
stage files; the page shows no account names: authors are never shown and every
``@name`` in a text becomes ``@user`` (except the firestorm's target, which the
event names). A pseudonymised corpus holds pseudonyms only, masked the same way.
The page carries the samples as JSON and shows them when a row or a chart point is
chosen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from markupsafe import Markup

__all__ = [
    "BATCH_ROWS",
    "MAX_POSTS",
    "FileSample",
    "drill_json",
    "pick_rows",
    "sample_file",
    "sample_of",
    "sample_posts",
    "take_rows",
    "term_mask",
]

MAX_POSTS = 8
"""Example posts per drill-down."""

BATCH_ROWS = 65_536
"""Posts per batch when the page's sections read a stage file (bounded memory)."""

_MAX_CHARS = 280
_MENTION = re.compile(r"(?<![\w@])@\w{1,15}")


def sample_posts(
    table: pa.Table,
    mask: np.ndarray,
    *,
    seed: int,
    title: str,
    what: str,
    label_column: str | None = None,
    cap: int = MAX_POSTS,
    keep: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Sample posts of a mask with a seed.

    Args:
        table: Posts with ``created_at`` and ``text`` (and ``label_column``).
        mask: One bool a post: the posts the number counts.
        seed: The sample's seed (the report's).
        title: The drill-down's title.
        what: What the posts are (for the note: "N posts ...; M shown").
        label_column: A column shown beside each post (e.g. ``solidarity``).
        cap: At most this many posts.
        keep: ``@handles`` (lower case) shown as they are, e.g. the firestorm's target;
            every other ``@handle`` in a text becomes ``@user``.

    Returns:
        ``{"title", "note", "posts": [{"time", "text", "label"}]}``.
    """
    rows = np.flatnonzero(mask)
    picked = table.take(pa.array(pick_rows(rows, seed=seed, cap=cap), type=pa.int64()))
    return sample_of(
        picked,
        int(rows.size),
        seed=seed,
        title=title,
        what=what,
        label_column=label_column,
        keep=keep,
    )


def pick_rows(rows: np.ndarray, *, seed: int, cap: int = MAX_POSTS) -> np.ndarray:
    """The rows :func:`sample_posts` shows, of the (ascending) rows a number counts.

    The choice depends only on how many rows there are, the seed and the cap, so
    the rows may be positions in any table that keeps the posts' order (a filtered
    table, or the whole file read batch by batch): the same posts are chosen.

    Args:
        rows: The rows counted, ascending.
        seed: The sample's seed.
        cap: At most this many rows.

    Returns:
        The rows shown, ascending.
    """
    if rows.size > cap:
        return np.sort(np.random.default_rng(seed).choice(rows, size=cap, replace=False))
    return rows


def sample_of(
    picked: pa.Table,
    total: int,
    *,
    seed: int,
    title: str,
    what: str,
    label_column: str | None = None,
    keep: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """A drill-down of posts already picked (:func:`pick_rows`) of ``total`` counted.

    Args:
        picked: The posts shown (``created_at``, ``text``, ``label_column``), in order.
        total: The posts the number counts.
        seed: The seed they were picked with (for the note).
        title: The drill-down's title.
        what: What the posts are.
        label_column: A column shown beside each post.
        keep: ``@handles`` (lower case) shown as they are.

    Returns:
        As :func:`sample_posts`.
    """
    times = picked.column("created_at").to_pylist()
    texts = picked.column("text").to_pylist()
    labels = (
        picked.column(label_column).to_pylist()
        if label_column and label_column in picked.column_names
        else [None] * len(texts)
    )
    posts = []
    for moment, text, label in zip(times, texts, labels, strict=True):
        stamp = moment.strftime("%Y-%m-%d %H:%M UTC") if isinstance(moment, datetime) else "no time"
        body = _MENTION.sub(
            lambda m: m.group(0) if m.group(0).lower() in keep else "@user", (text or "").strip()
        )
        if len(body) > _MAX_CHARS:
            body = body[: _MAX_CHARS - 1] + "…"
        shown = str(label) if label else None
        posts.append({"time": stamp, "text": body, "label": shown})
    return {
        "title": title,
        "note": f"{total:,} {what}; {len(posts)} shown, sampled with seed {seed}.",
        "posts": posts,
    }


@dataclass
class FileSample:
    """The posts a drill-down of a file shows, and how many the number counts.

    Attributes:
        total: The posts counted.
        picked: The posts shown (the ``columns`` asked for), in file order.
    """

    total: int
    picked: pa.Table


def sample_file(
    path: str | Path,
    columns: Sequence[str],
    masks: Callable[[pa.Table], Mapping[str, np.ndarray]],
    take: Sequence[str],
    *,
    seed: int,
    keys: Sequence[str] = (),
    cap: int = MAX_POSTS,
    batch_size: int | None = None,
) -> dict[str, FileSample]:
    """Drill-down samples of a Parquet file, read batch by batch (bounded memory).

    The file is read twice: once for the masks (``columns`` only; only the row
    numbers each mask selects are kept), once for the rows picked (``take`` columns of
    the row groups that hold them). The posts chosen are those :func:`sample_posts`
    chooses on the whole table with the same masks.

    Args:
        path: The file.
        columns: Columns the masks read.
        masks: A batch (table) -> one bool mask a drill-down key (keys may differ
            between batches; a key missing in a batch selects none of its posts).
        take: Columns of the picked posts returned.
        seed: The samples' seed.
        keys: Keys always returned (with no post when no batch selects any).
        cap: At most this many posts a drill-down.
        batch_size: Posts per batch (default :data:`BATCH_ROWS`).

    Returns:
        Key -> :class:`FileSample`, for ``keys`` and every key a batch gave.
    """
    from crowdpulse.io.corpus import iter_row_groups

    found: dict[str, list[np.ndarray]] = {key: [] for key in keys}
    offset = 0
    size = batch_size or BATCH_ROWS
    for batch in iter_row_groups(path, columns=list(columns), batch_size=size):
        for key, mask in masks(pa.Table.from_batches([batch])).items():
            found.setdefault(key, []).append(np.flatnonzero(mask) + offset)
        offset += batch.num_rows
    chosen: dict[str, tuple[int, np.ndarray]] = {}
    for key, parts in found.items():
        rows = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        chosen[key] = (int(rows.size), pick_rows(rows, seed=seed, cap=cap))
    wanted = np.unique(np.concatenate([r for _, r in chosen.values()] or [np.zeros(0, np.int64)]))
    rows_table = take_rows(path, wanted, take)
    out: dict[str, FileSample] = {}
    for key, (total, rows) in chosen.items():
        at = np.searchsorted(wanted, rows)
        out[key] = FileSample(total, rows_table.take(pa.array(at, type=pa.int64())))
    return out


def take_rows(path: str | Path, rows: np.ndarray, columns: Sequence[str]) -> pa.Table:
    """Some rows of a Parquet file, reading only the row groups that hold them.

    Args:
        path: The file.
        rows: Row numbers in the file, ascending, without repeats.
        columns: The columns read.

    Returns:
        The rows, in the order given.
    """
    from crowdpulse.io.corpus import open_parquet

    reader = open_parquet(path)
    parts: list[pa.Table] = []
    start = 0
    for group in range(reader.metadata.num_row_groups):
        size = reader.metadata.row_group(group).num_rows
        lo, hi = np.searchsorted(rows, [start, start + size])
        if hi > lo:
            part = reader.read_row_group(group, columns=list(columns), use_threads=False)
            parts.append(part.take(pa.array(rows[lo:hi] - start, type=pa.int64())))
        start += size
    if not parts:
        return reader.schema_arrow.empty_table().select(list(columns))
    return pa.concat_tables(parts)


def term_mask(texts: pa.Array | pa.ChunkedArray, term: str) -> np.ndarray:
    """Posts whose text contains a term as whole words (case-insensitive)."""
    words = r"\s+".join(re.escape(w) for w in term.split())
    pattern = rf"(?:^|[^\w]){words}(?:$|[^\w])" if re.match(r"\w", term) else re.escape(term)
    hit = pc.match_substring_regex(texts, pattern, ignore_case=True)
    return np.asarray(hit.fill_null(False), dtype=bool)


def emoji_mask(emojis: pa.Array | pa.ChunkedArray, emoji: str) -> np.ndarray:
    """Posts whose ``emojis`` list holds an emoji."""
    if isinstance(emojis, pa.ChunkedArray):
        emojis = emojis.combine_chunks()
    flat = pc.list_flatten(emojis)
    parents = np.asarray(pc.list_parent_indices(emojis))
    hit = np.asarray(pc.equal(flat, emoji).fill_null(False), dtype=bool)
    mask = np.zeros(len(emojis), dtype=bool)
    mask[parents[hit]] = True
    return mask


def drill_json(samples: dict[str, Any]) -> Markup:
    """The samples as JSON safe inside a ``<script>`` element."""
    text = json.dumps(samples, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return Markup(text)


def keys(prefix: str, values: Sequence[str]) -> list[str]:
    """Drill-down keys for values (stable, safe in an attribute)."""
    return [f"{prefix}:{i}" for i in range(len(values))]
