"""The time series a firestorm detector watches, one value per bucket (paper C1, C3, C6).

Series, named as in ``series.csv``:

==========================  ================================================================
name                        value per bucket
==========================  ================================================================
``posts``                   posts in the bucket
``mention_posts``           mention posts in the bucket (retweets left out)
``target_posts``            posts mentioning / carrying the target (see :mod:`.truth`)
``lex_<cat>:all``           mean of the category over the bucket's posts (paper C6, no
                            smoothing; NaN for an empty bucket)
``lex_<cat>:mention``       the same over the bucket's mention posts
``mention_net:<metric>``    each numeric metric of the mention network of the window
                            ending with the bucket (paper C2, C3; see
                            :data:`crowdpulse.network.METRIC_COLUMNS`)
==========================  ================================================================

Lexical and network series come from :func:`crowdpulse.network.lexical_series` and
:func:`crowdpulse.network.window_metrics`; this module only lines them up.

What the detector sees (:func:`detector_values`): the penalties 2..10 of the paper
are absolute numbers, so they only mean something in the units of the series.
Lexical means (percentages of words, as in LIWC) and ratios go in raw, as in the
paper. Counts (:func:`is_count_series`) are variance-stabilised first with
Anscombe's transform ``2 * sqrt(x + 3/8)``: Poisson noise then has a variance of
about 1 at every level, so the same penalty means the same evidence at night (3
posts a bucket) and at the firestorm's peak (300); raw counts would put a change
point at every swing of the day/night rhythm. Alert magnitudes of counts are in
these transformed units.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pyarrow as pa

from crowdpulse.exceptions import ConfigError
from crowdpulse.firestorm.truth import target_post_mask
from crowdpulse.network.buckets import BucketAssignment, TimeLike, bucket_grid
from crowdpulse.network.lexical import Subset, lexical_columns, lexical_series
from crowdpulse.network.windows import METRIC_COLUMNS, window_metrics

__all__ = [
    "COUNT_METRICS",
    "NETWORK_PREFIX",
    "NUMERIC_METRICS",
    "CountTransform",
    "detection_series",
    "detector_values",
    "is_count_series",
    "is_lexical_series",
    "is_network_series",
    "network_row",
    "series_names",
    "target_in_degree",
]

CountTransform = Literal["anscombe", "none"]

NETWORK_PREFIX = "mention_net:"
"""Prefix of the mention-network window metrics in series names."""

NUMERIC_METRICS: tuple[str, ...] = tuple(
    column for column in METRIC_COLUMNS if not column.endswith("_degree_node")
)
"""The numeric columns of :func:`~crowdpulse.network.window_metrics` used as series."""

COUNT_METRICS: frozenset[str] = frozenset(
    {
        "nodes",
        "edges",
        "max_out_degree",
        "max_in_degree",
        "lwcc_size",
        "posts",
        "mention_posts",
        "retweet_posts",
    }
)
"""Window metrics that are counts (variance-stabilised before detection)."""

_BUCKET_COUNTS = ("posts", "mention_posts", "target_posts")


def is_lexical_series(name: str) -> bool:
    """True for a lexical series (``lex_<category>:<subset>``)."""
    return name.startswith("lex_")


def is_network_series(name: str) -> bool:
    """True for a mention-network window metric (``mention_net:<metric>``)."""
    return name.startswith(NETWORK_PREFIX)


def is_count_series(name: str) -> bool:
    """True for a series of counts: bucket counts and the count-valued window metrics."""
    if name in _BUCKET_COUNTS:
        return True
    return is_network_series(name) and name[len(NETWORK_PREFIX) :] in COUNT_METRICS


def series_names(
    table: pa.Table | None = None,
    *,
    categories: Sequence[str] | None = None,
    subsets: Sequence[Subset] = ("all", "mention"),
    lexical: bool = True,
    network: bool = True,
) -> list[str]:
    """The names of the series :func:`detection_series` returns, in column order.

    Args:
        table: A table with the ``lex_*`` columns (needed with ``lexical`` when
            ``categories`` is not given).
        categories: Lexical categories (default: every ``lex_*`` column of ``table``).
        subsets: ``"all"`` and/or ``"mention"``.
        lexical: Include the lexical series.
        network: Include the mention-network metrics.

    Returns:
        The names.
    """
    names = list(_BUCKET_COUNTS)
    if lexical:
        if categories is None:
            if table is None:
                raise ConfigError("give the categories or a table", field="categories")
            columns = lexical_columns(table)
        else:
            columns = [c if c.startswith("lex_") else f"lex_{c}" for c in categories]
        names += [f"{column}:{subset}" for column in columns for subset in subsets]
    if network:
        names += [NETWORK_PREFIX + m for m in NUMERIC_METRICS]
    return names


def network_row(metrics: pa.Table, row: int) -> dict[str, float]:
    """The network series of one row of a window-metrics table.

    Args:
        metrics: A table from :func:`~crowdpulse.network.window_metrics`.
        row: The row (window) number.

    Returns:
        ``{"mention_net:<metric>": value}`` (NaN for a null ratio).
    """
    out: dict[str, float] = {}
    for metric in NUMERIC_METRICS:
        value = metrics.column(metric)[row].as_py()
        out[NETWORK_PREFIX + metric] = float("nan") if value is None else float(value)
    return out


def detection_series(
    table: pa.Table,
    target: str,
    *,
    bucket_minutes: int = 30,
    window_buckets: int = 24,
    categories: Sequence[str] | None = None,
    subsets: Sequence[Subset] = ("all", "mention"),
    lexical: bool = True,
    network: bool = True,
    origin: TimeLike | None = None,
    end: TimeLike | None = None,
    metrics: pa.Table | None = None,
    quiet: bool = True,
    grid: BucketAssignment | None = None,
) -> pa.Table:
    """Build every series the detector watches, one row per bucket.

    Args:
        table: A corpus table; with ``lexical``, it needs the ``lex_*`` columns of
            the features stage.
        target: ``@account`` or ``#hashtag`` (for ``target_posts``).
        bucket_minutes: Bucket length (paper: 30).
        window_buckets: Buckets per network window (paper: 24).
        categories: Lexical categories (default: every ``lex_*`` column).
        subsets: Lexical subsets: ``"all"`` posts and/or ``"mention"`` posts.
        lexical: Include the lexical series.
        network: Include the mention-network window metrics.
        origin: Start of bucket 0 (default: the first post's time floored).
        end: End of the grid, exclusive (default: the last post's bucket).
        metrics: A :func:`~crowdpulse.network.window_metrics` table for the same grid,
            if already computed.
        quiet: Show no progress bar.
        grid: The bucket grid, if already computed for this table
            (:func:`~crowdpulse.network.buckets.bucket_grid`); ``origin`` and
            ``end`` are then ignored.

    Returns:
        Columns ``bucket`` (int64), ``start`` (``timestamp[us, UTC]``) and one float64
        column per series (see :func:`series_names`).

    Raises:
        InputError: A needed column is missing (e.g. no ``lex_*`` column).
        ConfigError: An option is invalid.
    """
    buckets = bucket_grid(table, minutes=bucket_minutes, origin=origin, end=end, grid=grid)
    n = buckets.count
    data: dict[str, object] = {
        "bucket": np.arange(n, dtype=np.int64),
        "start": buckets.starts(),
    }
    index = buckets.index
    inside = index >= 0
    lex = None
    if lexical:
        lex = lexical_series(
            table,
            bucket_minutes=bucket_minutes,
            categories=categories,
            subsets=subsets,
            grid=buckets,
        )
    from crowdpulse.network.edges import mention_post_mask

    mentions = mention_post_mask(table)
    data["posts"] = np.bincount(index[inside], minlength=n).astype(np.float64)
    data["mention_posts"] = np.bincount(index[inside & mentions], minlength=n).astype(np.float64)
    hits = target_post_mask(table, target)
    data["target_posts"] = np.bincount(index[inside & hits], minlength=n).astype(np.float64)
    if lex is not None:
        for name in lex.column_names:
            if name.startswith("lex_"):
                data[name] = np.asarray(lex.column(name).to_numpy(), dtype=np.float64)
    if network:
        if metrics is None:
            metrics = window_metrics(
                table,
                network="mention",
                bucket_minutes=bucket_minutes,
                window_buckets=window_buckets,
                quiet=quiet,
                grid=buckets,
            )
        if metrics.num_rows != n:
            raise ConfigError(
                f"the window metrics have {metrics.num_rows} rows for {n} buckets",
                field="metrics",
            )
        for metric in NUMERIC_METRICS:
            column = metrics.column(metric).cast(pa.float64()).fill_null(np.nan)
            data[NETWORK_PREFIX + metric] = np.asarray(column.to_numpy(), dtype=np.float64)
    return pa.table(data)


def detector_values(
    names: Sequence[str],
    values: np.ndarray,
    *,
    count_transform: CountTransform = "anscombe",
) -> np.ndarray:
    """Put series values into the units the detector's penalties are meant for.

    Args:
        names: The series names, one per column of ``values``.
        values: Shape (S,) (one bucket) or (T, S) (buckets x series); NaN (missing)
            stays NaN.
        count_transform: ``"anscombe"`` (default): counts become
            ``2 * sqrt(x + 3/8)``; ``"none"``: everything raw, as in the paper.

    Returns:
        A float64 array of the same shape.

    Raises:
        ConfigError: Unknown transform, or names and columns differ in number.
    """
    if count_transform not in ("anscombe", "none"):
        raise ConfigError(
            f"unknown count transform {count_transform!r}; expected 'anscombe' or 'none'",
            field="count_transform",
        )
    out = np.array(values, dtype=np.float64, copy=True)
    if out.shape[-1] != len(names):
        raise ConfigError(
            f"got {out.shape[-1]} columns for {len(names)} series names", field="names"
        )
    if count_transform == "none":
        return out
    counts = np.array([is_count_series(name) for name in names], dtype=bool)
    if counts.any():
        with np.errstate(invalid="ignore"):
            out[..., counts] = 2.0 * np.sqrt(np.maximum(out[..., counts], 0.0) + 0.375)
    return out


def target_in_degree(
    table: pa.Table, target: str, index: np.ndarray, n: int, mask: np.ndarray | None = None
) -> np.ndarray:
    """The target's in-degree per bucket: distinct accounts whose posts are aimed at it.

    Args:
        table: A corpus table.
        target: ``@account`` or ``#hashtag``.
        index: Bucket of every post (negative: outside the grid).
        n: Buckets in the grid.
        mask: The target-post mask, if already computed.

    Returns:
        ``n`` floats.
    """
    from crowdpulse.network.edges import author_nodes

    hits = target_post_mask(table, target) if mask is None else mask
    chosen = np.flatnonzero(hits & (index >= 0))
    if chosen.size == 0 or n == 0:
        return np.zeros(n)
    authors = author_nodes(table).take(pa.array(chosen))
    pairs = pa.table({"b": pa.array(index[chosen]), "a": authors}).filter(
        pa.compute.is_valid(authors)
    )
    unique = pairs.group_by(["b", "a"]).aggregate([])
    buckets = np.asarray(unique.column("b").to_numpy(), dtype=np.int64)
    return np.bincount(buckets, minlength=n)[:n].astype(np.float64)
