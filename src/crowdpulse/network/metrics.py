"""Weakly connected components, of one graph and of every sliding window.

Edge deletions can split a component, so the components cannot be kept up to date
cheaply as a window slides. Every method here is exact; ``benchmarks/bench_windows.py``
measures them (numbers in ``docs/performance.md``).

For one graph (:func:`weak_component_labels`, :func:`largest_weak_component`):

``"csgraph"`` (default)
    :func:`scipy.sparse.csgraph.connected_components` (``connection="weak"``) on
    the edges, the nodes renumbered ``0..n-1`` first.
``"union-find"``
    A disjoint-set forest in pure Python (union by size, path halving).
``"label-propagation"``
    Vectorised numpy: the roots of both ends of every edge are hooked to the
    smaller label and pointers are jumped until nothing changes.

For sliding windows (:func:`window_component_sizes`), each of those recomputes every
window from its edges, and ``"contracted"`` (default, the fastest) shares work
between neighbouring windows: the window ends are cut into groups of ``h``
consecutive buckets (``h`` about ``sqrt(W)``). All windows of the group ending at
buckets ``c .. c + h - 1`` contain the *core* buckets ``c + h - W .. c``; the core's
components are computed once per group (csgraph), and each window then only runs
csgraph on its ``h - 1`` other buckets' edges with every core node replaced by its
core component (weighted by the component's size). The largest component is the
larger of the heaviest component of that small graph and the largest core
component (an untouched core component is a component of the window; a touched one
lies inside a heavier component of the small graph). Per window this costs about
``(h - 1) / W`` of a full recomputation plus ``1 / h`` of the core, and the csgraph
calls of many groups are stacked into one (block-diagonal) call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from crowdpulse.exceptions import ConfigError
from crowdpulse.progress import progress

__all__ = [
    "ComponentMethod",
    "SlidingComponentMethod",
    "largest_weak_component",
    "weak_component_labels",
    "window_component_sizes",
]

ComponentMethod = Literal["csgraph", "union-find", "label-propagation"]
SlidingComponentMethod = Literal["contracted", "csgraph", "union-find", "label-propagation"]


def _labels_csgraph(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    graph = coo_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=True, connection="weak")
    return np.asarray(labels, dtype=np.int64)


def _labels_union_find(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    parent = list(range(n))
    size = [1] * n
    for a, b in zip(src.tolist(), dst.tolist(), strict=True):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a == b:
            continue
        if size[a] < size[b]:
            a, b = b, a
        parent[b] = a
        size[a] += size[b]
    roots = np.asarray(parent, dtype=np.int64)
    while True:  # full path compression, vectorised
        jumped = roots[roots]
        if np.array_equal(jumped, roots):
            return roots
        roots = jumped


def _labels_propagation(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    labels = np.arange(n, dtype=np.int64)
    while True:
        before = labels.copy()
        low = np.minimum(labels[src], labels[dst])
        # Hook the roots of both ends to the smaller label, then jump pointers until
        # every node points at its root.
        np.minimum.at(labels, labels[src], low)
        np.minimum.at(labels, labels[dst], low)
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(labels, before):
            return labels


_LABELLERS = {
    "csgraph": _labels_csgraph,
    "union-find": _labels_union_find,
    "label-propagation": _labels_propagation,
}


def _labeller(method: str, allowed: tuple[str, ...]) -> str:
    if method not in allowed:
        raise ConfigError(
            f"unknown method {method!r}; expected one of {', '.join(allowed)}", field="method"
        )
    return method


def weak_component_labels(
    source: np.ndarray, target: np.ndarray, *, method: ComponentMethod = "csgraph"
) -> tuple[np.ndarray, np.ndarray]:
    """Label the weakly connected components of a graph given by its edges.

    Args:
        source: Integer node ids of the edge sources (any non-negative ints).
        target: Integer node ids of the edge targets, same length. Repeated edges
            and self-loops are allowed and change nothing.
        method: ``"csgraph"``, ``"union-find"`` or ``"label-propagation"`` (same
            result, different speed).

    Returns:
        ``(nodes, labels)``: the sorted distinct node ids that occur in an edge and,
        for each, a component label (two nodes share a label if and only if they are
        weakly connected). The labels are not numbered in any particular order.

    Raises:
        ConfigError: Unknown ``method``, or the arrays differ in length.
    """
    _labeller(method, tuple(_LABELLERS))
    source = np.asarray(source, dtype=np.int64)
    target = np.asarray(target, dtype=np.int64)
    if source.shape != target.shape:
        raise ConfigError("source and target differ in length", field="target")
    nodes, inverse = np.unique(np.concatenate([source, target]), return_inverse=True)
    if nodes.size == 0:
        return nodes, np.zeros(0, dtype=np.int64)
    src, dst = inverse[: source.size], inverse[source.size :]
    return nodes, _LABELLERS[method](src, dst, nodes.size)


def largest_weak_component(
    source: np.ndarray, target: np.ndarray, *, method: ComponentMethod = "csgraph"
) -> tuple[int, np.ndarray]:
    """Find the largest weakly connected component of a graph given by its edges.

    Only nodes that occur in an edge count (a graph is its edge set).

    Args:
        source: Integer node ids of the edge sources.
        target: Integer node ids of the edge targets, same length.
        method: See :func:`weak_component_labels`.

    Returns:
        ``(size, members)``: the number of nodes of the largest component and its
        sorted node ids. Among components of equal size, the one holding the
        smallest node id wins. ``(0, [])`` for a graph without edges.

    Raises:
        ConfigError: Unknown ``method``, or the arrays differ in length.
    """
    nodes, labels = weak_component_labels(source, target, method=method)
    if nodes.size == 0:
        return 0, nodes
    _, first, counts = np.unique(labels, return_index=True, return_counts=True)
    best = counts.max()
    winner = labels[first[counts == best].min()]
    return int(best), nodes[labels == winner]


class _Compactor:
    """Renumber the distinct values of an int array ``0..k-1`` in O(len) time (no sort)."""

    def __init__(self, n: int) -> None:
        self._slot = np.zeros(n, dtype=np.int64)
        self._local = np.zeros(n, dtype=np.int64)

    def __call__(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(local, distinct)``: ``distinct[local[i]] == ids[i]``."""
        positions = np.arange(ids.size)
        self._slot[ids] = positions
        # Exactly one position per distinct value survives the scatter.
        first = self._slot[ids] == positions
        distinct = ids[first]
        self._local[distinct] = np.arange(distinct.size)
        return self._local[ids], distinct


def _largest_direct(src: np.ndarray, dst: np.ndarray, compact: _Compactor, method: str) -> int:
    if src.size == 0:
        return 0
    local, distinct = compact(np.concatenate([src, dst]))
    labels = _LABELLERS[method](local[: src.size], local[src.size :], distinct.size)
    return int(np.bincount(labels).max())


_CHUNK_EDGES = 2_000_000


class _Batch:
    """Many small graphs, each renumbered from 0, stacked into one csgraph call."""

    def __init__(self) -> None:
        self.src: list[np.ndarray] = []
        self.dst: list[np.ndarray] = []
        self.offsets = [0]

    def add(self, src: np.ndarray, dst: np.ndarray, n: int) -> int:
        """Add a graph with ``n`` nodes numbered ``0..n-1``; return its node offset."""
        start = self.offsets[-1]
        self.src.append(src + start)
        self.dst.append(dst + start)
        self.offsets.append(start + n)
        return start

    def labels(self) -> np.ndarray:
        """Component labels of all nodes of all graphs (no label spans two graphs)."""
        total = self.offsets[-1]
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        return _labels_csgraph(np.concatenate(self.src), np.concatenate(self.dst), total)


class _ContractedState:
    """Scratch arrays of the contracted method, reused between chunks of groups."""

    def __init__(self, n_nodes: int) -> None:
        self.compact = _Compactor(n_nodes)
        self.root = np.arange(n_nodes, dtype=np.int64)
        self.weight = np.ones(n_nodes, dtype=np.int64)

    def run(
        self,
        groups: list[int],
        h: int,
        window: int,
        n_buckets: int,
        edges: Callable[[int, int], tuple[np.ndarray, np.ndarray]],
        sizes: np.ndarray,
    ) -> None:
        """Fill ``sizes`` for the windows of ``groups`` (first buckets of the groups)."""
        # Phase 1: the cores of all groups, in one csgraph call.
        cores = _Batch()
        core_nodes: list[np.ndarray] = []
        for c in groups:
            src, dst = edges(c + h - window, c)
            if src.size:
                local, nodes = self.compact(np.concatenate([src, dst]))
                cores.add(local[: src.size], local[src.size :], nodes.size)
            else:
                nodes = src[:0]
                cores.add(src[:0], dst[:0], 0)
            core_nodes.append(nodes)
        core_labels = cores.labels()
        # Phase 2: every window's other edges, core nodes replaced by their component.
        extras = _Batch()
        weights: list[np.ndarray] = []
        # A core component that no other edge touches is a component of the window;
        # one that is touched lies inside a heavier component of the small graph. So
        # the answer is the larger of the heaviest small-graph component and the
        # largest core component.
        largest_core = np.zeros(sum(min(c + h, n_buckets) - c for c in groups), dtype=np.int64)
        slot = 0
        for g, c in enumerate(groups):
            nodes = core_nodes[g]
            labels = core_labels[cores.offsets[g] : cores.offsets[g + 1]] - cores.offsets[g]
            reps = nodes[:0]
            biggest = 0
            if nodes.size:
                labels = labels - labels.min()
                counts = np.bincount(labels)
                rep_of = np.zeros(counts.size, dtype=np.int64)
                rep_of[labels] = nodes  # any member represents its component
                self.root[nodes] = rep_of[labels]
                used = counts > 0
                reps = rep_of[used]
                self.weight[reps] = counts[used]
                biggest = int(counts.max())
            for b in range(c, min(c + h, n_buckets)):
                left_src, left_dst = edges(b - window + 1, c + h - window - 1)
                right_src, right_dst = edges(c + 1, b)
                src = self.root[np.concatenate([left_src, right_src])]
                dst = self.root[np.concatenate([left_dst, right_dst])]
                if src.size:
                    local, supers = self.compact(np.concatenate([src, dst]))
                    extras.add(local[: src.size], local[src.size :], supers.size)
                    weights.append(self.weight[supers])
                else:
                    extras.add(src[:0], dst[:0], 0)
                    weights.append(src[:0])
                largest_core[slot] = biggest
                slot += 1
            self.root[nodes] = nodes
            self.weight[reps] = 1
        touched = np.zeros(largest_core.size, dtype=np.int64)
        labels = extras.labels()
        if labels.size:
            mass = np.bincount(labels, weights=np.concatenate(weights))
            per_node = mass[labels]
            starts = np.asarray(extras.offsets[:-1], dtype=np.int64)
            filled = starts < np.asarray(extras.offsets[1:], dtype=np.int64)
            touched[filled] = np.maximum.reduceat(per_node, starts[filled]).astype(np.int64)
        first = groups[0]
        sizes[first : first + largest_core.size] = np.maximum(touched, largest_core)


def window_component_sizes(
    source: np.ndarray,
    target: np.ndarray,
    bounds: np.ndarray,
    window: int,
    *,
    n_nodes: int | None = None,
    method: SlidingComponentMethod = "contracted",
    group: int | None = None,
    quiet: bool = True,
) -> np.ndarray:
    """Size of the largest weakly connected component of every sliding window.

    The edges are given bucket by bucket: the edges of bucket ``k`` are
    ``source[bounds[k]:bounds[k + 1]]`` -> ``target[...]``. The window ending with
    bucket ``b`` holds buckets ``max(0, b - window + 1) .. b``. An edge may occur in
    several buckets; repeats change nothing.

    Args:
        source: int64 node codes of the edge sources, grouped by bucket.
        target: int64 node codes of the edge targets.
        bounds: ``n_buckets + 1`` offsets into the edge arrays.
        window: Buckets per window (at least 1).
        n_nodes: An upper bound of the node codes (default: the largest code + 1).
        method: ``"contracted"`` (default, fastest), or ``"csgraph"``,
            ``"union-find"``, ``"label-propagation"`` to recompute every window.
        group: For ``"contracted"``: windows sharing a core (default
            ``round(sqrt(window))``).
        quiet: Show no progress bar.

    Returns:
        int64 array, one size a window (0 for a window without edges).

    Raises:
        ConfigError: Unknown ``method`` or invalid ``window`` / ``group``.
    """
    _labeller(method, ("contracted", *_LABELLERS))
    if isinstance(window, bool) or int(window) < 1:
        raise ConfigError("expected a whole number of at least 1", field="window")
    source = np.asarray(source, dtype=np.int64)
    target = np.asarray(target, dtype=np.int64)
    bounds = np.asarray(bounds, dtype=np.int64)
    n_buckets = bounds.size - 1
    if n_nodes is None:
        n_nodes = int(max(source.max(initial=-1), target.max(initial=-1))) + 1
    n_nodes = max(int(n_nodes), 1)
    sizes = np.zeros(max(n_buckets, 0), dtype=np.int64)
    compact = _Compactor(n_nodes)

    def edges(first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """Edges of buckets first..last (inclusive, clipped to the grid)."""
        first, last = max(first, 0), min(last, n_buckets - 1)
        if first > last:
            return source[:0], target[:0]
        lo, hi = bounds[first], bounds[last + 1]
        return source[lo:hi], target[lo:hi]

    if method != "contracted":
        with progress("network components", total=n_buckets, quiet=quiet) as bar:
            for b in range(n_buckets):
                src, dst = edges(b - window + 1, b)
                sizes[b] = _largest_direct(src, dst, compact, method)
                bar.advance()
        return sizes

    h = max(1, round(math.sqrt(window))) if group is None else int(group)
    if h < 1 or h > window:
        raise ConfigError(f"the group must be between 1 and the window ({window})", field="group")
    state = _ContractedState(n_nodes)
    groups = list(range(0, n_buckets, h))
    with progress("network components", total=n_buckets, quiet=quiet) as bar:
        chunk: list[int] = []
        volume = 0
        for k, c in enumerate(groups):
            core_src, _ = edges(c + h - window, c)
            chunk.append(c)
            volume += core_src.size
            if volume >= _CHUNK_EDGES or k == len(groups) - 1:
                state.run(chunk, h, window, n_buckets, edges, sizes)
                bar.advance(min(chunk[-1] + h, n_buckets) - chunk[0])
                chunk, volume = [], 0
    return sizes
