"""When posts happen: a diurnal rhythm, a crisis burst and a firestorm surge.

All times are integer milliseconds since the Unix epoch (UTC). Draws are
vectorised: a whole class of posts gets its times in one call.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BUCKET_MS",
    "DAY_MS",
    "HOUR_MS",
    "burst_times",
    "diurnal_rate",
    "diurnal_times",
]

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
BUCKET_MS = 30 * MINUTE_MS


def diurnal_rate(ms: np.ndarray, *, amplitude: float, peak_hour: float) -> np.ndarray:
    """Relative posting rate at times ``ms`` (1 + amplitude * cos), at most 1 + amplitude.

    Args:
        ms: Times in ms since the epoch.
        amplitude: 0 for no rhythm, close to 1 for quiet nights.
        peak_hour: UTC hour of the daily peak.

    Returns:
        The rate, between ``1 - amplitude`` and ``1 + amplitude``.
    """
    hours = (ms % DAY_MS) / HOUR_MS
    return 1.0 + amplitude * np.cos(2.0 * np.pi * (hours - peak_hour) / 24.0)


def diurnal_times(
    rng: np.random.Generator,
    n: int,
    start_ms: int,
    end_ms: int,
    *,
    amplitude: float,
    peak_hour: float,
) -> np.ndarray:
    """Draw ``n`` times in ``[start_ms, end_ms)`` following the diurnal rhythm.

    Args:
        rng: The random generator.
        n: Number of times.
        start_ms: Start of the period.
        end_ms: End of the period (exclusive).
        amplitude: Strength of the day/night cycle.
        peak_hour: UTC hour of the daily peak.

    Returns:
        The times, unsorted, as int64 ms.
    """
    return _accept(
        rng,
        n,
        lambda k: rng.integers(start_ms, end_ms, k),
        amplitude=amplitude,
        peak_hour=peak_hour,
    )


def burst_times(
    rng: np.random.Generator,
    n: int,
    at_ms: int,
    end_ms: int,
    *,
    shape: float,
    scale_hours: float,
    amplitude: float,
    peak_hour: float,
    min_offset_ms: int = 0,
) -> np.ndarray:
    """Draw ``n`` times after ``at_ms``: a gamma-shaped surge thinned by the day rhythm.

    Args:
        rng: The random generator.
        n: Number of times.
        at_ms: When the burst starts.
        end_ms: End of the corpus (exclusive); later draws are redrawn.
        shape: Gamma shape (above 1: rises, peaks, then decays).
        scale_hours: Gamma scale in hours.
        amplitude: Strength of the day/night thinning.
        peak_hour: UTC hour of the daily peak.
        min_offset_ms: Smallest offset from ``at_ms``.

    Returns:
        The times, unsorted, as int64 ms.
    """
    if at_ms + min_offset_ms >= end_ms:
        raise ValueError("the burst starts after the end of the corpus")

    def draw(k: int) -> np.ndarray:
        offsets = (rng.gamma(shape, scale_hours, k) * HOUR_MS).astype(np.int64) + min_offset_ms
        return at_ms + offsets

    return _accept(rng, n, draw, amplitude=amplitude, peak_hour=peak_hour, end_ms=end_ms)


def _accept(
    rng: np.random.Generator,
    n: int,
    draw: object,
    *,
    amplitude: float,
    peak_hour: float,
    end_ms: int | None = None,
) -> np.ndarray:
    """Rejection sampling: keep proposals with probability rate / max rate."""
    out = np.empty(0, dtype=np.int64)
    top = 1.0 + amplitude
    while out.size < n:
        need = n - out.size
        k = int(need * top / max(1e-9, 1.0 - amplitude * 0.5)) + 16
        proposal = np.asarray(draw(k), dtype=np.int64)  # type: ignore[operator]
        if end_ms is not None:
            proposal = proposal[proposal < end_ms]
        keep = rng.random(proposal.size) * top < diurnal_rate(
            proposal, amplitude=amplitude, peak_hour=peak_hour
        )
        out = np.concatenate([out, proposal[keep][:need]])
    return out
