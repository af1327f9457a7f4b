"""Compiled inner loops of PELT (numba), shared by :mod:`.pelt` and :mod:`.windows`.

Everything here works on cumulative sums prepared by the cost classes of
:mod:`.costs`; nothing here validates input. The cost of a segment ``[t, s)`` is
looked up in O(d) (O(d^3) for the full-covariance Gaussian) from those sums.

Kernel ids (``kind``): 0 = normal-mean, 1 = normal-meanvar, 2 = poisson.

Pruning: ``safe=False`` removes a candidate as soon as the PELT condition
``F(t) + C(t, s) > F(s)`` holds, exactly like ruptures' ``Pelt`` (and, judging by its
results, changepoint-doctor); with a minimum segment length above 1 that
can, rarely, drop the optimal last change point for the next ``min_size - 1``
steps. ``safe=True`` keeps such a candidate until step ``s + min_size``, from
when on the condition provably excludes it, so the result is the exact optimum
of the penalised cost.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__: list[str] = []

_SMALL_DIAG = 1e-6  # ruptures' CostNormal adds 1e-6 to the (co)variance (PR #198)


@njit(cache=True, nogil=True)
def _logabsdet(mat: np.ndarray) -> float:  # pragma: no cover - compiled
    """Log of |det| by Gaussian elimination with partial pivoting (like slogdet)."""
    d = mat.shape[0]
    a = mat.copy()
    total = 0.0
    for col in range(d):
        piv = col
        best = abs(a[col, col])
        for r in range(col + 1, d):
            if abs(a[r, col]) > best:
                best = abs(a[r, col])
                piv = r
        if best == 0.0:
            return -np.inf
        if piv != col:
            for c in range(d):
                tmp = a[col, c]
                a[col, c] = a[piv, c]
                a[piv, c] = tmp
        total += math.log(abs(a[col, col]))
        for r in range(col + 1, d):
            f = a[r, col] / a[col, col]
            for c in range(col, d):
                a[r, c] -= f * a[col, c]
    return total


@njit(cache=True, nogil=True)
def seg_cost(
    kind: int, a: np.ndarray, b: np.ndarray, q: np.ndarray, t: int, s: int
) -> float:  # pragma: no cover - compiled
    """Cost of the segment ``[t, s)`` from the cumulative sums ``a``, ``b``, ``q``.

    ``a`` is (n+1, d): cumulative sums of the signal; ``b`` is (n+1,): cumulative
    sums of the squared norm (normal costs) or of log(y!) (poisson); ``q`` is
    (n+1, d, d) cumulative outer products (multivariate normal-meanvar only).
    """
    length = s - t
    d = a.shape[1]
    if kind == 0:
        c = b[s] - b[t]
        for j in range(d):
            d1 = a[s, j] - a[t, j]
            c -= d1 * d1 / length
        return c
    if kind == 1:
        if d == 1:
            d1 = a[s, 0] - a[t, 0]
            var = ((b[s] - b[t]) - d1 * d1 / length) / length
            if var < 0.0:
                var = 0.0
            return length * math.log(var + _SMALL_DIAG)
        cov = np.empty((d, d))
        for i in range(d):
            for j in range(d):
                cov[i, j] = (
                    (q[s, i, j] - q[t, i, j]) - (a[s, i] - a[t, i]) * (a[s, j] - a[t, j]) / length
                ) / (length - 1)
            cov[i, i] += _SMALL_DIAG
        return length * _logabsdet(cov)
    c = 2.0 * (b[s] - b[t])
    for j in range(d):
        tot = a[s, j] - a[t, j]
        if tot > 0.0:
            c += 2.0 * (tot - tot * math.log(tot / length))
    return c


@njit(cache=True, nogil=True, inline="always")
def cost1(kind: int, a1: np.ndarray, b: np.ndarray, t: int, s: int) -> float:  # pragma: no cover
    """Cost of ``[t, s)`` for a univariate signal (``a1`` = cumulative sums)."""
    length = s - t
    d1 = a1[s] - a1[t]
    if kind == 0:
        return (b[s] - b[t]) - d1 * d1 / length
    if kind == 1:
        var = ((b[s] - b[t]) - d1 * d1 / length) / length
        if var < 0.0:
            var = 0.0
        return length * math.log(var + _SMALL_DIAG)
    c = 2.0 * (b[s] - b[t])
    if d1 > 0.0:
        c += 2.0 * (d1 - d1 * math.log(d1 / length))
    return c


@njit(cache=True, nogil=True)
def _drop_expired(
    cand: np.ndarray, dead_from: np.ndarray, nc: int, s: int
) -> int:  # pragma: no cover - compiled
    """Safe pruning: drop the candidates whose delayed removal is valid at step ``s``."""
    j = 0
    for i in range(nc):
        if dead_from[i] > s:
            cand[j] = cand[i]
            dead_from[j] = dead_from[i]
            j += 1
    return j


@njit(cache=True, nogil=True)
def _prune_now(
    cand: np.ndarray, vals: np.ndarray, nc: int, thr: float
) -> int:  # pragma: no cover - compiled
    """Standard pruning: keep the candidates with ``F(t) + C(t, s) + pen <= thr``."""
    j = 0
    for i in range(nc):
        if vals[i] <= thr:
            cand[j] = cand[i]
            j += 1
    return j


@njit(cache=True, nogil=True)
def _prune_later(
    vals: np.ndarray, dead_from: np.ndarray, nc: int, thr: float, until: int
) -> None:  # pragma: no cover - compiled
    """Safe pruning: mark the candidates above ``thr`` to be dropped at step ``until``."""
    for i in range(nc):
        if vals[i] > thr and dead_from[i] > until:
            dead_from[i] = until


@njit(cache=True, nogil=True)
def _fill_costs(
    kind: int,
    row: np.ndarray,
    min_size: int,
    a1: np.ndarray,
    raw: np.ndarray,
    b: np.ndarray,
    cm: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Cumulative sums of one window and its cost matrix ``cm[s, t]`` = cost of ``[t, s)``.

    The normal costs are computed on the window minus its mean (fewer rounding
    errors; the costs do not change); ``raw`` gets the sums of the values as given.
    """
    n = row.shape[0]
    shift = 0.0
    if kind != 2:
        for i in range(n):
            shift += row[i]
        shift /= n
    for i in range(n):
        v = row[i] - shift
        a1[i + 1] = a1[i] + v
        raw[i + 1] = raw[i] + row[i]
        if kind == 2:
            b[i + 1] = b[i] + math.lgamma(v + 1.0)
        else:
            b[i + 1] = b[i] + v * v
    for s in range(min_size, n + 1):
        for t in range(0, s - min_size + 1):
            cm[s, t] = cost1(kind, a1, b, t, s)


@njit(cache=True, nogil=True)
def _count_changes(last: np.ndarray, n: int) -> int:  # pragma: no cover - compiled
    """Number of change points of the optimal segmentation in ``last``."""
    k = 0
    pos = last[n]
    while pos > 0:
        k += 1
        pos = last[pos]
    return k


@njit(cache=True, nogil=True)
def _backtrack(last: np.ndarray, n: int, stack: np.ndarray) -> int:  # pragma: no cover
    """Write the change points of ``last`` into ``stack``, newest first; return their number."""
    k = 0
    pos = last[n]
    while pos > 0:
        stack[k] = pos
        k += 1
        pos = last[pos]
    return k


@njit(cache=True, nogil=True)
def pelt_path(
    kind: int,
    a: np.ndarray,
    b: np.ndarray,
    q: np.ndarray,
    pen: float,
    min_size: int,
    jump: int,
    safe: bool,
    last: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """Run PELT on one signal; fill ``last[s]`` with the optimal last change of ``[0, s)``.

    Mirrors ruptures' ``Pelt._seg``: the end points are the multiples of ``jump`` that
    are at least ``min_size``, then ``n``; at end point ``s`` the point
    ``floor((s - min_size) / jump) * jump`` joins the candidates if the prefix it
    ends has a partition (it is 0 or an end point); the first minimum wins ties;
    candidates are pruned with ``F(t) + C(t, s) + pen <= F(s) + pen`` kept.

    Returns:
        The number of candidate evaluations (a measure of the work done).
    """
    n = a.shape[0] - 1
    f = np.full(n + 1, np.inf)
    f[0] = 0.0
    has_part = np.zeros(n + 1, np.bool_)
    has_part[0] = True
    cand = np.empty(n + 2, np.int64)
    vals = np.empty(n + 2)
    dead_from = np.empty(n + 2, np.int64)
    nc = 0
    work = 0
    ends = np.empty(n + 1, np.int64)
    n_ends = 0
    for k in range(0, n, jump):
        if k >= min_size:
            ends[n_ends] = k
            n_ends += 1
    ends[n_ends] = n
    n_ends += 1
    univariate = a.shape[1] == 1
    a1 = a[:, 0].copy()
    for e in range(n_ends):
        s = ends[e]
        new_pt = ((s - min_size) // jump) * jump
        if has_part[new_pt]:
            cand[nc] = new_pt
            dead_from[nc] = n + 1
            nc += 1
        if safe:  # drop the candidates whose (delayed) pruning is now valid
            nc = _drop_expired(cand, dead_from, nc, s)
        best = np.inf
        arg = -1
        if univariate:
            for i in range(nc):
                t = cand[i]
                v = f[t] + (cost1(kind, a1, b, t, s) + pen)
                vals[i] = v
                if v < best:
                    best = v
                    arg = t
        else:
            for i in range(nc):
                t = cand[i]
                v = f[t] + (seg_cost(kind, a, b, q, t, s) + pen)
                vals[i] = v
                if v < best:
                    best = v
                    arg = t
        work += nc
        f[s] = best
        last[s] = arg
        has_part[s] = True
        if safe:
            _prune_later(vals, dead_from, nc, best + pen, s + min_size)
        else:  # prune at once, like ruptures
            nc = _prune_now(cand, vals, nc, best + pen)
    return work


@njit(cache=True, nogil=True)
def _dp_matrix(
    cm: np.ndarray,
    n: int,
    pen: float,
    min_size: int,
    safe: bool,
    last: np.ndarray,
    f: np.ndarray,
    cand: np.ndarray,
    vals: np.ndarray,
    dead_from: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """PELT (jump=1) on a precomputed cost matrix ``cm[s, t]`` = cost of ``[t, s)``.

    The pruning is written out here rather than calling :func:`_drop_expired`,
    :func:`_prune_now` and :func:`_prune_later` as :func:`pelt_path` does: this loop
    runs for every window and penalty of the streaming detector, and the calls made
    it about 8% slower there (``_kernels`` A/B on the benchmark's 14,400 windows),
    and 60% slower when forced inline.
    """
    f[0] = 0.0
    for i in range(1, n + 1):
        f[i] = np.inf
    nc = 0
    for s in range(min_size, n + 1):
        new_pt = s - min_size
        if new_pt == 0 or new_pt >= min_size:
            cand[nc] = new_pt
            dead_from[nc] = n + 1
            nc += 1
        if safe:  # drop the candidates whose (delayed) pruning is now valid
            j = 0
            for i in range(nc):
                if dead_from[i] > s:
                    cand[j] = cand[i]
                    dead_from[j] = dead_from[i]
                    j += 1
            nc = j
        row = cm[s]
        best = np.inf
        arg = -1
        for i in range(nc):
            t = cand[i]
            v = f[t] + (row[t] + pen)
            vals[i] = v
            if v < best:
                best = v
                arg = t
        f[s] = best
        last[s] = arg
        thr = best + pen
        if safe:
            for i in range(nc):
                if vals[i] > thr and dead_from[i] > s + min_size:
                    dead_from[i] = s + min_size
        else:  # prune at once, like ruptures
            j = 0
            for i in range(nc):
                if vals[i] <= thr:
                    cand[j] = cand[i]
                    j += 1
            nc = j


@njit(cache=True, nogil=True)
def pelt_many(
    kind: int,
    x: np.ndarray,
    pens: np.ndarray,
    min_size: int,
    safe: bool,
    counts: np.ndarray,
    cps: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """PELT (jump=1) on every row of ``x`` (W, n) for every penalty of ``pens``.

    Fills ``counts[w, p]`` with the number of change points and ``cps[w, p, :k]``
    with the 0-based indices where a new segment starts (the rest is left as is).
    The segment costs of a row are computed once and shared by all penalties.
    """
    n_rows, n = x.shape
    n_pen = pens.shape[0]
    a1 = np.zeros(n + 1)
    raw = np.zeros(n + 1)
    b = np.zeros(n + 1)
    cm = np.zeros((n + 1, n + 1))
    last = np.empty(n + 1, np.int64)
    f = np.empty(n + 1)
    cand = np.empty(n + 2, np.int64)
    vals = np.empty(n + 2)
    dead_from = np.empty(n + 2, np.int64)
    stack = np.empty(n + 1, np.int64)
    for w in range(n_rows):
        _fill_costs(kind, x[w], min_size, a1, raw, b, cm)
        for p in range(n_pen):
            _dp_matrix(cm, n, pens[p], min_size, safe, last, f, cand, vals, dead_from)
            k = _backtrack(last, n, stack)
            counts[w, p] = k
            for i in range(k):
                cps[w, p, i] = stack[k - 1 - i]


@njit(cache=True, nogil=True)
def elbow_recent(
    kind: int,
    x: np.ndarray,
    pens: np.ndarray,
    min_size: int,
    safe: bool,
    recent: int,
    hit_row: np.ndarray,
    hit_cp: np.ndarray,
    hit_pen: np.ndarray,
    hit_mag: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """The streaming detector's step for every row of ``x`` (W, n), compiled end to end.

    For each row: PELT (jump=1) for every penalty, the paper's elbow choice among them
    (largest absolute second difference of the counts, first on ties, interior
    penalties only), then every change point of the chosen segmentation that lies in
    the ``recent`` newest positions, with the difference of the means of the
    segments after and before it. Hits are written to the ``hit_*`` arrays (row,
    change position, index of the chosen penalty, magnitude), in row order.

    Returns:
        The number of hits.
    """
    n_rows, n = x.shape
    n_pen = pens.shape[0]
    a1 = np.zeros(n + 1)
    raw = np.zeros(n + 1)
    b = np.zeros(n + 1)
    cm = np.zeros((n + 1, n + 1))
    lasts = np.empty((n_pen, n + 1), np.int64)
    counts = np.empty(n_pen, np.int64)
    f = np.empty(n + 1)
    cand = np.empty(n + 2, np.int64)
    vals = np.empty(n + 2)
    dead_from = np.empty(n + 2, np.int64)
    stack = np.empty(n + 1, np.int64)
    n_hits = 0
    for w in range(n_rows):
        _fill_costs(kind, x[w], min_size, a1, raw, b, cm)
        for p in range(n_pen):
            last = lasts[p]
            _dp_matrix(cm, n, pens[p], min_size, safe, last, f, cand, vals, dead_from)
            counts[p] = _count_changes(last, n)
        chosen = 1
        best = -1.0
        for i in range(1, n_pen - 1):
            d = abs(counts[i + 1] + counts[i - 1] - 2 * counts[i])
            if d > best:
                best = d
                chosen = i
        k = _backtrack(lasts[chosen], n, stack)
        # stack holds the change points from the newest to the oldest
        m = 0
        while m < k and stack[m] >= n - recent:
            m += 1
        for j in range(m - 1, -1, -1):  # oldest recent change point first
            cp = stack[j]
            after = n if j == 0 else stack[j - 1]
            before = 0 if j + 1 >= k else stack[j + 1]
            mag = (raw[after] - raw[cp]) / (after - cp) - (raw[cp] - raw[before]) / (cp - before)
            hit_row[n_hits] = w
            hit_cp[n_hits] = cp
            hit_pen[n_hits] = chosen
            hit_mag[n_hits] = mag
            n_hits += 1
    return n_hits
