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
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from markupsafe import Markup

__all__ = ["MAX_POSTS", "drill_json", "sample_posts", "term_mask"]

MAX_POSTS = 8
"""Example posts per drill-down."""

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
    total = int(rows.size)
    if total > cap:
        rows = np.sort(np.random.default_rng(seed).choice(rows, size=cap, replace=False))
    picked = table.take(pa.array(rows, type=pa.int64()))
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
