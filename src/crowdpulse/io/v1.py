"""Reader for Twitter API v1.1 tweet objects (JSON lines, JSON arrays, streaming output).

Parsing and normalisation are vectorised: each block of lines is parsed by
``pyarrow.json`` against :data:`V1_SCHEMA` (the fields crowdpulse uses; all others are
ignored) and turned into :data:`~crowdpulse.schema.POST_SCHEMA` with Arrow compute
kernels. Rules:

- ``id``: ``id_str``, else the numeric ``id``.
- ``text``: ``extended_tweet.full_text``, else ``full_text``, else ``text``; for a
  retweet ``RT @handle: `` followed by the retweeted post's full text. HTML escapes
  (``&amp; &lt; &gt;``) are undone.
- Entities come from ``extended_tweet.entities`` when present (the full text's), else
  ``entities``; a retweet's hashtags and URLs come from the retweeted post (the
  retweet's own entities are cut with its text), its mentions from the retweet itself
  (the retweeted author first, as the text reads).
- Streaming notices (``delete``, ``limit``, ``scrub_geo``, ``status_withheld``,
  ``user_withheld``, ``disconnect``, ``warning``) are counted by kind, not quarantined.
- A record without ``id``/``id_str``, ``created_at``, text or ``user.id_str`` is
  rejected naming the field; a record that is none of the above is rejected as an
  unknown shape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.io import arrowops as ops
from crowdpulse.io.arrowjson import ParsedBlock, parse_block
from crowdpulse.io.records import ReadBatch, Rejected
from crowdpulse.io.source import Block
from crowdpulse.schema import POST_SCHEMA

__all__ = ["NOTICE_KINDS", "V1_SCHEMA", "normalise_v1", "read_v1_blocks"]

_S = pa.string()
_HASHTAGS = pa.list_(pa.struct([("text", _S)]))
_MENTIONS = pa.list_(pa.struct([("id_str", _S), ("screen_name", _S)]))
_URLS = pa.list_(pa.struct([("url", _S), ("expanded_url", _S)]))
_ENTITIES = pa.struct([("hashtags", _HASHTAGS), ("user_mentions", _MENTIONS), ("urls", _URLS)])
_EXTENDED = pa.struct([("full_text", _S), ("entities", _ENTITIES)])
_USER = pa.struct([("id", pa.int64()), ("id_str", _S), ("screen_name", _S), ("location", _S)])
_INNER = pa.struct(
    [
        ("id", pa.int64()),
        ("id_str", _S),
        ("text", _S),
        ("full_text", _S),
        ("extended_tweet", _EXTENDED),
        ("entities", _ENTITIES),
        ("user", _USER),
    ]
)

NOTICE_KINDS: tuple[str, ...] = (
    "delete",
    "limit",
    "scrub_geo",
    "status_withheld",
    "user_withheld",
    "disconnect",
    "warning",
)

V1_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("id_str", _S),
        ("created_at", _S),
        ("text", _S),
        ("full_text", _S),
        ("lang", _S),
        ("extended_tweet", _EXTENDED),
        ("entities", _ENTITIES),
        ("user", _USER),
        ("retweeted_status", _INNER),
        ("quoted_status", _INNER),
        ("quoted_status_id_str", _S),
        ("in_reply_to_status_id", pa.int64()),
        ("in_reply_to_status_id_str", _S),
        ("in_reply_to_user_id", pa.int64()),
        ("in_reply_to_user_id_str", _S),
        ("in_reply_to_screen_name", _S),
        ("coordinates", pa.struct([("coordinates", pa.list_(pa.float64()))])),
        ("place", pa.struct([("country_code", _S)])),
        # Streaming notices: only their presence matters.
        ("delete", pa.struct([("status", pa.struct([("id_str", _S)]))])),
        ("limit", pa.struct([("track", pa.int64())])),
        ("scrub_geo", pa.struct([("user_id_str", _S)])),
        ("status_withheld", pa.struct([("id_str", _S)])),
        ("user_withheld", pa.struct([("id_str", _S)])),
        ("disconnect", pa.struct([("code", pa.int64())])),
        ("warning", pa.struct([("code", _S)])),
    ]
)

_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"


def _time(raw: pa.Array) -> pa.Array:
    parsed = pc.strptime(raw, format=_TWITTER_TIME, unit="us", error_is_null=True)
    iso = pc.strptime(raw, format="%Y-%m-%dT%H:%M:%S%z", unit="us", error_is_null=True)
    return ops.coalesce(parsed, iso).cast(pa.timestamp("us", tz="UTC"))


def _id(table: pa.Table, prefix: str) -> pa.Array:
    return ops.coalesce(
        ops.field(table, f"{prefix}id_str"), ops.as_string(ops.field(table, f"{prefix}id"))
    )


def _full_text(table: pa.Table, prefix: str) -> pa.Array:
    return ops.coalesce(
        ops.field(table, f"{prefix}extended_tweet.full_text"),
        ops.field(table, f"{prefix}full_text"),
        ops.field(table, f"{prefix}text"),
    )


def _entities(table: pa.Table, name: str, *prefixes: str) -> pa.Array:
    paths = []
    for prefix in prefixes:
        paths += [f"{prefix}extended_tweet.entities.{name}", f"{prefix}entities.{name}"]
    return ops.coalesce(*(ops.field(table, p) for p in paths))


def normalise_v1(table: pa.Table, lines: np.ndarray, path: str) -> ReadBatch:
    """Turn parsed v1.1 records into normalised posts, rejects and notice counts.

    Args:
        table: Rows parsed with :data:`V1_SCHEMA`.
        lines: The 1-based line number of each row.
        path: The file name.

    Returns:
        The batch; every row ends as a post, a reject or a notice.
    """
    batch = ReadBatch()
    if table.num_rows == 0:
        return batch
    post_id = _id(table, "")
    created_raw = ops.field(table, "created_at")
    created = _time(created_raw)
    is_rt = pc.is_valid(ops.field(table, "retweeted_status"))
    rt_handle = ops.field(table, "retweeted_status.user.screen_name")
    rt_text = pc.binary_join_element_wise(
        "RT @", rt_handle, ": ", _full_text(table, "retweeted_status."), ""
    )
    text = ops.unescape_html(
        pc.if_else(pc.and_(is_rt, pc.is_valid(rt_text)), rt_text, _full_text(table, ""))
    )
    author_id = _id(table, "user.")

    notice_kind = pa.nulls(table.num_rows, _S)
    for kind in reversed(NOTICE_KINDS):
        notice_kind = pc.if_else(pc.is_valid(ops.field(table, kind)), kind, notice_kind)
    is_notice = pc.and_(pc.is_null(post_id), pc.is_valid(notice_kind))
    checks = [
        (pc.is_null(post_id), "id_str", "missing field"),
        (pc.and_(pc.is_null(created_raw), pc.is_valid(post_id)), "created_at", "missing field"),
        (
            pc.and_(pc.is_valid(created_raw), pc.is_null(created)),
            "created_at",
            "not a Twitter time such as 'Sun Aug 24 20:40:22 +0000 2014'",
        ),
        (pc.is_null(text), "text", "missing field"),
        (pc.is_null(author_id), "user.id_str", "missing field"),
    ]
    bad = pc.fill_null(is_notice, False)
    reasons: dict[int, tuple[str, str]] = {}
    for mask, field_name, reason in checks:
        mask = pc.and_(pc.fill_null(mask, False), pc.invert(bad))
        for row in np.flatnonzero(mask.to_numpy(zero_copy_only=False)):
            reasons[int(row)] = (field_name, reason)
        bad = pc.or_(bad, mask)
    if reasons:
        empty = pc.and_(pc.is_null(post_id), pc.is_null(author_id))
        empty_np = pc.fill_null(empty, False).to_numpy(zero_copy_only=False)
        for index, (field_name, reason) in sorted(reasons.items()):
            if empty_np[index] and field_name == "id_str":
                batch.rejected.append(
                    Rejected(
                        path, int(lines[index]), "unknown record shape: not a v1.1 tweet or notice"
                    )
                )
            else:
                batch.rejected.append(Rejected(path, int(lines[index]), reason, field_name))
    notices = pc.filter(notice_kind, pc.fill_null(is_notice, False))
    batch.notices = Counter({str(k): int(v) for k, v in zip(*_value_counts(notices), strict=True)})

    keep = pc.invert(bad)
    coords = ops.field(table, "coordinates.coordinates")
    has_point = pc.equal(pc.fill_null(pc.list_value_length(coords), 0), 2)
    safe = pc.if_else(has_point, coords, pa.scalar([0.0, 0.0], coords.type))
    lon = pc.if_else(has_point, pc.list_element(safe, 0), pa.scalar(None, pa.float64()))
    lat = pc.if_else(has_point, pc.list_element(safe, 1), pa.scalar(None, pa.float64()))
    mentions = _entities(table, "user_mentions", "")
    hashtags = pc.if_else(
        is_rt,
        _entities(table, "hashtags", "retweeted_status.", ""),
        _entities(table, "hashtags", ""),
    )
    urls = pc.if_else(
        is_rt, _entities(table, "urls", "retweeted_status.", ""), _entities(table, "urls", "")
    )
    n = table.num_rows
    columns = {
        "id": post_id,
        "created_at": created,
        "author_id": author_id,
        "author_handle": ops.field(table, "user.screen_name"),
        "author_location": ops.empty_to_null(ops.field(table, "user.location")),
        "text": text,
        "lang": ops.field(table, "lang"),
        "retweeted_id": _id(table, "retweeted_status."),
        "retweeted_author_id": _id(table, "retweeted_status.user."),
        "retweeted_author_handle": rt_handle,
        "quoted_id": ops.coalesce(
            _id(table, "quoted_status."), ops.field(table, "quoted_status_id_str")
        ),
        "quoted_author_id": _id(table, "quoted_status.user."),
        "quoted_author_handle": ops.field(table, "quoted_status.user.screen_name"),
        "reply_to_id": ops.coalesce(
            ops.field(table, "in_reply_to_status_id_str"),
            ops.as_string(ops.field(table, "in_reply_to_status_id")),
        ),
        "reply_to_author_id": ops.coalesce(
            ops.field(table, "in_reply_to_user_id_str"),
            ops.as_string(ops.field(table, "in_reply_to_user_id")),
        ),
        "reply_to_author_handle": ops.field(table, "in_reply_to_screen_name"),
        "mention_ids": ops.map_list(mentions, lambda v: pc.struct_field(v, "id_str")),
        "mention_handles": ops.map_list(
            mentions, lambda v: pc.utf8_lower(pc.struct_field(v, "screen_name"))
        ),
        "hashtags": ops.map_list(hashtags, lambda v: pc.utf8_lower(pc.struct_field(v, "text"))),
        "urls": ops.map_list(
            urls,
            lambda v: ops.coalesce(pc.struct_field(v, "expanded_url"), pc.struct_field(v, "url")),
        ),
        "longitude": lon,
        "latitude": lat,
        "place_country_code": ops.empty_to_null(ops.field(table, "place.country_code")),
        "label": pa.nulls(n, _S),
        "platform": pa.array(np.full(n, "twitter", dtype=object), _S),
        "source_format": pa.array(np.full(n, "v1", dtype=object), _S),
        "source_file": pa.array(np.full(n, path, dtype=object), _S),
        "source_line": pa.array(lines, pa.int64()),
    }
    posts = pa.Table.from_pydict(columns)
    posts = posts.filter(keep)
    batch.posts = posts.cast(POST_SCHEMA)
    return batch


def _value_counts(arr: pa.Array) -> tuple[list[object], list[int]]:
    if len(arr) == 0:
        return [], []
    counts = pc.value_counts(arr)
    return counts.field("values").to_pylist(), counts.field("counts").to_pylist()


def _batch(parsed: ParsedBlock, path: str) -> ReadBatch:
    batch = normalise_v1(parsed.table, parsed.lines, path)
    batch.rejected = sorted(parsed.rejected + batch.rejected, key=lambda r: r.line)
    return batch


def read_v1_blocks(blocks: Iterator[Block], path: str) -> Iterator[ReadBatch]:
    """Read v1.1 JSON lines block by block.

    The next block is parsed in a background thread (Arrow releases the GIL) while
    the caller works on the current one, so parsing overlaps normalising, filtering
    and writing; at most two blocks are in memory.

    Args:
        blocks: Line-aligned blocks of the file.
        path: The file name.

    Yields:
        One :class:`ReadBatch` per block, in file order.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="crowdpulse-parse") as pool:
        pending: Future[ParsedBlock] | None = None
        for block in blocks:
            future = pool.submit(parse_block, block, V1_SCHEMA, path)
            if pending is not None:
                yield _batch(pending.result(), path)
            pending = future
        if pending is not None:
            yield _batch(pending.result(), path)
