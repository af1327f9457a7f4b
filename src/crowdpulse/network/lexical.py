"""Lexical series per time bucket and Welch tests between groups of posts (paper C5, C6).

The lexical columns are the ``lex_<category>`` float columns of the ``features``
stage (percentage of words per category, like LIWC; ``lex_emo`` = posemo - negemo).
A category is named with or without its ``lex_`` prefix (``"posemo"`` or
``"lex_posemo"``). A null value (a post the stage could not score) is left out of
every mean and test; it is not a zero.

Subsets of posts: ``"all"`` (every post of the table) and ``"mention"`` (mention
posts: at least one mention, retweets left out unless ``include_retweets``; see
:mod:`crowdpulse.network.edges`).

Comparison classes (Figure 4 of the paper), from the difference of the means
``first - second`` (for periods: firestorm minus before) and Welch's t-test
(:func:`scipy.stats.ttest_ind` with ``equal_var=False``):

* ``"significantly more"`` / ``"significantly less"``: the difference is positive /
  negative and ``p < alpha`` (paper: 0.01);
* ``"more"`` / ``"less"``: the difference is positive / negative, not significant (or
  a group has a single value, so no test);
* ``"equal"``: the means are equal;
* ``"undefined"``: a group has no value.

The paper's bar "more" counts both ``"more"`` and ``"significantly more"``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.network.buckets import (
    BucketAssignment,
    TimeLike,
    bucket_grid,
    times_to_micros,
    to_micros,
)
from crowdpulse.network.edges import (
    author_nodes,
    encode_edges,
    mention_post_mask,
    network_edges,
)
from crowdpulse.network.metrics import largest_weak_component

__all__ = [
    "CLASSES",
    "Subset",
    "compare_components",
    "compare_groups",
    "compare_periods",
    "count_classes",
    "lexical_columns",
    "lexical_series",
]

Subset = Literal["all", "mention"]
CLASSES: tuple[str, ...] = (
    "significantly more",
    "more",
    "less",
    "significantly less",
    "equal",
    "undefined",
)
"""The comparison classes, in the order :func:`count_classes` reports them."""

_PREFIX = "lex_"
_WEEK = timedelta(days=7)


def lexical_columns(table: pa.Table, categories: Sequence[str] | None = None) -> list[str]:
    """Resolve lexical categories to the table's ``lex_*`` column names.

    Args:
        table: A corpus table with ``lex_<category>`` columns.
        categories: Names with or without the ``lex_`` prefix; default every
            ``lex_*`` column, in table order.

    Returns:
        The column names.

    Raises:
        InputError: The table has no ``lex_*`` column (run the ``features`` stage).
        ConfigError: A requested category has no column, or a column is not numeric.
    """
    available = [name for name in table.column_names if name.startswith(_PREFIX)]
    if categories is None:
        if not available:
            raise InputError(
                "the corpus has no lexical columns (lex_*); run the features stage first",
                field="lex_*",
            )
        columns = available
    else:
        columns = []
        for name in categories:
            column = name if name.startswith(_PREFIX) else _PREFIX + name
            if column not in table.column_names:
                raise ConfigError(
                    f"no column {column!r}; the corpus has: {', '.join(available) or 'none'}",
                    field="categories",
                )
            columns.append(column)
    for column in columns:
        kind = table.schema.field(column).type
        if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)):
            raise ConfigError(f"column {column!r} is {kind}, not numeric", field="categories")
    return columns


def _values(table: pa.Table, column: str) -> np.ndarray:
    """The column as float64 with NaN for null."""
    array = pc.cast(table.column(column), pa.float64()).fill_null(np.nan)
    return np.asarray(array.to_numpy(), dtype=np.float64)


def _subset_masks(
    table: pa.Table, subsets: Sequence[str], include_retweets: bool
) -> dict[str, np.ndarray]:
    masks: dict[str, np.ndarray] = {}
    for subset in subsets:
        if subset == "all":
            masks[subset] = np.ones(table.num_rows, dtype=bool)
        elif subset == "mention":
            masks[subset] = mention_post_mask(table, include_retweets=include_retweets)
        else:
            raise ConfigError(
                f"unknown subset {subset!r}; expected 'all' or 'mention'", field="subsets"
            )
    return masks


def _trailing_mean(series: np.ndarray, width: int) -> np.ndarray:
    finite = np.isfinite(series)
    sums = np.concatenate([[0.0], np.cumsum(np.where(finite, series, 0.0))])
    counts = np.concatenate([[0], np.cumsum(finite)])
    ends = np.arange(1, series.size + 1)
    starts = np.maximum(ends - width, 0)
    n = counts[ends] - counts[starts]
    out = np.full(series.size, np.nan)
    np.divide(sums[ends] - sums[starts], n, out=out, where=n > 0)
    return out


def lexical_series(
    table: pa.Table,
    *,
    bucket_minutes: int = 30,
    categories: Sequence[str] | None = None,
    subsets: Sequence[Subset] = ("all", "mention"),
    origin: TimeLike | None = None,
    end: TimeLike | None = None,
    include_retweets: bool = False,
    rolling: int | None = None,
    grid: BucketAssignment | None = None,
) -> pa.Table:
    """Mean of every lexical category per time bucket (paper C6, no smoothing).

    Args:
        table: A corpus table with ``created_at`` and ``lex_*`` columns (and the
            mention columns for the ``"mention"`` subset).
        bucket_minutes: Bucket length in minutes (paper: 30).
        categories: Categories to include (default every ``lex_*`` column).
        subsets: ``"all"`` posts and/or ``"mention"`` posts.
        origin: Start of the first bucket (default: the first post's time floored to
            the bucket length), as for :func:`~crowdpulse.network.window_metrics`.
        end: End of the last bucket (exclusive); default the last post's bucket.
        include_retweets: Count retweets with mentions as mention posts.
        rolling: If given, replace each value by the mean of the non-NaN values of
            the last ``rolling`` buckets (this one included). Default: no smoothing.
        grid: The bucket grid, if already computed for this table
            (:func:`~crowdpulse.network.buckets.bucket_grid`); ``origin`` and
            ``end`` are then ignored.

    Returns:
        One row per bucket: ``bucket`` (number), ``start`` (``timestamp[us, UTC]``),
        ``posts`` and, with the mention subset, ``mention_posts`` (counts), then
        one float64 column per
        category and subset named ``"<column>:<subset>"`` (e.g.
        ``"lex_posemo:mention"``): the mean over the bucket's posts of that subset
        with a value, NaN for a bucket without any.

    Raises:
        InputError: A needed column is missing.
        ConfigError: An option is invalid.
    """
    columns = lexical_columns(table, categories)
    if rolling is not None and (isinstance(rolling, bool) or int(rolling) < 1):
        raise ConfigError("expected a whole number of at least 1", field="rolling")
    if "created_at" not in table.column_names:
        raise InputError("not a crowdpulse corpus: column is missing", field="created_at")
    buckets = bucket_grid(table, minutes=bucket_minutes, origin=origin, end=end, grid=grid)
    index = buckets.index
    n = buckets.count
    inside = index >= 0
    if not subsets:
        raise ConfigError("give at least one subset", field="subsets")
    masks = _subset_masks(table, subsets, include_retweets)
    data: dict[str, object] = {
        "bucket": np.arange(n, dtype=np.int64),
        "start": buckets.starts(),
        "posts": np.bincount(index[inside], minlength=n).astype(np.int64),
    }
    if "mention" in masks:
        mention_counts = np.bincount(index[inside & masks["mention"]], minlength=n)
        data["mention_posts"] = mention_counts.astype(np.int64)
    for column in columns:
        values = _values(table, column)
        scored = inside & np.isfinite(values)
        for subset in subsets:
            keep = scored & masks[subset]
            sums = np.bincount(index[keep], weights=values[keep], minlength=n)
            counts = np.bincount(index[keep], minlength=n)
            means = np.full(n, np.nan)
            np.divide(sums, counts, out=means, where=counts > 0)
            data[f"{column}:{subset}"] = _trailing_mean(means, int(rolling)) if rolling else means
    return pa.table(data)


def _welch(first: np.ndarray, second: np.ndarray) -> tuple[float, float]:
    if first.size < 2 or second.size < 2:
        return float("nan"), float("nan")
    from scipy import stats

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.ttest_ind(first, second, equal_var=False)
    return float(result.statistic), float(result.pvalue)


def _classify(difference: float, p: float, alpha: float) -> str:
    if np.isnan(difference):
        return "undefined"
    if difference == 0:
        return "equal"
    significant = bool(p < alpha) if not np.isnan(p) else False
    if difference > 0:
        return "significantly more" if significant else "more"
    return "significantly less" if significant else "less"


def _check_alpha(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise ConfigError("alpha must be between 0 and 1", field="alpha")
    return float(alpha)


def _as_mask(
    mask: np.ndarray | pa.Array | pa.ChunkedArray | Sequence[bool], n: int, field: str
) -> np.ndarray:
    if isinstance(mask, (pa.Array, pa.ChunkedArray)):
        mask = np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False))
    out = np.asarray(mask)
    if out.dtype != bool or out.shape != (n,):
        raise ConfigError(f"expected {n} booleans, one per post", field=field)
    return out


def compare_groups(
    table: pa.Table,
    first: np.ndarray | pa.Array | Sequence[bool],
    second: np.ndarray | pa.Array | Sequence[bool],
    *,
    alpha: float = 0.01,
    categories: Sequence[str] | None = None,
    names: tuple[str, str] = ("first", "second"),
) -> pa.Table:
    """Compare two groups of posts category by category with Welch's t-test.

    Args:
        table: A corpus table with ``lex_*`` columns.
        first: One bool per post: the first group (e.g. the firestorm posts).
        second: One bool per post: the second group (e.g. the week before).
        alpha: Significance level (paper: 0.01).
        categories: Categories to compare (default every ``lex_*`` column).
        names: Names of the two groups, used in the column names.

    Returns:
        One row per category: ``category`` (without ``lex_``), ``column``,
        ``n_<first>``, ``n_<second>`` (posts with a value), ``mean_<first>``,
        ``mean_<second>``, ``difference`` (first - second), ``t`` and ``p`` (Welch;
        NaN when a group has fewer than two values), ``class`` (see
        :data:`CLASSES`).

    Raises:
        InputError: The table has no lexical columns.
        ConfigError: An option or mask is invalid.
    """
    alpha = _check_alpha(alpha)
    columns = lexical_columns(table, categories)
    a = _as_mask(first, table.num_rows, "first")
    b = _as_mask(second, table.num_rows, "second")
    na, nb = names
    rows: dict[str, list[object]] = {
        key: []
        for key in (
            "category", "column", f"n_{na}", f"n_{nb}", f"mean_{na}", f"mean_{nb}",
            "difference", "t", "p", "class",
        )
    }  # fmt: skip
    for column in columns:
        values = _values(table, column)
        scored = np.isfinite(values)
        va, vb = values[a & scored], values[b & scored]
        mean_a = float(va.mean()) if va.size else float("nan")
        mean_b = float(vb.mean()) if vb.size else float("nan")
        difference = mean_a - mean_b
        t, p = _welch(va, vb)
        for key, value in zip(
            rows,
            (column[len(_PREFIX) :], column, va.size, vb.size, mean_a, mean_b, difference, t, p,
             _classify(difference, p, alpha)),
            strict=True,
        ):  # fmt: skip
            rows[key].append(value)
    schema = pa.schema(
        [
            ("category", pa.string()), ("column", pa.string()),
            (f"n_{na}", pa.int64()), (f"n_{nb}", pa.int64()),
            (f"mean_{na}", pa.float64()), (f"mean_{nb}", pa.float64()),
            ("difference", pa.float64()), ("t", pa.float64()), ("p", pa.float64()),
            ("class", pa.string()),
        ]
    )  # fmt: skip
    return pa.table(rows, schema=schema)


def _period_mask(
    micros: np.ndarray, valid: np.ndarray, lo: int | None, hi: int | None
) -> np.ndarray:
    mask = valid.copy()
    if lo is not None:
        mask &= micros >= lo
    if hi is not None:
        mask &= micros < hi
    return mask


def compare_periods(
    table: pa.Table,
    split: TimeLike,
    *,
    alpha: float = 0.01,
    before: timedelta | None = _WEEK,
    after: timedelta | None = _WEEK,
    subsets: Sequence[Subset] = ("all", "mention"),
    categories: Sequence[str] | None = None,
    include_retweets: bool = False,
    firestorm_posts: np.ndarray | pa.Array | Sequence[bool] | None = None,
) -> pa.Table:
    """Compare the firestorm period with the period before it (paper C5, Figure 4).

    The firestorm group is the posts in ``[split, split + after)``, the comparison
    group those in ``[split - before, split)`` (the paper: the week of the
    firestorm and the week before, split at the firestorm's start).

    Args:
        table: A corpus table with ``created_at`` and ``lex_*`` columns.
        split: The firestorm's start (or any split time).
        alpha: Significance level (paper: 0.01).
        before: Length of the period before (None: everything before ``split``).
        after: Length of the firestorm period (None: everything from ``split`` on).
        subsets: ``"all"`` posts (Figure 4a) and/or ``"mention"`` posts (Figure 4b).
        categories: Categories to compare (default every ``lex_*`` column).
        include_retweets: Count retweets with mentions as mention posts.
        firestorm_posts: Optional bool per post restricting the firestorm group
            (e.g. only the posts carrying the firestorm's hashtag or mention).

    Returns:
        The rows of :func:`compare_groups` for each subset, with the names
        ``after`` (firestorm) and ``before`` and a ``subset`` column first;
        ``difference`` is firestorm minus before.

    Raises:
        InputError: A needed column is missing.
        ConfigError: An option is invalid.
    """
    for name, length in (("before", before), ("after", after)):
        if length is not None and length <= timedelta(0):
            raise ConfigError("the period must be longer than zero", field=name)
    if "created_at" not in table.column_names:
        raise InputError("not a crowdpulse corpus: column is missing", field="created_at")
    at = to_micros(split, "split")
    micros, valid = times_to_micros(table.column("created_at"))
    us = timedelta(microseconds=1)
    later = _period_mask(micros, valid, at, None if after is None else at + after // us)
    earlier = _period_mask(micros, valid, None if before is None else at - before // us, at)
    if firestorm_posts is not None:
        later &= _as_mask(firestorm_posts, table.num_rows, "firestorm_posts")
    masks = _subset_masks(table, subsets, include_retweets)
    parts = []
    for subset in subsets:
        result = compare_groups(
            table,
            later & masks[subset],
            earlier & masks[subset],
            alpha=alpha,
            categories=categories,
            names=("after", "before"),
        )
        parts.append(
            result.add_column(0, "subset", pa.array([subset] * result.num_rows, pa.string()))
        )
    if not parts:
        raise ConfigError("give at least one subset", field="subsets")
    return pa.concat_tables(parts)


def compare_components(
    table: pa.Table,
    *,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    alpha: float = 0.01,
    categories: Sequence[str] | None = None,
    include_retweets: bool = False,
) -> pa.Table:
    """Compare mention posts inside and outside the largest component (paper C5, last part).

    The mention network of the posts in ``[start, end)`` is built (as in
    :func:`~crowdpulse.network.window_metrics`, one window); a mention post is
    *inside* if its author is a node of the largest weakly connected component,
    else *outside* (self-mentions only, or a smaller component).

    Args:
        table: A corpus table with ``created_at``, mention and ``lex_*`` columns.
        start: Start of the period (default: all posts).
        end: End of the period, exclusive (default: all posts).
        alpha: Significance level (paper: 0.01).
        categories: Categories to compare (default every ``lex_*`` column).
        include_retweets: Let retweets' mentions count.

    Returns:
        The rows of :func:`compare_groups` with the names ``inside`` and
        ``outside`` and a ``subset`` column (``"lwcc"``) first; ``difference`` is
        inside minus outside.

    Raises:
        InputError: A needed column is missing.
        ConfigError: An option is invalid.
    """
    if "created_at" not in table.column_names:
        raise InputError("not a crowdpulse corpus: column is missing", field="created_at")
    micros, valid = times_to_micros(table.column("created_at"))
    lo = None if start is None else to_micros(start, "start")
    hi = None if end is None else to_micros(end, "end")
    period = _period_mask(micros, valid, lo, hi)
    mentions = mention_post_mask(table, include_retweets=include_retweets) & period
    edges = network_edges(table, "mention", include_retweets=include_retweets)
    keep = period[edges.post]
    encoded = encode_edges(edges)
    _, members = largest_weak_component(encoded.source[keep], encoded.target[keep])
    member_ids = encoded.names.take(pa.array(members, type=pa.int64()))
    in_lwcc = np.asarray(
        pc.is_in(author_nodes(table), value_set=member_ids).fill_null(False), dtype=bool
    )
    result = compare_groups(
        table,
        mentions & in_lwcc,
        mentions & ~in_lwcc,
        alpha=alpha,
        categories=categories,
        names=("inside", "outside"),
    )
    return result.add_column(0, "subset", pa.array(["lwcc"] * result.num_rows, pa.string()))


def count_classes(results: Iterable[pa.Table]) -> pa.Table:
    """Count the comparison classes over many events (Figure 4 of the paper).

    Args:
        results: One table per event from :func:`compare_periods`,
            :func:`compare_components` or :func:`compare_groups`.

    Returns:
        One row per (``subset``, ``category``), in order of first appearance, with
        one int64 column per class (``significantly_more``, ``more``, ``less``,
        ``significantly_less``, ``equal``, ``undefined``) and ``events`` (their
        sum). ``subset`` is ``"all"`` for tables without one.

    Raises:
        InputError: A table lacks the ``category`` or ``class`` column.
    """
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for table in results:
        for name in ("category", "class"):
            if name not in table.column_names:
                raise InputError("not a comparison result: column is missing", field=name)
        subsets = (
            table.column("subset").to_pylist()
            if "subset" in table.column_names
            else ["all"] * table.num_rows
        )
        for subset, category, kind in zip(
            subsets,
            table.column("category").to_pylist(),
            table.column("class").to_pylist(),
            strict=True,
        ):
            if kind not in CLASSES:
                raise InputError(f"unknown class {kind!r}", field="class")
            row = counts.setdefault((subset, category), dict.fromkeys(CLASSES, 0))
            row[kind] += 1
    data: dict[str, list[object]] = {"subset": [], "category": []}
    for kind in CLASSES:
        data[kind.replace(" ", "_")] = []
    data["events"] = []
    for (subset, category), row in counts.items():
        data["subset"].append(subset)
        data["category"].append(category)
        for kind in CLASSES:
            data[kind.replace(" ", "_")].append(row[kind])
        data["events"].append(sum(row.values()))
    schema = pa.schema(
        [("subset", pa.string()), ("category", pa.string())]
        + [(kind.replace(" ", "_"), pa.int64()) for kind in CLASSES]
        + [("events", pa.int64())]
    )
    return pa.table(data, schema=schema)
