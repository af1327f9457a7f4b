"""A summary of a corpus: size, platforms, time span, languages, hashtags, posts per day."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["describe"]


def _top(arr: pa.Array | pa.ChunkedArray, k: int) -> list[list[Any]]:
    arr = pc.drop_null(arr)
    if len(arr) == 0:
        return []
    counts = pc.value_counts(arr)
    values = counts.field("values").to_pylist()
    numbers = counts.field("counts").to_pylist()
    ranked = sorted(zip(values, numbers, strict=True), key=lambda vc: (-vc[1], str(vc[0])))
    return [[v, c] for v, c in ranked[:k]]


def describe(table: pa.Table, *, top: int = 10) -> dict[str, Any]:
    """Summarise a corpus table.

    Args:
        table: A corpus (post schema).
        top: How many hashtags, mentions and languages to list.

    Returns:
        A JSON-ready dict with keys ``posts``, ``authors``, ``platforms`` (every
        platform with its post count, ``[platform, count]`` pairs, most posts first),
        ``first``, ``last``, ``retweets``, ``replies``, ``quotes``, ``languages``,
        ``hashtags``, ``mentions``, ``posts_per_day`` (``[day, count]`` pairs) and
        ``formats``.
    """
    created = table["created_at"]
    first = pc.min(created).as_py()
    last = pc.max(created).as_py()
    days = (
        pc.strftime(pc.drop_null(created), format="%Y-%m-%d")
        if len(created)
        else pa.array([], pa.string())
    )
    per_day = sorted(_top(days, 100_000), key=lambda dc: dc[0])
    platforms = table["platform"] if "platform" in table.column_names else pa.array([], pa.string())
    return {
        "posts": table.num_rows,
        "authors": pc.count_distinct(table["author_id"]).as_py(),
        "platforms": _top(platforms, len(platforms)),
        "first": first.isoformat() if first else None,
        "last": last.isoformat() if last else None,
        "without_time": pc.sum(pc.is_null(created)).as_py() or 0,
        "retweets": pc.sum(pc.is_valid(table["retweeted_id"])).as_py() or 0,
        "replies": pc.sum(pc.is_valid(table["reply_to_id"])).as_py() or 0,
        "quotes": pc.sum(pc.is_valid(table["quoted_id"])).as_py() or 0,
        "languages": _top(table["lang"], top),
        "hashtags": _top(pc.list_flatten(table["hashtags"]), top),
        "mentions": _top(pc.list_flatten(table["mention_handles"]), top),
        "posts_per_day": per_day,
        "formats": _top(table["source_format"], top),
    }
