"""PELT: exact penalised change-point detection (Killick, Fearnhead & Eckley 2012).

PELT finds the segmentation of a signal that minimises the sum of its segment
costs plus ``pen`` per segment, by dynamic programming over the end of the last
segment, pruning candidates that can no longer be optimal: the cost of the
remaining work is linear in n when the number of changes grows with n.

:class:`Pelt` follows ruptures' ``Pelt`` (same arguments, same admissible change
points for ``min_size`` and ``jump``, the first minimum wins ties, same pruning) so
that it returns the same change points; it runs the costs of :mod:`.costs` through
a compiled loop over cumulative sums.

Conventions: :meth:`Pelt.predict` returns ruptures' *breakpoints*: the exclusive
end of every segment, the last one being ``n``. :meth:`Pelt.changepoints` returns
the same numbers without the final ``n``: the 0-based index of the first value of
each new segment. For ``[0, 0, 0, 5, 5]`` ``predict`` gives ``[3, 5]`` and
``changepoints`` gives ``[3]``.

Pruning and ``min_size``: the PELT rule prunes a candidate ``t`` at step ``s`` when
``F(t) + C(t, s) > F(s)``. That is safe for every later step ``T >= s + min_size``,
but not for the ``min_size - 1`` steps in between, where ``s`` cannot yet start the
last segment. ruptures (and, judging by its results, changepoint-doctor) prunes at
once (``pruning="standard"``, the default, so results equal ruptures'); on some signals
this misses the optimum (in the benchmark's streaming workload, at least 401 of 14,400
49-value windows get another segmentation for at least one of the penalties 2..10).
``pruning="safe"`` delays each removal until it is valid and always returns the exact
minimum of the penalised cost.
"""

from __future__ import annotations

import copy
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from crowdpulse.detect import _kernels
from crowdpulse.detect.base import BaseDetector
from crowdpulse.detect.costs import BaseCost, CostName, make_cost, resolve_cost_name
from crowdpulse.exceptions import ConfigError, NotFittedError

__all__ = ["Pelt", "Pruning", "bkps_to_changepoints", "changepoints_to_bkps"]

Pruning = Literal["standard", "safe"]


def bkps_to_changepoints(bkps: list[int]) -> list[int]:
    """Turn ruptures breakpoints (segment ends, last = n) into 0-based segment starts.

    Args:
        bkps: Sorted segment ends, ending with the signal length.

    Returns:
        The indices where a new segment starts (``bkps`` without its last item).
    """
    return [int(b) for b in bkps[:-1]]


def changepoints_to_bkps(changepoints: list[int], n: int) -> list[int]:
    """Turn 0-based segment starts into ruptures breakpoints.

    Args:
        changepoints: Indices where a new segment starts.
        n: Length of the signal.

    Returns:
        ``changepoints + [n]``.
    """
    return [int(c) for c in changepoints] + [int(n)]


def _check_pruning(pruning: str) -> bool:
    if pruning not in ("standard", "safe"):
        raise ConfigError(f"pruning must be 'standard' or 'safe', got {pruning!r}", field="pruning")
    return pruning == "safe"


def check_params(min_size: int, jump: int) -> None:
    """Validate ``min_size`` and ``jump``.

    Args:
        min_size: Minimum segment length.
        jump: Step between admissible change points.

    Raises:
        ConfigError: Either is not a whole number of at least 1.
    """
    for name, value in (("min_size", min_size), ("jump", jump)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ConfigError(f"{name} must be a whole number of at least 1", field=name)


def check_penalty(pen: float) -> float:
    """Return ``pen`` as a float, checking that it is finite and not negative.

    Args:
        pen: A penalty value.

    Returns:
        The penalty.

    Raises:
        ConfigError: The penalty is negative, NaN or infinite.
    """
    try:
        value = float(pen)
    except (TypeError, ValueError):
        raise ConfigError(f"penalty must be a number, got {pen!r}", field="penalty") from None
    if not np.isfinite(value) or value < 0:
        raise ConfigError(f"penalty must be finite and >= 0, got {pen!r}", field="penalty")
    return value


def _backtrack(last: NDArray[np.int64], n: int) -> list[int]:
    bkps = []
    s = n
    while s > 0:
        bkps.append(int(s))
        s = int(last[s])
    bkps.reverse()
    return bkps


def _pelt_python(
    cost: BaseCost, pen: float, min_size: int, jump: int, safe: bool
) -> NDArray[np.int64]:
    """The same algorithm as the compiled loop, vectorised over candidates with numpy.

    Used for costs that have no compiled kernel (user-registered costs).
    """
    n = cost.n_samples_
    f = np.full(n + 1, np.inf)
    f[0] = 0.0
    last = np.full(n + 1, -1, dtype=np.int64)
    has_part = np.zeros(n + 1, dtype=bool)
    has_part[0] = True
    ends = [k for k in range(0, n, jump) if k >= min_size] + [n]
    cand = np.empty(0, dtype=np.int64)
    dead_from = np.empty(0, dtype=np.int64)
    delay = min_size if safe else 1
    for s in ends:
        new_pt = ((s - min_size) // jump) * jump
        if has_part[new_pt]:
            cand = np.append(cand, new_pt)
            dead_from = np.append(dead_from, n + 1)
        keep = dead_from > s
        cand, dead_from = cand[keep], dead_from[keep]
        vals = f[cand] + (cost.errors(cand, s) + pen)
        i = int(np.argmin(vals))
        f[s] = vals[i]
        last[s] = cand[i]
        has_part[s] = True
        fail = (vals > f[s] + pen) & (dead_from > s + delay)
        dead_from[fail] = s + delay
    return last


class Pelt(BaseDetector):
    """Penalised change-point detection by PELT, in ruptures' habit.

    ruptures code ports by changing the import: ``Pelt(model="l2", min_size=2,
    jump=5)`` is accepted (``model`` and ``custom_cost`` are ruptures' names; note
    that ruptures' default ``jump`` is 5 and ours is 1). It follows scikit-learn's
    parameter protocol (:class:`~crowdpulse.detect.base.BaseDetector`), so
    ``sklearn.base.clone`` and ``set_params`` work.

    Example:
        >>> import numpy as np
        >>> signal = np.r_[np.zeros(50), np.full(50, 5.0)]
        >>> Pelt(cost="normal-mean", min_size=2).fit(signal).predict(pen=10)
        [50, 100]
        >>> Pelt(model="l2", jump=5)
        Pelt(model='l2', jump=5)

    Args:
        model: ruptures' name for the cost (``"l2"`` = ``"normal-mean"``,
            ``"normal"`` = ``"normal-meanvar"``, or any cost key); when given it
            is used instead of ``cost``.
        cost: A cost key of :data:`crowdpulse.detect.costs.COSTS` (``"normal-mean"``,
            ``"normal-meanvar"``, ``"poisson"``; ruptures' ``"l2"`` and ``"normal"``
            too) or a cost object.
        custom_cost: ruptures' name for a cost object; used instead of ``cost``.
        min_size: Minimum segment length; raised to the cost's own minimum (2 for
            ``normal-meanvar``) like ruptures does.
        jump: Only every ``jump``-th index may start a segment (ruptures' meaning).
        pruning: ``"standard"`` (prune at once, results equal ruptures') or
            ``"safe"`` (delayed pruning, always the exact optimum); see the module
            documentation.

    Attributes:
        cost_: The fitted cost object.
        n_samples_: Length of the fitted signal.
        min_size_: The effective minimum segment length.
        work_: Candidate evaluations of the last ``predict`` (for the curious).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        cost: CostName | str | BaseCost = "normal-mean",
        custom_cost: BaseCost | None = None,
        min_size: int = 2,
        jump: int = 1,
        pruning: Pruning = "standard",
    ) -> None:
        self.model = model
        self.cost = cost
        self.custom_cost = custom_cost
        self.min_size = min_size
        self.jump = jump
        self.pruning = pruning

    def _chosen_cost(self) -> str | BaseCost:
        """The cost to use: ``custom_cost``, else ``model``, else ``cost``; they must agree."""
        given: list[str | BaseCost] = []
        if self.custom_cost is not None:
            given.append(self.custom_cost)
        if self.model is not None:
            given.append(self.model)
        if not given or self.cost != "normal-mean":
            given.append(self.cost)
        keys = {g.name if isinstance(g, BaseCost) else resolve_cost_name(str(g)) for g in given}
        if len(keys) > 1:
            raise ConfigError(
                f"model, cost and custom_cost name different costs ({', '.join(sorted(keys))});"
                " give one of them",
                field="cost",
            )
        return given[0]

    def fit(self, signal: ArrayLike) -> Pelt:
        """Fit the cost on ``signal`` (cumulative sums; O(n d)).

        Args:
            signal: Array of shape (n_samples,) or (n_samples, n_features).

        Returns:
            self

        Raises:
            ConfigError: An option is invalid, or the signal is shorter than the
                minimum segment length.
            InputError: The signal holds NaN or infinite values.
        """
        check_params(self.min_size, self.jump)
        _check_pruning(self.pruning)
        chosen = self._chosen_cost()
        # never fit the object given to __init__ in place (scikit-learn's rule)
        cost = copy.deepcopy(chosen) if isinstance(chosen, BaseCost) else make_cost(chosen)
        cost.fit(signal)
        min_size = max(int(self.min_size), cost.min_size)
        if cost.n_samples_ < min_size:
            raise ConfigError(
                f"the signal has {cost.n_samples_} values, fewer than min_size={min_size}",
                field="min_size",
            )
        self.cost_ = cost
        self.n_samples_ = cost.n_samples_
        self.min_size_ = min_size
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "cost_"):
            raise NotFittedError("this Pelt is used before fit")

    def predict(self, pen: float) -> list[int]:
        """Return the optimal breakpoints for penalty ``pen`` (ruptures' convention).

        Args:
            pen: Penalty per segment (>= 0), in the units of the cost.

        Returns:
            Sorted segment ends; the last one is ``n_samples_``.

        Raises:
            NotFittedError: ``fit`` was not called.
            ConfigError: The penalty is negative or not finite.
        """
        self._check_fitted()
        pen = check_penalty(pen)
        safe = _check_pruning(self.pruning)
        cost = self.cost_
        n = self.n_samples_
        if cost.kernel is not None:
            a, b, q = cost.sums_
            last = np.full(n + 1, -1, dtype=np.int64)
            self.work_ = int(
                _kernels.pelt_path(
                    cost.kernel, a, b, q, pen, self.min_size_, int(self.jump), safe, last
                )
            )
        else:
            last = _pelt_python(cost, pen, self.min_size_, int(self.jump), safe)
            self.work_ = -1
        return _backtrack(last, n)

    def fit_predict(self, signal: ArrayLike, pen: float) -> list[int]:
        """Fit on ``signal`` and return its breakpoints for ``pen``.

        Args:
            signal: Array of shape (n_samples,) or (n_samples, n_features).
            pen: Penalty per segment.

        Returns:
            Sorted segment ends; the last one is the signal length.
        """
        return self.fit(signal).predict(pen)

    def changepoints(self, pen: float) -> list[int]:
        """Return the 0-based indices where a new segment starts, for penalty ``pen``.

        Args:
            pen: Penalty per segment.

        Returns:
            Sorted indices in ``1 .. n-1`` (empty when no change is found).
        """
        return bkps_to_changepoints(self.predict(pen))

    def segmentation_cost(self, bkps: list[int]) -> float:
        """Sum of the segment costs (no penalty) of a segmentation of the fitted signal.

        Args:
            bkps: Sorted segment ends, the last one equal to ``n_samples_``.

        Returns:
            The total cost.
        """
        self._check_fitted()
        return self.cost_.sum_of_costs(bkps)
