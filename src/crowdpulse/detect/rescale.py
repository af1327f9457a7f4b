"""Put a series on a scale-free footing before the default penalty rules run.

The default rules (``penalty="auto"`` and ``"elbow"`` in
:func:`~crowdpulse.detect.segment.segment`) work on a rescaled copy of the series,
so that the change points do not depend on the units: ``x * 1000`` and
``x + 1000`` give the same change points as ``x``, and values near ``1e200`` (whose
squares overflow) are handled like any others.

- ``"robust"`` (for ``auto``): subtract the median and divide by the robust noise
  standard deviation from first differences (``1.4826 * MAD(diff(x)) / sqrt(2)``,
  see :func:`~crowdpulse.detect.penalty.noise_scale`), which level shifts, outliers
  and heavy tails barely move. A *count-like* series (every value a whole number
  >= 0, below 2**53) is first square-rooted above its minimum, ``sqrt(x - min(x))``: the
  variance-stabilising transform of counts (Poisson and negative-binomial counts
  have a variance that grows with their level, so a change in a busy stretch would
  otherwise look larger than the same change in a quiet one). Anchoring at the
  minimum keeps the rule shift-free; for counts whose minimum is 0 (the rule in
  social media) it is the plain square root.
- ``"zscore"`` (for ``elbow``): subtract the mean and divide by the standard
  deviation, as the firestorm paper did before its elbow rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from crowdpulse.detect.costs import as_signal
from crowdpulse.detect.penalty import noise_scale
from crowdpulse.exceptions import ConfigError

__all__ = ["Rescaled", "count_like", "rescale"]

RescaleMethod = Literal["robust", "zscore"]

_EXACT = float(2**53)  # floats above this are all whole numbers


@dataclass(frozen=True)
class Rescaled:
    """A rescaled series and how it was made.

    Attributes:
        values: The rescaled series, shape (n, d).
        transform: ``"sqrt"`` (count-like series, square root above the minimum)
            or ``"none"``.
        center: What was subtracted from each column (after the transform).
        scale: What each column was then divided by (all > 0).
    """

    values: NDArray[np.float64]
    transform: str
    center: NDArray[np.float64]
    scale: NDArray[np.float64]


def count_like(values: ArrayLike) -> bool:
    """Whether every value is a whole number >= 0 and below 2**53 (a series of counts).

    Above 2**53 every float is a whole number, so such values say nothing about
    being counts.

    Args:
        values: The series, shape (n,) or (n, d).

    Returns:
        True for counts.
    """
    x = as_signal(values, name="values")
    return bool(np.all(x >= 0) and np.all(x < _EXACT) and np.all(x == np.floor(x)))


def _unit(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Divide each column by its largest absolute value (no overflow in squares later)."""
    top = np.max(np.abs(x), axis=0)
    return np.asarray(x / np.where(top > 0, top, 1.0))


def rescale(values: ArrayLike, method: RescaleMethod = "robust") -> Rescaled:
    """Rescale a series so that change-point rules see it without units.

    Args:
        values: The series, shape (n,) or (n, d), finite.
        method: ``"robust"`` (median and robust noise scale, counts square-rooted)
            or ``"zscore"`` (mean and standard deviation).

    Returns:
        The rescaled series with the transform, centre and scale used (the centre
        and scale refer to the transformed series divided by its largest absolute
        value, and then the centred series divided by its own: these steps only
        guard against overflow and do not change the change points).

    Raises:
        InputError: The series is empty or not finite.
        ConfigError: The method is unknown.
    """
    if method not in ("robust", "zscore"):
        raise ConfigError(f"unknown rescaling {method!r}", field="method")
    x = as_signal(values, name="values")
    transform = "none"
    if method == "robust" and count_like(x):
        x = np.sqrt(x - np.min(x, axis=0))
        transform = "sqrt"
    # bring to unit size first so that no sum, difference or square overflows
    x = _unit(x)
    center = np.median(x, axis=0) if method == "robust" else np.mean(x, axis=0)
    y = _unit(x - center)
    if method == "robust":
        scale = np.sqrt(noise_scale(y))
    else:
        sd = np.std(y, axis=0)
        scale = np.where(sd > 0, sd, 1.0)
    z = np.ascontiguousarray(y / scale)
    return Rescaled(
        values=z,
        transform=transform,
        center=np.asarray(center, dtype=np.float64),
        scale=np.asarray(scale, dtype=np.float64),
    )
