"""PELT on many short series at once, for several penalties in one pass.

The streaming workload of the firestorm paper runs PELT, for the penalties 2..10,
on a 49-value window of each of ~20 series at every half hour: hundreds of
thousands of tiny problems. :func:`pelt_windows` solves them in one compiled loop:
the segment costs of a window are computed once and shared by all penalties, and
no Python runs per window. The results equal :class:`~crowdpulse.detect.pelt.Pelt`
(and so ruptures) window by window.

:func:`sliding_windows` cuts a series into the overlapping windows
``[t - w + 1, t]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from crowdpulse.detect import _kernels
from crowdpulse.detect.costs import COSTS, CostName, resolve_cost_name
from crowdpulse.detect.pelt import Pruning, _check_pruning, check_params, check_penalty
from crowdpulse.detect.penalty import PAPER_PENALTIES, elbow_index
from crowdpulse.exceptions import ConfigError, InputError

__all__ = ["WindowsResult", "pelt_windows", "sliding_windows"]


@dataclass(frozen=True)
class WindowsResult:
    """Change points of many windows for many penalties.

    Attributes:
        penalties: The penalties, shape (P,).
        counts: Number of change points, shape (W, P).
        changepoints: 0-based segment starts, shape (W, P, K), padded with -1
            (K = the largest count).
    """

    penalties: NDArray[np.float64]
    counts: NDArray[np.int64]
    changepoints: NDArray[np.int64]

    def get(self, window: int, penalty_index: int) -> list[int]:
        """The change points of one window for one penalty.

        Args:
            window: Row of the input.
            penalty_index: Position of the penalty in ``penalties``.

        Returns:
            Sorted 0-based indices where a new segment starts.
        """
        k = int(self.counts[window, penalty_index])
        return [int(c) for c in self.changepoints[window, penalty_index, :k]]

    def elbow(self) -> NDArray[np.int64]:
        """Index of the elbow penalty of every window (the paper's rule), shape (W,)."""
        return elbow_index(self.counts)


def pelt_windows(
    windows: ArrayLike,
    penalties: Sequence[float] | ArrayLike = PAPER_PENALTIES,
    *,
    cost: CostName | str = "normal-mean",
    min_size: int = 2,
    pruning: Pruning = "standard",
) -> WindowsResult:
    """Run PELT (``jump=1``) on every row of ``windows`` for every penalty.

    Args:
        windows: Array (W, n) of W univariate series of equal length n.
        penalties: The penalties (default 2..10).
        cost: ``"normal-mean"``, ``"normal-meanvar"`` or ``"poisson"``.
        min_size: Minimum segment length (raised to the cost's minimum).
        pruning: ``"standard"`` (equal to ruptures) or ``"safe"`` (always optimal).

    Returns:
        Counts and change points of every window and penalty.

    Raises:
        ConfigError: Unknown cost, bad option, or windows shorter than ``min_size``.
        InputError: The windows are not a finite 2-D array (or counts are negative
            for ``poisson``).
    """
    x = np.ascontiguousarray(np.asarray(windows, dtype=np.float64))
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[1] == 0:
        raise InputError("windows must be a 2-D array (n_windows, length)", field="windows")
    if not np.all(np.isfinite(x)):
        raise InputError("windows hold NaN or infinite values", field="windows")
    key = resolve_cost_name(str(cost))
    if key not in COSTS or COSTS[key].kernel is None:
        raise ConfigError(f"pelt_windows supports the built-in costs, not {cost!r}", field="cost")
    cls = COSTS[key]
    kernel = cls.kernel
    assert kernel is not None
    if kernel == 2 and np.any(x < 0):
        raise InputError("the poisson cost needs non-negative counts", field="windows")
    check_params(min_size, 1)
    safe = _check_pruning(pruning)
    pens = np.asarray([check_penalty(p) for p in np.ravel(np.asarray(penalties))], dtype=np.float64)
    if pens.size == 0:
        raise ConfigError("give at least one penalty", field="penalties")
    m = max(int(min_size), cls.min_size)
    n_win, n = x.shape
    if n < m:
        raise ConfigError(f"windows of {n} values are shorter than min_size={m}", field="min_size")
    counts = np.zeros((n_win, pens.size), dtype=np.int64)
    cps = np.full((n_win, pens.size, max(n // m, 1)), -1, dtype=np.int64)
    _kernels.pelt_many(kernel, x, pens, m, safe, counts, cps)
    width = int(counts.max()) if counts.size else 0
    return WindowsResult(penalties=pens, counts=counts, changepoints=cps[:, :, : max(width, 1)])


def sliding_windows(values: ArrayLike, window: int) -> NDArray[np.float64]:
    """All windows of ``window`` consecutive values of a 1-D series (a read-only view).

    Row ``i`` holds ``values[i : i + window]``: the window that ends at ``i + window - 1``.

    Args:
        values: A 1-D series of at least ``window`` values.
        window: Window length.

    Returns:
        Array (len(values) - window + 1, window).

    Raises:
        ConfigError: The window is not positive or longer than the series.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise InputError("values must be 1-D", field="values")
    if window < 1 or window > x.shape[0]:
        raise ConfigError(
            f"window must be between 1 and the series length {x.shape[0]}", field="window"
        )
    return np.lib.stride_tricks.sliding_window_view(x, window)
