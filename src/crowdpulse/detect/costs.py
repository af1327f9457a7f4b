r"""Segment costs for change-point detection, found by a string key.

A cost measures how badly one model fits a segment ``y[start:end]``; PELT minimises
the sum of the segment costs plus a penalty per segment. All costs here are twice
a negative log-likelihood (up to terms that are the same for every segmentation),
so one penalty scale (e.g. ``2 log n`` per extra parameter, as in BIC) means the
same thing for each of them.

=================  =================================================  ==========  ========
key                cost of a segment of length L                      ruptures    min_size
=================  =================================================  ==========  ========
``normal-mean``    :math:`\sum_i \lVert y_i - \bar y\rVert^2`          ``"l2"``    1
                   (Gaussian, known unit variance, changing mean)
``normal-meanvar`` :math:`L \log(\hat\sigma^2 + 10^{-6})`; for d > 1   ``"normal"`` 2
                   :math:`L \log\det(\hat\Sigma + 10^{-6} I)` with
                   :math:`\hat\Sigma` the sample covariance (ddof=1)
``poisson``        :math:`2\sum_i (\hat\lambda - y_i\log\hat\lambda    none        1
                   + \log y_i!)`, :math:`\hat\lambda = \bar y`
=================  =================================================  ==========  ========

The ``10^{-6}`` of ``normal-meanvar`` is ruptures' (since 1.1.5): it keeps a
constant segment's cost finite (``L log 1e-6``) instead of ``-inf``, and makes
the results equal ruptures' on signals with constant stretches.

Each cost is fitted once on the signal (cumulative sums, O(n d) memory) and then
gives any segment's cost in O(d) time. Add your own cost by subclassing
:class:`BaseCost` (implement ``fit`` and ``errors``) and decorating it with
:func:`register_cost`; PELT then runs it through a vectorised numpy loop instead of
the compiled one::

    @register_cost
    class CostL1(BaseCost):
        name = "l1"
        def fit(self, signal): ...
        def errors(self, starts, end): ...
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from crowdpulse.exceptions import ConfigError, InputError, NotFittedError
from crowdpulse.registry import Registry

__all__ = [
    "COSTS",
    "COST_ALIASES",
    "BaseCost",
    "CostName",
    "CostNormalMean",
    "CostNormalMeanVar",
    "CostPoisson",
    "make_cost",
    "register_cost",
    "resolve_cost_name",
]

CostName = Literal["normal-mean", "normal-meanvar", "poisson"]

_SMALL_DIAG = 1e-6


def as_signal(signal: ArrayLike, *, name: str = "signal") -> NDArray[np.float64]:
    """Return ``signal`` as a 2-D float array (n_samples, n_features), checked finite.

    Args:
        signal: A 1-D or 2-D array-like of numbers.
        name: What to call it in error messages.

    Returns:
        A C-contiguous float64 array of shape (n, d).

    Raises:
        InputError: The signal is not 1-D/2-D, is empty or holds NaN/inf.
    """
    try:
        arr = np.asarray(signal, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} is not numeric: {exc}", field=name) from None
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise InputError(f"{name} must be 1-D or 2-D, got {arr.ndim}-D", field=name)
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"{name} is empty", field=name)
    if not np.all(np.isfinite(arr)):
        raise InputError(
            f"{name} holds NaN or infinite values; drop or fill missing values first", field=name
        )
    return np.ascontiguousarray(arr)


class BaseCost:
    """A segment cost: ``fit`` on a signal, then ``error(start, end)`` for ``signal[start:end]``.

    Subclasses set ``name`` (the registry key) and ``min_size`` (the shortest
    segment the cost is defined for) and implement :meth:`fit` and :meth:`errors`.
    The built-in costs also set ``kernel`` (the id of their compiled loop) and the
    cumulative sums ``sums_`` that loop reads.

    Attributes:
        n_samples_: Length of the fitted signal.
        n_features_: Its number of columns.
    """

    name: ClassVar[str] = ""
    min_size: ClassVar[int] = 1
    kernel: ClassVar[int | None] = None

    n_samples_: int
    n_features_: int
    sums_: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]

    def fit(self, signal: ArrayLike) -> BaseCost:
        """Precompute what the cost needs to evaluate any segment of ``signal``.

        Args:
            signal: Array of shape (n_samples,) or (n_samples, n_features).

        Returns:
            self
        """
        raise NotImplementedError

    def errors(self, starts: NDArray[np.int64], end: int) -> NDArray[np.float64]:
        """Costs of the segments ``[start, end)`` for every ``start`` in ``starts``.

        Args:
            starts: 1-D integer array of segment starts, each below ``end``.
            end: The common (exclusive) end.

        Returns:
            One cost per start.
        """
        raise NotImplementedError

    def error(self, start: int, end: int) -> float:
        """Cost of the segment ``signal[start:end]``.

        Args:
            start: First index of the segment.
            end: Index one past its last point.

        Returns:
            The segment cost.

        Raises:
            ConfigError: The segment is shorter than ``min_size`` or out of range.
        """
        self._check_fitted()
        if not 0 <= start < end <= self.n_samples_:
            raise ConfigError(
                f"segment [{start}, {end}) is outside the signal of length {self.n_samples_}",
                field="start",
            )
        if end - start < self.min_size:
            raise ConfigError(
                f"segment [{start}, {end}) is shorter than min_size={self.min_size}",
                field="start",
            )
        return float(self.errors(np.array([start], dtype=np.int64), end)[0])

    def sum_of_costs(self, bkps: list[int]) -> float:
        """Total cost of the segmentation that ends its segments at ``bkps`` (ruptures style).

        Args:
            bkps: Sorted segment ends, the last one equal to the signal length.

        Returns:
            The sum of the segment costs (no penalty).
        """
        total = 0.0
        start = 0
        for end in bkps:
            total += self.error(start, end)
            start = end
        return total

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_samples_"):
            raise NotFittedError(f"cost {self.name!r} is used before fit")


_C = TypeVar("_C", bound=type[BaseCost])

COSTS: Registry[type[BaseCost]] = Registry(
    "cost", group="crowdpulse.costs", aliases={"l2": "normal-mean", "normal": "normal-meanvar"}
)
"""The registry: cost key -> cost class (plug-ins: entry-point group ``crowdpulse.costs``)."""


def register_cost(cls: _C) -> _C:
    """Class decorator that adds a cost class to :data:`COSTS` under its ``name``.

    Args:
        cls: A :class:`BaseCost` subclass with a non-empty ``name``.

    Returns:
        The class, unchanged.

    Raises:
        ConfigError: The class has no name.
    """
    if not cls.name:
        raise ConfigError("a cost class needs a non-empty 'name'", field="name")
    COSTS[cls.name] = cls
    return cls


COST_ALIASES: dict[str, str] = COSTS.aliases
"""ruptures' model names -> the keys of :data:`COSTS` (so ruptures code ports as is)."""


def resolve_cost_name(cost: str) -> str:
    """Return the registry key for a cost key or a ruptures model name (``"l2"``, ``"normal"``).

    Args:
        cost: A key of :data:`COSTS` or of :data:`COST_ALIASES`.

    Returns:
        The key of :data:`COSTS` (unknown names are returned unchanged).
    """
    return COST_ALIASES.get(cost, cost) if cost not in COSTS else cost


def make_cost(cost: str | BaseCost) -> BaseCost:
    """Return a fresh cost object for a registry key (or the given object itself).

    Args:
        cost: A key of :data:`COSTS` such as ``"normal-mean"`` (or a ruptures name of
            :data:`COST_ALIASES`, such as ``"l2"``), or a cost instance.

    Returns:
        An unfitted cost object (or ``cost`` if it already is one).

    Raises:
        ConfigError: The key is unknown.
    """
    if isinstance(cost, BaseCost):
        return cost
    try:
        return COSTS[resolve_cost_name(str(cost))]()
    except KeyError:
        known = ", ".join([*sorted(COSTS), *sorted(COST_ALIASES)])
        raise ConfigError(f"unknown cost {cost!r}; known costs: {known}", field="cost") from None


def _cumsum0(values: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.zeros((values.shape[0] + 1, *values.shape[1:]), dtype=np.float64)
    np.cumsum(values, axis=0, out=out[1:])
    return out


@register_cost
class CostNormalMean(BaseCost):
    """Gaussian change in mean with known (unit) variance: ruptures' ``"l2"``.

    The cost of a segment is the sum over its points (and columns) of the squared
    deviations from the segment mean. Scale the penalty by the noise variance (the
    ``"auto"`` penalty does).
    """

    name: ClassVar[str] = "normal-mean"
    min_size: ClassVar[int] = 1
    kernel: ClassVar[int | None] = 0

    def fit(self, signal: ArrayLike) -> CostNormalMean:
        """Precompute the cumulative sums of the (centred) signal and of its squares.

        Args:
            signal: Array of shape (n_samples,) or (n_samples, n_features).

        Returns:
            self
        """
        arr = as_signal(signal)
        centred = arr - np.median(arr, axis=0)  # centring keeps the sums accurate
        self.sums_ = (
            _cumsum0(centred),
            _cumsum0(np.einsum("ij,ij->i", centred, centred)),
            np.zeros((0, 0, 0)),
        )
        self.n_samples_, self.n_features_ = arr.shape
        return self

    def errors(self, starts: NDArray[np.int64], end: int) -> NDArray[np.float64]:
        """Sum of squared deviations from the mean of each segment ``[start, end)``.

        Args:
            starts: Segment starts.
            end: Common segment end.

        Returns:
            One cost per start.
        """
        self._check_fitted()
        a, b, _ = self.sums_
        length = (end - starts).astype(np.float64)
        d1 = a[end] - a[starts]
        return np.asarray((b[end] - b[starts]) - np.einsum("ij,ij->i", d1, d1) / length)


@register_cost
class CostNormalMeanVar(BaseCost):
    """Gaussian change in mean and variance: ruptures' ``"normal"``.

    Cost ``L * log(var + 1e-6)`` for one column (population variance, ddof=0), and
    ``L * log det(cov + 1e-6 I)`` with the sample covariance (ddof=1) for several,
    exactly like ruptures' ``CostNormal``. Segments need at least 2 points.
    """

    name: ClassVar[str] = "normal-meanvar"
    min_size: ClassVar[int] = 2
    kernel: ClassVar[int | None] = 1

    def fit(self, signal: ArrayLike) -> CostNormalMeanVar:
        """Precompute cumulative sums, squares (and cross-products for d > 1).

        Args:
            signal: Array of shape (n_samples,) or (n_samples, n_features).

        Returns:
            self
        """
        arr = as_signal(signal)
        centred = arr - np.median(arr, axis=0)
        n, d = arr.shape
        outer = np.zeros((0, 0, 0))
        if d > 1:
            outer = _cumsum0(np.einsum("ij,ik->ijk", centred, centred))
        self.sums_ = (
            _cumsum0(centred),
            _cumsum0(np.einsum("ij,ij->i", centred, centred)),
            outer,
        )
        self.n_samples_, self.n_features_ = n, d
        return self

    def errors(self, starts: NDArray[np.int64], end: int) -> NDArray[np.float64]:
        """Gaussian cost with fitted mean and (co)variance of each segment ``[start, end)``.

        Args:
            starts: Segment starts (segments of length 1 give NaN for d > 1).
            end: Common segment end.

        Returns:
            One cost per start.
        """
        self._check_fitted()
        a, b, outer = self.sums_
        length = (end - starts).astype(np.float64)
        d1 = a[end] - a[starts]
        if self.n_features_ == 1:
            var = ((b[end] - b[starts]) - d1[:, 0] ** 2 / length) / length
            var = np.maximum(var, 0.0)
            return np.asarray(length * np.log(var + _SMALL_DIAG))
        with np.errstate(divide="ignore", invalid="ignore"):
            cov = (outer[end] - outer[starts]) - np.einsum("ij,ik->ijk", d1, d1) / length[
                :, None, None
            ]
            cov /= (length - 1.0)[:, None, None]
        cov += _SMALL_DIAG * np.eye(self.n_features_)
        _, logdet = np.linalg.slogdet(cov)
        return np.asarray(length * logdet)


@register_cost
class CostPoisson(BaseCost):
    """Poisson counts with a changing rate.

    Twice the negative Poisson log-likelihood of the segment at its maximum-likelihood
    rate (the segment mean): ``2 * sum(rate - y log(rate) + log(y!))``. Values must be
    non-negative (non-integers are accepted as quasi-counts; ``log(y!)`` is then
    ``lgamma(y + 1)``). Several columns are independent Poisson series.
    """

    name: ClassVar[str] = "poisson"
    min_size: ClassVar[int] = 1
    kernel: ClassVar[int | None] = 2

    def fit(self, signal: ArrayLike) -> CostPoisson:
        """Precompute cumulative counts and cumulative ``log(y!)``.

        Args:
            signal: Non-negative counts, shape (n_samples,) or (n_samples, n_features).

        Returns:
            self

        Raises:
            InputError: A value is negative.
        """
        arr = as_signal(signal)
        if np.any(arr < 0):
            raise InputError("the poisson cost needs non-negative counts", field="signal")
        lgam = np.vectorize(math.lgamma, otypes=[np.float64])(arr + 1.0).sum(axis=1)
        self.sums_ = (_cumsum0(arr), _cumsum0(lgam), np.zeros((0, 0, 0)))
        self.n_samples_, self.n_features_ = arr.shape
        return self

    def errors(self, starts: NDArray[np.int64], end: int) -> NDArray[np.float64]:
        """Twice the negative log-likelihood of each segment ``[start, end)`` at its mean rate.

        Args:
            starts: Segment starts.
            end: Common segment end.

        Returns:
            One cost per start.
        """
        self._check_fitted()
        a, b, _ = self.sums_
        length = (end - starts).astype(np.float64)
        tot = a[end] - a[starts]
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(tot > 0, tot - tot * np.log(tot / length[:, None]), 0.0)
        return np.asarray(2.0 * (b[end] - b[starts]) + 2.0 * term.sum(axis=1))
