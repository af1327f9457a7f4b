"""Sliding-window mention and retweet networks, computed incrementally (paper C2, C3).

The timeline is cut into buckets (:mod:`crowdpulse.network.buckets`, paper: 30
minutes). The window ending with bucket ``b`` holds the posts of buckets
``b - W + 1 .. b`` (paper: ``W = 24``, 12 hours); there is one window per bucket, so
the first ``W - 1`` windows are shorter (column ``buckets``). Each window's network is
directed and unweighted: edge ``u -> v`` exists if at least one post of the window
creates it (:mod:`crowdpulse.network.edges`), and its nodes are the ends of its edges.

Incremental algorithm: the edges of every bucket are computed once, numbered and
deduplicated. :class:`IncrementalDiGraph` keeps, for every edge, the number of
buckets of the window in which it occurs; sliding the window adds the newest
bucket's edges and removes the oldest's, and only edges whose count goes from 0 to 1
or from 1 to 0 change the graph. In- and out-degrees are kept per node, with a
histogram of nodes per degree so the maximum degree moves lazily (it only goes down
when the histogram at the maximum empties). The largest weakly connected component
is recomputed per window with scipy's C-coded ``connected_components`` on the
window's edges (:mod:`crowdpulse.network.metrics`). The cost per window is the
size of two buckets plus one component pass, not the size of the window.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.network.buckets import BucketAssignment, TimeLike, assign_buckets, bucket_grid
from crowdpulse.network.edges import (
    Network,
    encode_edges,
    mention_post_mask,
    network_edges,
    retweet_post_mask,
)
from crowdpulse.network.metrics import SlidingComponentMethod, window_component_sizes
from crowdpulse.progress import track

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "METRIC_COLUMNS",
    "IncrementalDiGraph",
    "window_graph",
    "window_metrics",
]

METRIC_COLUMNS: tuple[str, ...] = (
    "nodes",
    "edges",
    "density",
    "avg_out_degree",
    "max_out_degree",
    "max_out_degree_node",
    "max_in_degree",
    "max_in_degree_node",
    "lwcc_size",
    "lwcc_fraction",
    "posts",
    "mention_posts",
    "retweet_posts",
    "mention_post_ratio",
    "retweet_post_ratio",
    "edges_per_post",
    "edges_per_node",
    "posts_per_node",
)
"""The metric columns of :func:`window_metrics`, in order (see docs/firestorm_networks.md)."""


class IncrementalDiGraph:
    """A directed graph under batches of edge insertions and deletions.

    The possible edges are fixed up front (``source[k] -> target[k]`` is edge
    ``k``); the graph holds a multiplicity per edge and an edge is present while its
    multiplicity is positive. Nodes are present while they have an edge.

    Args:
        source: int64 node codes of the possible edges' sources (no self-loops).
        target: int64 node codes of their targets.
        n_nodes: Number of node codes (every code is below it).

    Raises:
        ConfigError: The arrays differ in length, a code is out of range, or an edge
            is a self-loop.
    """

    def __init__(self, source: np.ndarray, target: np.ndarray, n_nodes: int) -> None:
        source = np.asarray(source, dtype=np.int64)
        target = np.asarray(target, dtype=np.int64)
        if source.shape != target.shape:
            raise ConfigError("source and target differ in length", field="target")
        if source.size and (
            min(source.min(), target.min()) < 0 or max(source.max(), target.max()) >= n_nodes
        ):
            raise ConfigError("node code out of range", field="source")
        if np.any(source == target):
            raise ConfigError("self-loops are not allowed", field="target")
        self._source = source
        self._target = target
        self._multiplicity = np.zeros(source.size, dtype=np.int64)
        self.out_degree = np.zeros(n_nodes, dtype=np.int64)
        """Out-degree of every node code (read-only for callers)."""
        self.in_degree = np.zeros(n_nodes, dtype=np.int64)
        """In-degree of every node code (read-only for callers)."""
        self._out_hist = np.zeros(n_nodes + 1, dtype=np.int64)
        self._in_hist = np.zeros(n_nodes + 1, dtype=np.int64)
        self._out_hist[0] = self._in_hist[0] = n_nodes
        self._slot = np.zeros(n_nodes, dtype=np.int64)
        self._out_max = [0, -1]
        self._in_max = [0, -1]
        self.n_nodes = 0
        """Number of nodes with at least one edge."""
        self.n_edges = 0
        """Number of edges with a positive multiplicity."""

    @property
    def max_out_degree(self) -> tuple[int, int]:
        """``(degree, node)``: the maximum out-degree and the smallest node with it, or -1."""
        return self._out_max[0], self._out_max[1]

    @property
    def max_in_degree(self) -> tuple[int, int]:
        """``(degree, node)``: the maximum in-degree and the smallest node with it, or -1."""
        return self._in_max[0], self._in_max[1]

    def present_edges(self) -> np.ndarray:
        """Return the sorted indices of the present edges (a pass over all possible edges)."""
        return np.flatnonzero(self._multiplicity > 0)

    def _distinct(self, values: np.ndarray) -> np.ndarray:
        """Return the distinct values of an array of node codes, unordered (no sort)."""
        positions = np.arange(values.size)
        self._slot[values] = positions
        return values[self._slot[values] == positions]

    def update(
        self,
        add: np.ndarray | None = None,
        remove: np.ndarray | None = None,
        *,
        distinct: bool = False,
    ) -> None:
        """Add and remove edge occurrences.

        Args:
            add: Edge indices whose multiplicity goes up by one per occurrence.
            remove: Edge indices whose multiplicity goes down by one per occurrence.
            distinct: The caller promises that ``add`` and ``remove`` each hold an
                edge at most once (saves a sort).

        Raises:
            ConfigError: An edge would get a negative multiplicity (the graph is
                left unchanged).
        """
        mult = self._multiplicity
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        for edges, step in ((remove, -1), (add, 1)):
            if edges is None or len(edges) == 0:
                parts.append((np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)))
                continue
            edges = np.asarray(edges, dtype=np.int64)
            if distinct:
                counts = np.ones(edges.size, dtype=np.int64)
            else:
                edges, counts = np.unique(edges, return_counts=True)
            parts.append((edges, counts * step))
        (rem, rem_counts), (add_e, add_counts) = parts
        if rem.size and np.any(mult[rem] + rem_counts < 0):
            raise ConfigError("an edge would be removed more often than added", field="remove")
        before = mult[rem]
        mult[rem] = before + rem_counts
        gone = rem[mult[rem] == 0]
        before = mult[add_e]
        mult[add_e] = before + add_counts
        new = add_e[before == 0]
        # An edge removed and re-added in one call is in both lists: its changes cancel.
        if gone.size == 0 and new.size == 0:
            return
        changed = np.concatenate([new, gone])
        sign = np.ones(changed.size, dtype=np.int64)
        sign[new.size :] = -1
        src = self._source[changed]
        dst = self._target[changed]
        self.n_edges += int(new.size) - int(gone.size)
        touched = self._distinct(np.concatenate([src, dst]))
        had = int(np.count_nonzero(self.out_degree[touched] + self.in_degree[touched]))
        self._apply(self.out_degree, self._out_hist, self._out_max, src, sign)
        self._apply(self.in_degree, self._in_hist, self._in_max, dst, sign)
        has = int(np.count_nonzero(self.out_degree[touched] + self.in_degree[touched]))
        self.n_nodes += has - had

    def _apply(
        self,
        degree: np.ndarray,
        hist: np.ndarray,
        best: list[int],
        nodes: np.ndarray,
        sign: np.ndarray,
    ) -> None:
        distinct = self._distinct(nodes)
        old = degree[distinct]
        np.add.at(degree, nodes, sign)
        new = degree[distinct]
        moved = new != old
        if not moved.any():
            return
        distinct, old, new = distinct[moved], old[moved], new[moved]
        np.subtract.at(hist, old, 1)
        np.add.at(hist, new, 1)
        top, holder = best
        reached = int(new.max())
        if reached > top:
            best[0], best[1] = reached, int(distinct[new == reached].min())
            return
        if top == 0:
            return
        if hist[top] == 0:
            while top > 0 and hist[top] == 0:
                top -= 1
            best[0] = top
            best[1] = int(np.flatnonzero(degree == top)[0]) if top > 0 else -1
        elif degree[holder] != top:
            best[1] = int(np.flatnonzero(degree == top)[0])
        else:
            at_top = distinct[new == top]
            if at_top.size and int(at_top.min()) < holder:
                best[1] = int(at_top.min())


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting (numpy's hash-based unique is slower on large int arrays)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(num.shape, np.nan, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _window_sums(per_bucket: np.ndarray, window: int) -> np.ndarray:
    csum = np.concatenate([[0], np.cumsum(per_bucket, dtype=np.int64)])
    ends = np.arange(1, per_bucket.size + 1)
    return csum[ends] - csum[np.maximum(ends - window, 0)]


def _check_positive(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError("expected a whole number of at least 1", field=name)
    return int(value)


def window_metrics(
    table: pa.Table,
    *,
    network: Network = "mention",
    bucket_minutes: int = 30,
    window_buckets: int = 24,
    origin: TimeLike | None = None,
    end: TimeLike | None = None,
    include_retweets: bool = False,
    component_method: SlidingComponentMethod = "contracted",
    quiet: bool = True,
    grid: BucketAssignment | None = None,
) -> pa.Table:
    """Compute the network metrics of every sliding window (paper C2, C3, Figure 2).

    Args:
        table: A corpus table (``created_at``, ``author_id``, ``author_handle``,
            ``mention_ids``, ``mention_handles``, ``retweeted_id``,
            ``retweeted_author_id``, ``retweeted_author_handle``).
        network: ``"mention"`` (paper's main network) or ``"retweet"``.
        bucket_minutes: Bucket length in minutes (paper: 30).
        window_buckets: Buckets per window (paper: 24, i.e. 12 hours).
        origin: Start of the first bucket; default the first post's time floored to
            the bucket length (see :func:`~crowdpulse.network.buckets.assign_buckets`).
        end: End of the last bucket (exclusive); default the last post's bucket.
        include_retweets: Let retweets' mentions count in the mention network and
            in ``mention_posts``.
        component_method: How the largest weakly connected components are found
            (all exact; see
            :func:`~crowdpulse.network.metrics.window_component_sizes`).
        quiet: Show no progress bar.
        grid: The bucket grid, if already computed for this table
            (:func:`~crowdpulse.network.buckets.bucket_grid`); ``origin`` and
            ``end`` are then ignored.

    Returns:
        One row per window, ordered by time, with columns ``window`` (number of its
        last bucket), ``start`` and ``end`` (``timestamp[us, UTC]``, end exclusive),
        ``buckets`` (buckets covered) and the :data:`METRIC_COLUMNS`:
        ``nodes``, ``edges``, ``density`` (``E / (N (N - 1))``, 0 for ``N < 2``),
        ``avg_out_degree`` (``E / N``), ``max_out_degree``, ``max_out_degree_node``,
        ``max_in_degree``, ``max_in_degree_node`` (the node id with the maximum,
        the smallest id on a tie, null for an empty graph), ``lwcc_size`` and
        ``lwcc_fraction`` (largest weakly connected component, nodes and share of
        ``N``), ``posts``, ``mention_posts``, ``retweet_posts``,
        ``mention_post_ratio``, ``retweet_post_ratio``, ``edges_per_post``,
        ``edges_per_node``, ``posts_per_node``. A ratio whose denominator is 0 is
        NaN. The schema metadata ``crowdpulse.network`` records the settings.

    Raises:
        InputError: A needed column is missing or malformed.
        ConfigError: An option is invalid.

    Example:
        >>> metrics = window_metrics(corpus)  # doctest: +SKIP
        >>> metrics.column("max_in_degree").to_pylist()[:3]  # doctest: +SKIP
        [1, 3, 3]
    """
    bucket_minutes = _check_positive(bucket_minutes, "bucket_minutes")
    window = _check_positive(window_buckets, "window_buckets")
    if "created_at" not in table.column_names:
        raise InputError("not a crowdpulse corpus: column is missing", field="created_at")
    buckets = bucket_grid(table, minutes=bucket_minutes, origin=origin, end=end, grid=grid)
    n_buckets = buckets.count
    index = buckets.index

    edges = network_edges(table, network, include_retweets=include_retweets)
    enc = encode_edges(edges)
    edge_bucket = index[enc.post]
    inside = edge_bucket >= 0
    n_nodes = max(enc.n_nodes, 1)
    keys = enc.source[inside] * n_nodes + enc.target[inside]
    edge_bucket = edge_bucket[inside]
    unique_keys = _sorted_unique(keys)
    edge_id = np.searchsorted(unique_keys, keys)
    n_edges = max(unique_keys.size, 1)
    # One entry per (bucket, edge), sorted by bucket: a window's edges are a slice.
    combined = _sorted_unique(edge_bucket * n_edges + edge_id)
    slice_bucket = combined // n_edges
    slice_edge = combined % n_edges
    bounds = np.searchsorted(slice_bucket, np.arange(n_buckets + 1))
    edge_src = unique_keys // n_nodes
    edge_dst = unique_keys % n_nodes
    graph = IncrementalDiGraph(edge_src, edge_dst, n_nodes)

    valid_posts = index >= 0
    posts = np.bincount(index[valid_posts], minlength=n_buckets)
    if network == "mention":
        mentions = edges.linking & valid_posts
    else:
        mentions = mention_post_mask(table, include_retweets=include_retweets) & valid_posts
    retweets = retweet_post_mask(table) & valid_posts
    mention_posts = np.bincount(index[mentions], minlength=n_buckets)
    retweet_posts = np.bincount(index[retweets], minlength=n_buckets)

    cols: dict[str, Any] = {
        name: np.zeros(n_buckets, dtype=np.int64)
        for name in ("nodes", "edges", "max_out_degree", "max_in_degree")
    }
    out_node = np.full(n_buckets, -1, dtype=np.int64)
    in_node = np.full(n_buckets, -1, dtype=np.int64)
    for b in track(range(n_buckets), "network windows", quiet=quiet):
        old = b - window
        graph.update(
            add=slice_edge[bounds[b] : bounds[b + 1]],
            remove=slice_edge[bounds[old] : bounds[old + 1]] if old >= 0 else None,
            distinct=True,
        )
        cols["nodes"][b] = graph.n_nodes
        cols["edges"][b] = graph.n_edges
        cols["max_out_degree"][b], out_node[b] = graph.max_out_degree
        cols["max_in_degree"][b], in_node[b] = graph.max_in_degree
    cols["lwcc_size"] = window_component_sizes(
        edge_src[slice_edge],
        edge_dst[slice_edge],
        bounds,
        window,
        n_nodes=n_nodes,
        method=component_method,
        quiet=quiet,
    )

    n = cols["nodes"]
    e = cols["edges"]
    p = _window_sums(posts, window)
    mp = _window_sums(mention_posts, window)
    rp = _window_sums(retweet_posts, window)
    density = np.zeros(n_buckets, dtype=np.float64)
    big = n > 1
    density[big] = e[big] / (n[big] * (n[big] - 1.0))
    names = enc.names

    def node_names(codes: np.ndarray) -> pa.Array:
        if len(names) == 0:
            return pa.nulls(codes.size, type=pa.string())
        return names.take(pa.array(codes, mask=codes < 0, type=pa.int64()))

    starts = buckets.starts().cast(pa.int64()).to_numpy()
    step = bucket_minutes * 60_000_000
    first_bucket = np.maximum(np.arange(n_buckets) - window + 1, 0)
    ts = pa.timestamp("us", tz="UTC")
    data = {
        "window": np.arange(n_buckets, dtype=np.int64),
        "start": pa.array(starts[first_bucket] if n_buckets else [], type=pa.int64()).cast(ts),
        "end": pa.array(starts + step, type=pa.int64()).cast(ts),
        "buckets": np.arange(n_buckets, dtype=np.int64) - first_bucket + 1,
        "nodes": n,
        "edges": e,
        "density": density,
        "avg_out_degree": _ratio(e, n),
        "max_out_degree": cols["max_out_degree"],
        "max_out_degree_node": node_names(out_node),
        "max_in_degree": cols["max_in_degree"],
        "max_in_degree_node": node_names(in_node),
        "lwcc_size": cols["lwcc_size"],
        "lwcc_fraction": _ratio(cols["lwcc_size"], n),
        "posts": p,
        "mention_posts": mp,
        "retweet_posts": rp,
        "mention_post_ratio": _ratio(mp, p),
        "retweet_post_ratio": _ratio(rp, p),
        "edges_per_post": _ratio(e, p),
        "edges_per_node": _ratio(e, n),
        "posts_per_node": _ratio(p, n),
    }
    settings = {
        "network": network,
        "bucket_minutes": bucket_minutes,
        "window_buckets": window,
        "origin": buckets.origin.isoformat(),
        "include_retweets": include_retweets,
    }
    result = pa.table(data)
    return result.replace_schema_metadata({"crowdpulse.network": json.dumps(settings)})


def window_graph(
    table: pa.Table,
    start: TimeLike,
    end: TimeLike,
    *,
    network: Network = "mention",
    include_retweets: bool = False,
) -> nx.DiGraph:
    """Build the network of one time window as a networkx ``DiGraph``.

    Useful to export a window (``networkx.write_gexf``) or to inspect it; the
    metrics of :func:`window_metrics` are those of this graph.

    Args:
        table: A corpus table.
        start: Start of the window (inclusive).
        end: End of the window (exclusive).
        network: ``"mention"`` or ``"retweet"``.
        include_retweets: Let retweets' mentions count in the mention network.

    Returns:
        A ``networkx.DiGraph`` whose nodes are the node ids of the window's edges.

    Raises:
        InputError: A needed column is missing or malformed.
        ConfigError: ``end`` is not after ``start``.
    """
    import networkx as nx

    buckets = assign_buckets(table.column("created_at"), minutes=1, origin=start, end=end)
    keep = buckets.index >= 0
    edges = network_edges(table, network, include_retweets=include_retweets)
    in_window = keep[edges.post]
    graph = nx.DiGraph()
    graph.add_edges_from(
        zip(
            edges.source.filter(pa.array(in_window)).to_pylist(),
            edges.target.filter(pa.array(in_window)).to_pylist(),
            strict=True,
        )
    )
    return graph
