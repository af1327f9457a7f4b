"""Streaming change-point detection in constant memory (firestorm paper, C7 and C12).

At every new time bucket the detector appends one value per series to a fixed ring
buffer of the last ``window`` values (49 = the last 24 hours of half-hour buckets in
the paper), runs PELT on each full window for the penalties 2..10, picks the
penalty by the paper's elbow rule, and raises an alert (a streaming
:class:`~crowdpulse.detect.changepoint.ChangePoint`) when a change point
of that segmentation lies among the ``recent`` newest positions of the window. An
alert names the series, the time stamp of the first bucket of the new segment,
the direction and the magnitude (mean of the new segment minus mean of the one
before, inside the window). As the window slides, the same change would be found
again; alerts within ``dedupe`` buckets of the previous alert of the same series
are dropped.

Memory: per series ``window`` floats plus a handful of counters, and one ring of
``window`` time stamps, whatever the number of updates.

Missing values: a series missing from an update, or given NaN, repeats its last
value (last observation carried forward); a series that has never had a value is
not analysed until it has ``window`` values. With ``recent=2`` and ``min_size=2``
only a change at the second newest position can alert (the newest segment needs
two values), so a change is reported one bucket after it starts at the earliest.

Example::

    det = StreamingDetector()                     # 49-value windows, penalties 2..10
    for time, row in buckets:                     # row: {"posemo": 2.1, "i": 3.4, ...}
        for alert in det.update(time, row):
            print(alert.to_dict())

:func:`detect_stream` runs the same detector over a stored table of series at
once (a simulated stream) and returns exactly the alerts that feeding it bucket by
bucket would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from crowdpulse.detect import _kernels
from crowdpulse.detect.base import BaseDetector
from crowdpulse.detect.changepoint import Alert, ChangePoint
from crowdpulse.detect.costs import COSTS, CostName, resolve_cost_name
from crowdpulse.detect.pelt import Pruning, _check_pruning, check_params, check_penalty
from crowdpulse.detect.penalty import PAPER_PENALTIES
from crowdpulse.exceptions import ConfigError, InputError, NotFittedError

__all__ = ["Alert", "StreamingDetector", "detect_stream"]


def _check_options(
    window: int,
    recent: int,
    penalties: Sequence[float],
    cost: str,
    min_size: int,
    pruning: str,
    dedupe: int | None,
) -> tuple[NDArray[np.float64], int, int]:
    check_params(min_size, 1)
    _check_pruning(pruning)
    key = resolve_cost_name(str(cost))
    if key not in COSTS or COSTS[key].kernel is None:
        raise ConfigError(f"unknown or unsupported cost {cost!r}", field="cost")
    m = max(int(min_size), COSTS[key].min_size)
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 2 * m:
        raise ConfigError(f"window must be a whole number of at least {2 * m}", field="window")
    if (
        isinstance(recent, bool)
        or not isinstance(recent, (int, np.integer))
        or not (1 <= recent < window)
    ):
        raise ConfigError("recent must be between 1 and window - 1", field="recent")
    pens = np.asarray([check_penalty(p) for p in penalties], dtype=np.float64)
    if pens.size < 3 or np.any(np.diff(pens) <= 0):
        raise ConfigError("the elbow rule needs at least 3 increasing penalties", field="penalties")
    gap = m if dedupe is None else int(dedupe)
    if gap < 0:
        raise ConfigError("dedupe must be >= 0", field="dedupe")
    return pens, m, gap


def _recent_changes(
    windows: NDArray[np.float64],
    pens: NDArray[np.float64],
    kernel: int,
    min_size: int,
    safe: bool,
    recent: int,
) -> list[tuple[int, int, float, float]]:
    """(row, change position, magnitude, penalty) of the recent change points of each window.

    One compiled call: PELT for every penalty, the elbow choice, the recent check.
    """
    x = np.ascontiguousarray(windows, dtype=np.float64)
    cap = x.shape[0] * (recent // min_size + 1)
    rows = np.empty(cap, dtype=np.int64)
    cps = np.empty(cap, dtype=np.int64)
    chosen = np.empty(cap, dtype=np.int64)
    mags = np.empty(cap, dtype=np.float64)
    n_hits = _kernels.elbow_recent(kernel, x, pens, min_size, safe, recent, rows, cps, chosen, mags)
    return [
        (int(rows[i]), int(cps[i]), float(mags[i]), float(pens[chosen[i]])) for i in range(n_hits)
    ]


class StreamingDetector(BaseDetector):
    """Online change-point alerts over many series, in constant memory.

    Feed it with :meth:`update`, one bucket at a time. It also has the detector
    shape (:class:`~crowdpulse.detect.base.BaseDetector`): ``get_params``,
    ``set_params``, ``sklearn.base.clone``, and :meth:`fit` / :meth:`predict` over
    a stored table of series (a replay of the stream).

    Args:
        window: Values kept per series (default 49: 24 h of half-hour buckets + now).
        recent: A change point among this many newest positions raises an alert
            (default 2).
        penalties: Penalties for the elbow rule (default 2..10).
        cost: ``"normal-mean"`` (default), ``"normal-meanvar"`` or ``"poisson"``.
        min_size: Minimum segment length (default 2).
        pruning: ``"standard"`` (equal to ruptures) or ``"safe"`` (always optimal).
        dedupe: Drop an alert whose change point is within this many buckets of the
            previous alert of the same series (default: ``min_size``).

    Attributes:
        series_: Names of the series seen so far, in order of appearance.
        n_updates_: Number of updates so far.
        alerts_: The alerts of the last :meth:`fit`.
    """

    def __init__(
        self,
        *,
        window: int = 49,
        recent: int = 2,
        penalties: Sequence[float] = PAPER_PENALTIES,
        cost: CostName | str = "normal-mean",
        min_size: int = 2,
        pruning: Pruning = "standard",
        dedupe: int | None = None,
    ) -> None:
        self.window = window
        self.recent = recent
        self.penalties = penalties
        self.cost = cost
        self.min_size = min_size
        self.pruning = pruning
        self.dedupe = dedupe

    def _setup(self) -> None:
        self._pens, self._min_size, self._gap = _check_options(
            self.window,
            self.recent,
            self.penalties,
            self.cost,
            self.min_size,
            self.pruning,
            self.dedupe,
        )
        self._kernel = int(COSTS[resolve_cost_name(str(self.cost))].kernel or 0)
        self._safe = self.pruning == "safe"
        w = int(self.window)
        self.series_: list[str] = []
        self._rows: dict[str, int] = {}
        self._buffer = np.full((0, w), np.nan)
        self._seen = np.zeros(0, dtype=np.int64)
        self._last_alert = np.zeros(0, dtype=np.int64)
        self._times: list[Any] = [None] * w
        self._head = 0
        self.n_updates_ = 0

    def reset(self) -> None:
        """Forget all series and values."""
        self._setup()

    def set_params(self, **params: Any) -> StreamingDetector:
        """Change options; the detector then starts afresh (its windows are forgotten).

        Args:
            **params: Option name -> new value.

        Returns:
            self
        """
        super().set_params(**params)
        if hasattr(self, "n_updates_"):
            self._setup()
        return self

    def fit(
        self,
        signal: ArrayLike,
        times: Sequence[Any] | None = None,
        names: Sequence[str] | None = None,
    ) -> StreamingDetector:
        """Start afresh and feed every row of ``signal`` as one update (a replay).

        Args:
            signal: Array (T,) or (T, S): T buckets of S series; NaN = missing.
            times: Time stamp of each bucket (default 0 .. T-1).
            names: Name of each series (default ``"0"``, ``"1"``, ...).

        Returns:
            self, with the alerts in :attr:`alerts_`.

        Raises:
            InputError: The signal is not 1-D/2-D, or times/names do not match it.
        """
        x = np.asarray(signal, dtype=np.float64)
        if x.ndim == 1:
            x = x.reshape(-1, 1)
        if x.ndim != 2:
            raise InputError("signal must be 1-D or 2-D (buckets x series)", field="signal")
        stamps = list(range(x.shape[0])) if times is None else list(times)
        if len(stamps) != x.shape[0]:
            raise InputError(f"got {len(stamps)} times for {x.shape[0]} buckets", field="times")
        labels = [str(i) for i in range(x.shape[1])] if names is None else [str(n) for n in names]
        if len(labels) != x.shape[1]:
            raise InputError(f"got {len(labels)} names for {x.shape[1]} series", field="names")
        self._setup()
        alerts: list[Alert] = []
        for t, row in zip(stamps, x, strict=True):
            alerts.extend(self.update(t, dict(zip(labels, row.tolist(), strict=True))))
        self.alerts_ = alerts
        return self

    def predict(self) -> dict[str, list[int]]:
        """The change points of the last :meth:`fit`, per series (stream positions).

        Returns:
            Series name -> sorted 0-based bucket indices where an alerted change
            starts (every series of the fit, possibly with none).

        Raises:
            NotFittedError: ``fit`` was not called.
        """
        if not hasattr(self, "alerts_"):
            raise NotFittedError("this StreamingDetector is used before fit")
        out: dict[str, list[int]] = {name: [] for name in self.series_}
        for alert in self.alerts_:
            out[alert.series].append(alert.index)
        return {name: sorted(v) for name, v in out.items()}

    def fit_predict(
        self,
        signal: ArrayLike,
        times: Sequence[Any] | None = None,
        names: Sequence[str] | None = None,
    ) -> dict[str, list[int]]:
        """``fit(signal, times, names)`` then ``predict()``.

        Args:
            signal: See :meth:`fit`.
            times: See :meth:`fit`.
            names: See :meth:`fit`.

        Returns:
            See :meth:`predict`.
        """
        return self.fit(signal, times, names).predict()

    def _add_series(self, name: str) -> int:
        row = len(self.series_)
        self.series_.append(name)
        self._rows[name] = row
        w = int(self.window)
        self._buffer = np.vstack([self._buffer, np.full((1, w), np.nan)])
        self._seen = np.append(self._seen, 0)
        self._last_alert = np.append(self._last_alert, np.iinfo(np.int64).min // 2)
        return row

    def _row_values(self, values: Mapping[str, float] | Sequence[float] | float) -> NDArray:
        if isinstance(values, Mapping):
            for name in values:
                if str(name) not in self._rows:
                    self._add_series(str(name))
            out = np.full(len(self.series_), np.nan)
            for name, value in values.items():
                out[self._rows[str(name)]] = np.nan if value is None else float(value)
            return out
        arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
        if arr.ndim != 1:
            raise InputError("values must be a mapping or a 1-D sequence", field="values")
        while len(self.series_) < arr.size:
            self._add_series(str(len(self.series_)))
        if arr.size != len(self.series_):
            raise InputError(
                f"got {arr.size} values for {len(self.series_)} series", field="values"
            )
        return arr

    def update(
        self, time: Any, values: Mapping[str, float] | Sequence[float] | float
    ) -> list[Alert]:
        """Add one bucket (one value per series) and return the alerts it raises.

        Args:
            time: The bucket's time stamp (any object; it is returned in alerts).
            values: ``{series name: value}``, or a sequence of values for series named
                ``"0"``, ``"1"``, ... (or one number for one series). NaN, None or a
                missing name repeats the series' last value.

        Returns:
            The new alerts, possibly empty.

        Raises:
            InputError: Values of the wrong shape or not finite numbers.
            ConfigError: An option of the detector is invalid.
        """
        if not hasattr(self, "n_updates_"):
            self._setup()
        new = self._row_values(values)
        if np.any(np.isinf(new)):
            raise InputError("values must be finite numbers", field="values")
        w = int(self.window)
        head = self._head
        prev = self._buffer[:, (head - 1) % w]
        filled = np.where(np.isnan(new), prev, new)
        if self._kernel == COSTS["poisson"].kernel and np.any(filled < 0):
            raise InputError("the poisson cost needs non-negative counts", field="values")
        self._buffer[:, head] = filled
        self._times[head] = time
        self._seen += ~np.isnan(filled)
        self._head = (head + 1) % w
        self.n_updates_ += 1
        full = np.nonzero(self._seen >= w)[0]
        if full.size == 0:
            return []
        order = (np.arange(w) + self._head) % w  # oldest .. newest
        if full.size == len(self.series_):
            windows = np.take(self._buffer, order, axis=1)
        else:
            windows = self._buffer[np.ix_(full, order)]
        hits = _recent_changes(
            windows, self._pens, self._kernel, self._min_size, self._safe, int(self.recent)
        )
        alerts = []
        now = self.n_updates_ - 1  # stream position of the newest value
        for i, cp, magnitude, pen in hits:
            row = int(full[i])
            index = now - (w - 1) + cp
            if abs(index - int(self._last_alert[row])) <= self._gap:
                continue
            self._last_alert[row] = index
            alerts.append(
                ChangePoint.found(
                    self.series_[row],
                    index,
                    self._times[order[cp]],
                    magnitude,
                    pen,
                    detected_bucket=now,
                    detected_at=time,
                )
            )
        return alerts

    def state_nbytes(self) -> int:
        """Bytes held by the detector's state (buffers, counters, time ring)."""
        if not hasattr(self, "n_updates_"):
            return 0
        return int(
            self._buffer.nbytes
            + self._seen.nbytes
            + self._last_alert.nbytes
            + 8 * len(self._times)
            + 8 * (len(self.series_) + len(self._rows))
        )


def detect_stream(
    values: ArrayLike,
    *,
    times: Sequence[Any] | None = None,
    names: Sequence[str] | None = None,
    window: int = 49,
    recent: int = 2,
    penalties: Sequence[float] = PAPER_PENALTIES,
    cost: CostName | str = "normal-mean",
    min_size: int = 2,
    pruning: Pruning = "standard",
    dedupe: int | None = None,
) -> list[Alert]:
    """Run the streaming detector over stored series at once (a simulated stream).

    Gives exactly the alerts of feeding a fresh :class:`StreamingDetector` one row
    at a time, but solves all windows of a series in one compiled call.

    Args:
        values: Array (T,) or (T, S): T buckets of S series; NaN = missing.
        times: Time stamp of each bucket (default 0 .. T-1).
        names: Name of each series (default ``"0"``, ``"1"``, ...).
        window: See :class:`StreamingDetector`.
        recent: See :class:`StreamingDetector`.
        penalties: See :class:`StreamingDetector`.
        cost: See :class:`StreamingDetector`.
        min_size: See :class:`StreamingDetector`.
        pruning: See :class:`StreamingDetector`.
        dedupe: See :class:`StreamingDetector`.

    Returns:
        The alerts in the order the detector would raise them (by update, then
        series).
    """
    pens, m, gap = _check_options(window, recent, penalties, str(cost), min_size, pruning, dedupe)
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2:
        raise InputError("values must be 1-D or 2-D (buckets x series)", field="values")
    if np.any(np.isinf(x)):
        raise InputError("values must be finite numbers", field="values")
    n_t, n_s = x.shape
    times = list(range(n_t)) if times is None else list(times)
    if len(times) != n_t:
        raise InputError(f"got {len(times)} times for {n_t} buckets", field="times")
    names = [str(i) for i in range(n_s)] if names is None else [str(s) for s in names]
    if len(names) != n_s:
        raise InputError(f"got {len(names)} names for {n_s} series", field="names")
    w = int(window)
    events: list[tuple[int, int, int, float, float]] = []  # (update, series, cp index, mag, pen)
    for col in range(n_s):
        series = x[:, col]
        valid = np.nonzero(~np.isnan(series))[0]
        if valid.size == 0:
            continue
        first = int(valid[0])
        filled = series[first:].copy()
        for i in range(1, filled.size):  # last observation carried forward
            if np.isnan(filled[i]):
                filled[i] = filled[i - 1]
        if filled.size < w:
            continue
        if resolve_cost_name(str(cost)) == "poisson" and np.any(filled < 0):
            raise InputError("the poisson cost needs non-negative counts", field="values")
        wins = np.lib.stride_tricks.sliding_window_view(filled, w)
        kernel = int(COSTS[resolve_cost_name(str(cost))].kernel or 0)
        hits = _recent_changes(wins, pens, kernel, m, pruning == "safe", int(recent))
        for i, cp, magnitude, pen in hits:
            update = first + i + w - 1
            events.append((update, col, update - (w - 1) + cp, magnitude, pen))
    events.sort(key=lambda e: (e[0], e[1]))
    last = dict.fromkeys(range(n_s), np.iinfo(np.int64).min // 2)
    alerts = []
    for update, col, index, magnitude, pen in events:
        if abs(index - last[col]) <= gap:
            continue
        last[col] = index
        alerts.append(
            ChangePoint.found(
                names[col],
                index,
                times[index],
                magnitude,
                pen,
                detected_bucket=update,
                detected_at=times[update],
            )
        )
    return alerts
