"""The ground truth of a firestorm, measured on a corpus (firestorm paper, C9).

A firestorm has a *target*: an account (``@name``) the crowd mentions, or a hashtag
(``#tag``) it carries. Posts are cut into time buckets
(:func:`crowdpulse.network.assign_buckets`, paper: half hours). Definitions, all per
bucket:

*target posts*
    Posts that mention the account (its lower-cased handle is in
    ``mention_handles``) or carry the hashtag (in ``hashtags``). A post counts once
    however often it repeats the target.

*top other*
    The largest number of posts in the bucket that mention one same *other* account
    (keyed by handle, or by id where the handle is missing) or carry one same other
    hashtag; 0 when there is none.

*start*
    The first bucket in which the target is the most frequent mention (hashtag):
    ``target_posts >= min_count`` and ``target_posts > top_other`` (strictly: a tie
    with another account does not start the firestorm). ``min_count`` defaults to 1,
    as in the paper, whose focused collection made even a few posts enough; raise it
    for a broad collection where a single stray post could top a quiet night bucket.

*peak (in-degree)*
    The bucket whose sliding mention-network window (ending with that bucket, the
    paper's 12 hours by default) has the highest maximum in-degree, i.e. the peak of
    the paper's Figure 3 (:func:`crowdpulse.network.window_metrics`). With
    ``window_buckets=1`` each bucket's own network is used instead.

*peak (posts)*
    The bucket with the most target posts (the paper's second definition).

Ties go to the earliest bucket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.network.buckets import BucketAssignment, TimeLike, bucket_grid

__all__ = [
    "GroundTruth",
    "TargetCounts",
    "ground_truth",
    "parse_target",
    "target_counts",
    "target_post_mask",
    "truth_from_counts",
]

TargetKind = Literal["mention", "hashtag"]


def parse_target(target: str) -> tuple[TargetKind, str]:
    """Split a target into its kind and lower-cased name.

    Args:
        target: ``@account`` or ``#hashtag``.

    Returns:
        ``("mention", name)`` or ``("hashtag", name)``.

    Raises:
        ConfigError: The target does not start with ``@`` or ``#`` or has no name.

    Example:
        >>> parse_target("@KLM")
        ('mention', 'klm')
    """
    text = (target or "").strip()
    if len(text) < 2 or text[0] not in "@#" or not text[1:].strip():
        raise ConfigError("the target is an @account or a #hashtag", field="target")
    kind: TargetKind = "mention" if text[0] == "@" else "hashtag"
    return kind, text[1:].strip().lower()


def _list_column(table: pa.Table, name: str) -> pa.Array:
    if name not in table.column_names:
        raise InputError("not a crowdpulse corpus: column is missing", field=name)
    column = table.column(name)
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _keys(table: pa.Table, kind: TargetKind) -> tuple[np.ndarray, pa.Array]:
    """Return ``(post, key)`` for every mentioned account / carried hashtag."""
    if kind == "hashtag":
        tags = _list_column(table, "hashtags")
        post = np.asarray(pc.list_parent_indices(tags), dtype=np.int64)
        keys = pc.utf8_lower(pc.list_flatten(tags))
    else:
        handles = _list_column(table, "mention_handles")
        ids = _list_column(table, "mention_ids")
        both = pc.and_(pc.is_valid(handles), pc.is_valid(ids))
        same = pc.equal(pc.list_value_length(handles), pc.list_value_length(ids))
        paired = np.asarray(pc.and_(both, same).fill_null(False), dtype=bool)
        # Where the lists pair up, a mention without a handle falls back to "id:<id>";
        # elsewhere the handles are used as they are, or the ids when there are none.
        use_ids = ~paired & ~np.asarray(pc.is_valid(handles), dtype=bool)
        use_handles = ~paired & ~use_ids
        posts: list[np.ndarray] = []
        parts: list[pa.Array] = []
        for rows, kind_ in ((paired, "paired"), (use_handles, "handles"), (use_ids, "ids")):
            if not rows.any():
                continue
            picked = pa.array(rows)
            source = ids if kind_ == "ids" else handles
            sub = source.filter(picked)
            parents = np.flatnonzero(rows)[np.asarray(pc.list_parent_indices(sub), dtype=np.int64)]
            flat = pc.list_flatten(sub).cast(pa.string())
            if kind_ == "ids":
                flat = pc.binary_join_element_wise("id:", flat, "")
            else:
                flat = pc.utf8_lower(flat)
            if kind_ == "paired":
                by_id = pc.binary_join_element_wise(
                    "id:", pc.list_flatten(ids.filter(picked)).cast(pa.string()), ""
                )
                flat = pc.coalesce(flat, by_id)
            posts.append(parents)
            parts.append(flat)
        if posts:
            post = np.concatenate(posts)
            keys = pa.concat_arrays(parts)
        else:
            post = np.zeros(0, dtype=np.int64)
            keys = pa.array([], pa.string())
    valid = np.asarray(pc.is_valid(keys), dtype=bool)
    if not valid.all():
        post = post[valid]
        keys = keys.filter(pa.array(valid))
    return post, keys


def target_post_mask(table: pa.Table, target: str) -> np.ndarray:
    """Return one bool a post: True where the post mentions / carries the target.

    Args:
        table: A corpus table (``mention_handles`` / ``hashtags``).
        target: ``@account`` or ``#hashtag``.

    Returns:
        The mask.

    Raises:
        ConfigError: The target is malformed.
        InputError: A needed column is missing.
    """
    kind, name = parse_target(target)
    post, keys = _keys(table, kind)
    mask = np.zeros(table.num_rows, dtype=bool)
    hit = np.asarray(pc.equal(keys, name).fill_null(False), dtype=bool)
    mask[post[hit]] = True
    return mask


@dataclass(frozen=True)
class TargetCounts:
    """Per bucket counts of target posts and of the most frequent other key.

    Attributes:
        target_posts: int64, one entry a bucket: posts mentioning / carrying the target.
        top_other: int64: posts of the most frequent other account / hashtag.
        top_other_key: The key of that account (handle, ``id:<id>``) or hashtag, or
            None for a bucket without any.
    """

    target_posts: np.ndarray
    top_other: np.ndarray
    top_other_key: list[str | None]


def target_counts(
    table: pa.Table,
    target: str,
    *,
    bucket_minutes: int = 30,
    origin: TimeLike | None = None,
    end: TimeLike | None = None,
    grid: BucketAssignment | None = None,
) -> TargetCounts:
    """Count target posts and the most frequent other mention (hashtag) per bucket.

    Args:
        table: A corpus table.
        target: ``@account`` or ``#hashtag``.
        bucket_minutes: Bucket length (paper: 30).
        origin: Start of bucket 0 (default: the first post's time floored).
        end: End of the grid, exclusive (default: the last post's bucket).
        grid: The bucket grid, if already computed for this table
            (:func:`~crowdpulse.network.buckets.bucket_grid`); ``origin`` and
            ``end`` are then ignored.

    Returns:
        The :class:`TargetCounts`, one entry per bucket of the grid.

    Raises:
        ConfigError: The target or an option is invalid.
        InputError: A needed column is missing.
    """
    kind, name = parse_target(target)
    buckets = bucket_grid(table, minutes=bucket_minutes, origin=origin, end=end, grid=grid)
    n = buckets.count
    post, keys = _keys(table, kind)
    bucket = buckets.index[post]
    inside = bucket >= 0
    post, bucket = post[inside], bucket[inside]
    keys = keys.filter(pa.array(inside))
    target_posts = np.zeros(n, dtype=np.int64)
    top_other = np.zeros(n, dtype=np.int64)
    top_key: list[str | None] = [None] * n
    if len(keys) == 0:
        return TargetCounts(target_posts, top_other, top_key)
    encoded = keys.dictionary_encode()
    dictionary = encoded.dictionary
    codes = np.asarray(encoded.indices, dtype=np.int64)
    n_keys = len(dictionary)
    # One entry per (post, key): a post repeating a mention counts once.
    pairs = np.unique(post * n_keys + codes)
    pair_post, pair_code = pairs // n_keys, pairs % n_keys
    pair_bucket = buckets.index[pair_post]
    cells, counts = np.unique(pair_bucket * n_keys + pair_code, return_counts=True)
    cell_bucket, cell_code = cells // n_keys, cells % n_keys
    names = dictionary.to_pylist()
    target_code = names.index(name) if name in names else -1
    is_target = cell_code == target_code
    target_posts[cell_bucket[is_target]] = counts[is_target]
    other = ~is_target
    ob, oc, ocode = cell_bucket[other], counts[other], cell_code[other]
    # Per bucket the largest count; ties go to the alphabetically first key.
    rank = np.empty(n_keys, dtype=np.int64)
    rank[np.asarray(pc.sort_indices(dictionary), dtype=np.int64)] = np.arange(n_keys)
    order = np.lexsort((rank[ocode], -oc, ob))
    ob, oc, ocode = ob[order], oc[order], ocode[order]
    first = np.ones(ob.size, dtype=bool)
    first[1:] = ob[1:] != ob[:-1]
    for b, c, code in zip(ob[first], oc[first], ocode[first], strict=True):
        top_other[int(b)] = int(c)
        top_key[int(b)] = names[int(code)]
    return TargetCounts(target_posts, top_other, top_key)


@dataclass(frozen=True)
class GroundTruth:
    """Start and peaks of a firestorm on the bucket grid of a corpus.

    Attributes:
        target: The target as given (``@name`` / ``#tag``), lower-cased.
        kind: ``"mention"`` or ``"hashtag"``.
        origin: Start of bucket 0 (UTC).
        bucket_minutes: Bucket length.
        min_count: Target posts a bucket needs to count as the start.
        posts: int64 posts per bucket.
        target_posts: int64 target posts per bucket.
        top_other: int64 posts of the most frequent other mention / hashtag per bucket.
        max_in_degree: int64 maximum in-degree of the mention network per bucket (of
            the window ending with the bucket).
        window_buckets: Buckets per network window used for ``max_in_degree``.
        start_bucket: The start (None if the target never tops the bucket).
        peak_in_degree_bucket: Bucket of the highest max in-degree (None if no edge).
        peak_posts_bucket: Bucket with the most target posts (None if none).
    """

    target: str
    kind: TargetKind
    origin: datetime
    bucket_minutes: int
    min_count: int
    posts: np.ndarray
    target_posts: np.ndarray
    top_other: np.ndarray
    max_in_degree: np.ndarray
    window_buckets: int
    start_bucket: int | None
    peak_in_degree_bucket: int | None
    peak_posts_bucket: int | None

    @property
    def n_buckets(self) -> int:
        """Number of buckets of the grid."""
        return int(self.posts.size)

    @property
    def bucket_hours(self) -> float:
        """Length of a bucket in hours."""
        return self.bucket_minutes / 60.0

    def time(self, bucket: int | None) -> datetime | None:
        """Start time (UTC) of a bucket, or None."""
        if bucket is None:
            return None
        return self.origin + timedelta(minutes=self.bucket_minutes * int(bucket))

    def references(self) -> dict[str, int | None]:
        """The reference buckets an evaluation measures against.

        Returns:
            ``{"start": ..., "peak_in_degree": ..., "peak_posts": ...}``.
        """
        return {
            "start": self.start_bucket,
            "peak_in_degree": self.peak_in_degree_bucket,
            "peak_posts": self.peak_posts_bucket,
        }

    def firestorm_share(self) -> float:
        """Target posts as a share of all posts (paper's Figure 1: 2-8 %)."""
        total = int(self.posts.sum())
        return float(self.target_posts.sum()) / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the ground truth as a JSON-ready dict (times as ISO 8601 strings)."""

        def iso(bucket: int | None) -> str | None:
            moment = self.time(bucket)
            return None if moment is None else moment.isoformat().replace("+00:00", "Z")

        return {
            "target": self.target,
            "kind": self.kind,
            "origin": iso(0),
            "bucket_minutes": self.bucket_minutes,
            "buckets": self.n_buckets,
            "min_count": self.min_count,
            "window_buckets": self.window_buckets,
            "start_bucket": self.start_bucket,
            "start": iso(self.start_bucket),
            "peak_in_degree_bucket": self.peak_in_degree_bucket,
            "peak_in_degree": iso(self.peak_in_degree_bucket),
            "peak_in_degree_value": (
                int(self.max_in_degree[self.peak_in_degree_bucket])
                if self.peak_in_degree_bucket is not None
                else None
            ),
            "peak_posts_bucket": self.peak_posts_bucket,
            "peak_posts": iso(self.peak_posts_bucket),
            "peak_posts_value": (
                int(self.target_posts[self.peak_posts_bucket])
                if self.peak_posts_bucket is not None
                else None
            ),
            "posts": int(self.posts.sum()),
            "target_posts": int(self.target_posts.sum()),
            "firestorm_share": round(self.firestorm_share(), 6),
        }


def _first_max(values: np.ndarray) -> int | None:
    if values.size == 0 or values.max() <= 0:
        return None
    return int(np.argmax(values))


def ground_truth(
    table: pa.Table,
    target: str,
    *,
    bucket_minutes: int = 30,
    window_buckets: int = 24,
    min_count: int = 1,
    origin: TimeLike | None = None,
    end: TimeLike | None = None,
    max_in_degree: np.ndarray | None = None,
    grid: BucketAssignment | None = None,
) -> GroundTruth:
    """Measure a firestorm's start and peaks on a corpus (paper C9).

    Args:
        table: A corpus table.
        target: ``@account`` or ``#hashtag``.
        bucket_minutes: Bucket length (paper: 30).
        window_buckets: Buckets per mention-network window for the in-degree peak
            (paper: 24 = 12 hours; 1 = each bucket's own network).
        min_count: Target posts a bucket needs to be the start (paper: 1).
        origin: Start of bucket 0 (default: the first post's time floored).
        end: End of the grid, exclusive (default: the last post's bucket).
        max_in_degree: The ``max_in_degree`` column of
            :func:`~crowdpulse.network.window_metrics` for the same grid, if already
            computed (else it is computed here).
        grid: The bucket grid, if already computed for this table
            (:func:`~crowdpulse.network.buckets.bucket_grid`); ``origin`` and
            ``end`` are then ignored.

    Returns:
        The :class:`GroundTruth`.

    Raises:
        ConfigError: An option is invalid or ``max_in_degree`` has the wrong length.
        InputError: A needed column is missing.

    Example:
        >>> truth = ground_truth(corpus, "@klm")  # doctest: +SKIP
        >>> truth.start_bucket, truth.peak_posts_bucket  # doctest: +SKIP
        (458, 468)
    """
    parse_target(target)
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ConfigError("expected a whole number of at least 1", field="min_count")
    buckets = bucket_grid(table, minutes=bucket_minutes, origin=origin, end=end, grid=grid)
    counts = target_counts(table, target, bucket_minutes=bucket_minutes, grid=buckets)
    n = buckets.count
    if counts.target_posts.size != n:  # pragma: no cover - same grid by construction
        raise ConfigError("bucket grids differ", field="end")
    if max_in_degree is None:
        from crowdpulse.network.windows import window_metrics

        metrics = window_metrics(
            table,
            network="mention",
            bucket_minutes=bucket_minutes,
            window_buckets=window_buckets,
            grid=buckets,
        )
        max_in_degree = np.asarray(metrics.column("max_in_degree").to_numpy(), dtype=np.int64)
    else:
        max_in_degree = np.asarray(max_in_degree, dtype=np.int64)
        if max_in_degree.size != n:
            raise ConfigError(
                f"got {max_in_degree.size} max in-degree values for {n} buckets",
                field="max_in_degree",
            )
    return truth_from_counts(
        target,
        origin=buckets.origin,
        bucket_minutes=bucket_minutes,
        window_buckets=window_buckets,
        min_count=min_count,
        posts=buckets.counts(),
        target_posts=counts.target_posts,
        top_other=counts.top_other,
        max_in_degree=max_in_degree,
    )


def truth_from_counts(
    target: str,
    *,
    origin: datetime,
    bucket_minutes: int,
    window_buckets: int,
    min_count: int,
    posts: np.ndarray,
    target_posts: np.ndarray,
    top_other: np.ndarray,
    max_in_degree: np.ndarray,
) -> GroundTruth:
    """The ground truth from its per-bucket counts (what :func:`ground_truth` measures).

    The firestorm's time chunks (:mod:`crowdpulse.firestorm.chunks`) count each
    chunk's buckets separately and put the arrays together here.

    Args:
        target: ``@account`` or ``#hashtag``.
        origin: Start of bucket 0 (UTC).
        bucket_minutes: Bucket length.
        window_buckets: Buckets per network window of ``max_in_degree``.
        min_count: Target posts a bucket needs to be the start.
        posts: Posts per bucket.
        target_posts: Target posts per bucket (:attr:`TargetCounts.target_posts`).
        top_other: Posts of the most frequent other key per bucket.
        max_in_degree: Maximum in-degree of the window ending with each bucket.

    Returns:
        The :class:`GroundTruth`.

    Raises:
        ConfigError: The target or ``min_count`` is invalid, or the arrays differ in
            length.
    """
    kind, name = parse_target(target)
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ConfigError("expected a whole number of at least 1", field="min_count")
    tp = np.asarray(target_posts, dtype=np.int64)
    arrays = [np.asarray(a, dtype=np.int64) for a in (posts, top_other, max_in_degree)]
    if any(a.size != tp.size for a in arrays):
        raise ConfigError("the per-bucket counts differ in length", field="max_in_degree")
    posts, top_other, max_in_degree = arrays
    tops = np.flatnonzero((tp >= min_count) & (tp > top_other))
    return GroundTruth(
        target=f"{'@' if kind == 'mention' else '#'}{name}",
        kind=kind,
        origin=origin,
        bucket_minutes=int(bucket_minutes),
        min_count=min_count,
        posts=posts,
        target_posts=tp,
        top_other=top_other,
        max_in_degree=max_in_degree,
        window_buckets=int(window_buckets),
        start_bucket=int(tops[0]) if tops.size else None,
        peak_in_degree_bucket=_first_max(max_in_degree),
        peak_posts_bucket=_first_max(tp),
    )
