"""One call from a series to its change points: :func:`segment` and :func:`detect_changepoints`.

The penalty is a number or a rule: ``"auto"`` (the default, see
:func:`~crowdpulse.detect.penalty.auto_penalty`) or ``"elbow"`` (the firestorm
paper's rule over the penalties 2..10, see
:func:`~crowdpulse.detect.penalty.select_elbow`).

With a rule and a Gaussian cost (``normal-mean``, ``normal-meanvar``), PELT runs on
a rescaled copy of the series (:func:`~crowdpulse.detect.rescale.rescale`): robustly
standardised, count-like series square-rooted first, for ``auto``; z-scored for
``elbow``, as the firestorm paper did. The change points then do not depend on the
units (``x * 1000`` and ``x + 1000`` give those of ``x``), and the penalty and the
total cost are reported in the rescaled units. A numeric penalty is applied to the
series as given (ruptures' habit).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from crowdpulse.detect.costs import BaseCost, CostName, as_signal
from crowdpulse.detect.pelt import Pelt, Pruning, bkps_to_changepoints, check_penalty
from crowdpulse.detect.penalty import PAPER_PENALTIES, auto_penalty, select_elbow
from crowdpulse.detect.rescale import rescale
from crowdpulse.exceptions import ConfigError

__all__ = ["PenaltyRule", "Segmentation", "detect_changepoints", "segment"]

PenaltyRule = Literal["auto", "elbow"]


@dataclass(frozen=True)
class Segmentation:
    """The result of :func:`segment`.

    Attributes:
        changepoints: 0-based indices where a new segment starts.
        penalty: The penalty used.
        penalty_rule: ``"auto"``, ``"elbow"`` or ``"fixed"``.
        cost: The cost key.
        n: Length of the series.
        starts: First index of each segment (0 and the change points).
        ends: Exclusive end of each segment.
        means: Mean of each segment (of the first column for multivariate input).
        total_cost: Sum of the segment costs, without penalty (in the units PELT
            worked in: those of the rescaled series when ``rescaled`` is not
            ``"none"``).
        rescaled: How the series was rescaled before PELT: ``"robust"``,
            ``"robust-sqrt"`` (count-like, square-rooted first), ``"zscore"`` or
            ``"none"``.
    """

    changepoints: list[int]
    penalty: float
    penalty_rule: str
    cost: str
    n: int
    starts: list[int]
    ends: list[int]
    means: list[float]
    total_cost: float
    rescaled: str = "none"

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict."""
        return asdict(self)


def _mean(values: NDArray[np.float64]) -> float:
    """Mean of finite values, without overflow for values near the largest float."""
    with np.errstate(over="ignore"):
        mean = float(np.mean(values))
    if np.isfinite(mean):
        return mean
    top = float(np.max(np.abs(values)))
    return float(np.mean(values / top) * top)


def segment(
    values: ArrayLike,
    *,
    cost: CostName | str | BaseCost = "normal-mean",
    penalty: PenaltyRule | str | float = "auto",
    min_size: int = 2,
    jump: int = 1,
    pruning: Pruning = "standard",
) -> Segmentation:
    """Find the change points of a series with PELT and describe its segments.

    Args:
        values: The series, shape (n,) or (n, d); no missing values.
        cost: ``"normal-mean"`` (default), ``"normal-meanvar"``, ``"poisson"`` or a
            cost object.
        penalty: ``"auto"`` (default: MBIC-type on the robustly rescaled series),
            ``"elbow"`` (the paper's rule on the z-scored series), or a number (in
            the units of the cost on the series as given).
        min_size: Minimum segment length (default 2).
        jump: Only every ``jump``-th index may start a segment (default 1).
        pruning: ``"standard"`` (equal to ruptures) or ``"safe"`` (always optimal).

    Returns:
        The change points, penalty and segments.

    Raises:
        ConfigError: An option is invalid.
        InputError: The series is empty or holds NaN/inf.
    """
    signal = as_signal(values, name="values")
    cost_key = cost.name if isinstance(cost, BaseCost) else str(cost)
    work, how = signal, "none"
    if isinstance(penalty, str) and cost_key in ("normal-mean", "normal-meanvar"):
        if penalty == "auto":
            scaled = rescale(signal, "robust")
            work = scaled.values
            how = "robust-sqrt" if scaled.transform == "sqrt" else "robust"
        elif penalty == "elbow":
            work, how = rescale(signal, "zscore").values, "zscore"
    if isinstance(penalty, str) and penalty == "elbow":
        choice = select_elbow(
            work,
            cost=cost,
            penalties=PAPER_PENALTIES,
            min_size=min_size,
            jump=jump,
            pruning=pruning,
        )
        pen, rule = choice.penalty, "elbow"
    elif isinstance(penalty, str) and penalty == "auto":
        pen, rule = auto_penalty(work, cost_key), "auto"
    elif isinstance(penalty, str):
        try:
            pen = float(penalty)
        except ValueError:
            raise ConfigError(
                f"penalty must be 'auto', 'elbow' or a number, got {penalty!r}", field="penalty"
            ) from None
        rule = "fixed"
    else:
        pen, rule = float(penalty), "fixed"
    pen = check_penalty(pen)
    algo = Pelt(cost=cost, min_size=min_size, jump=jump, pruning=pruning).fit(work)
    bkps = algo.predict(pen)
    starts = [0, *bkps[:-1]]
    means = [_mean(signal[s:e, 0]) for s, e in zip(starts, bkps, strict=True)]
    return Segmentation(
        changepoints=bkps_to_changepoints(bkps),
        penalty=pen,
        penalty_rule=rule,
        cost=cost_key,
        n=int(signal.shape[0]),
        starts=starts,
        ends=list(bkps),
        means=means,
        total_cost=float(algo.segmentation_cost(bkps)),
        rescaled=how,
    )


def detect_changepoints(
    values: ArrayLike,
    *,
    cost: CostName | str | BaseCost = "normal-mean",
    penalty: PenaltyRule | str | float = "auto",
    min_size: int = 2,
    jump: int = 1,
    pruning: Pruning = "standard",
) -> list[int]:
    """Return the 0-based indices where a new segment starts.

    ruptures returns segment *ends* including ``n``; these are the same numbers
    without the final ``n`` (the end of a segment is the start of the next).

    Example:
        >>> detect_changepoints([0.0] * 20 + [4.0] * 20, penalty=5)
        [20]

    Args:
        values: The series, shape (n,) or (n, d).
        cost: ``"normal-mean"``, ``"normal-meanvar"``, ``"poisson"`` or a cost object.
        penalty: ``"auto"`` (default), ``"elbow"`` or a number.
        min_size: Minimum segment length.
        jump: Subsampling of admissible change points.
        pruning: ``"standard"`` (equal to ruptures) or ``"safe"`` (always optimal).

    Returns:
        Sorted change points in ``1 .. n-1``.
    """
    return segment(
        values, cost=cost, penalty=penalty, min_size=min_size, jump=jump, pruning=pruning
    ).changepoints
