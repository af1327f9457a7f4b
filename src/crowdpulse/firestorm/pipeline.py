"""The firestorm pipeline: corpus -> series -> streaming detection -> alerts -> evaluation.

:func:`run_firestorm` runs every step on a corpus table held in memory:

1. features (:func:`crowdpulse.text.add_features`) when the corpus lacks the
   ``lex_*`` columns;
2. the series of every bucket (:func:`~crowdpulse.firestorm.series.detection_series`):
   counts, lexical means, mention-network window metrics;
3. the simulated stream (paper C7, C8): every bucket, in time order, gives each
   series' newest value to :class:`crowdpulse.detect.StreamingDetector` (49-value
   windows, elbow penalty over 2..10); :func:`crowdpulse.detect.detect_stream`
   does exactly that for stored series in one compiled pass. Offline mode runs
   PELT with the elbow penalty on each whole series;
4. the ground truth (C9) and the evaluation (C10) of both.

:func:`~crowdpulse.firestorm.stream.stream_corpus` gives the same alerts while
holding only the current bucket and the network window (C12).

:func:`evaluate_synthetic` repeats it all on corpora of the seeded generator
(:mod:`crowdpulse.synth`), whose firestorm start is known, and returns the paper's
table.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from crowdpulse.conventions import iso_utc
from crowdpulse.detect.changepoint import ChangePoint
from crowdpulse.detect.costs import CostName
from crowdpulse.detect.penalty import PAPER_PENALTIES, select_elbow
from crowdpulse.detect.streaming import Alert, StreamingDetector, detect_stream
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.firestorm.evaluate import (
    ChangePoints,
    EventEvaluation,
    category_counts,
    evaluate_event,
    evaluate_events,
)
from crowdpulse.firestorm.monitor import EpisodeAlert, EpisodeMonitor, MonitorOptions
from crowdpulse.firestorm.series import (
    CountTransform,
    detection_series,
    detector_values,
    is_lexical_series,
    target_in_degree,
)
from crowdpulse.firestorm.truth import GroundTruth, ground_truth, parse_target
from crowdpulse.io.atomic import atomic_open, write_text_atomic
from crowdpulse.io.corpus import write_csv
from crowdpulse.network.buckets import TimeLike
from crowdpulse.network.lexical import Subset

__all__ = [
    "FIRESTORM_COLUMNS",
    "FirestormOptions",
    "FirestormResult",
    "NetworkAnalyses",
    "Preset",
    "SyntheticEvaluation",
    "alert_record",
    "analyse_corpus",
    "bucket_counts",
    "episode_alerts",
    "evaluate_synthetic",
    "history_counts",
    "network_analyses",
    "offline_changepoints",
    "read_firestorm_table",
    "run_firestorm",
    "stream_alerts",
    "write_network_analyses",
]

_GROUPS = ("lexical", "network", "all")

Preset = Literal["early-warning", "paper"]
"""``"early-warning"`` (default): ``alerts.jsonl`` and ``watch`` give episode alerts
per target (:mod:`crowdpulse.firestorm.monitor`); ``"paper"``: they give the
per-series change points of the published setting (49-value windows, elbow over
penalties 2..10, per series)."""

_HISTORY_BUCKETS = 7 * 48
"""At most this many buckets before the grid prime the monitor (7 days at 30 min)."""
_MODES = ("stream", "offline")


@dataclass(frozen=True)
class FirestormOptions:
    """The settings of the firestorm pipeline; the defaults are the paper's.

    Attributes:
        bucket_minutes: Bucket length (paper: 30).
        window_buckets: Buckets per mention-network window (paper: 24 = 12 hours).
        detector_window: Values per series the detector keeps (paper: 49 = 24 hours
            and the newest bucket).
        recent: A change point among this many newest values raises an alert.
        penalties: Penalties of the elbow rule (paper: 2..10).
        cost: PELT cost (paper: a change in mean, ``"normal-mean"``).
        min_size: Minimum segment length.
        count_transform: ``"anscombe"`` (default) variance-stabilises count series
            before detection; ``"none"`` feeds them raw (see
            :mod:`crowdpulse.firestorm.series`).
        categories: Lexical categories (default: every ``lex_*`` column).
        subsets: Lexical subsets: ``"all"`` posts and ``"mention"`` posts.
        lexical: Watch the lexical series.
        network: Watch the mention-network window metrics.
        min_count: Target posts a bucket needs to be the ground-truth start.
        offline: Also run offline PELT on each whole series.
        tolerance: Buckets of slack for "found".
        preset: ``"early-warning"`` (episodes in ``alerts.jsonl``) or ``"paper"``
            (per-series change points there, the published setting).
        monitor: The early-warning monitor's settings.
    """

    bucket_minutes: int = 30
    window_buckets: int = 24
    detector_window: int = 49
    recent: int = 2
    penalties: tuple[float, ...] = PAPER_PENALTIES
    cost: CostName = "normal-mean"
    min_size: int = 2
    count_transform: CountTransform = "anscombe"
    categories: tuple[str, ...] | None = None
    subsets: tuple[Subset, ...] = ("all", "mention")
    lexical: bool = True
    network: bool = True
    min_count: int = 1
    offline: bool = True
    tolerance: int = 1
    preset: Preset = "early-warning"
    monitor: MonitorOptions = field(default_factory=MonitorOptions)

    def __post_init__(self) -> None:
        if self.preset not in ("early-warning", "paper"):
            raise ConfigError(
                f"unknown preset {self.preset!r}; expected 'early-warning' or 'paper'",
                field="preset",
            )

    def detector(self) -> StreamingDetector:
        """A fresh :class:`~crowdpulse.detect.StreamingDetector` with these settings."""
        return StreamingDetector(
            window=self.detector_window,
            recent=self.recent,
            penalties=self.penalties,
            cost=self.cost,
            min_size=self.min_size,
        )

    @classmethod
    def from_event(cls, event: Any, **overrides: Any) -> FirestormOptions:
        """Take ``bucket_minutes`` and ``window_buckets`` from an event's ``[firestorm]``.

        Args:
            event: A :class:`crowdpulse.event.Event` (its ``firestorm`` may be None).
            **overrides: Any other field.

        Returns:
            The options.
        """
        settings = getattr(event, "firestorm", None)
        values: dict[str, Any] = {}
        if settings is not None:
            values = {
                "bucket_minutes": settings.bucket_minutes,
                "window_buckets": settings.window_buckets,
            }
            values["preset"] = getattr(settings, "preset", "early-warning")
            monitor = getattr(settings, "monitor", None)
            if monitor:
                values["monitor"] = MonitorOptions.from_mapping(dict(monitor))
        values.update(overrides)
        return cls(**values)


def _series_matrix(series: pa.Table) -> tuple[list[str], np.ndarray]:
    names = [n for n in series.column_names if n not in ("bucket", "start")]
    if not names:
        return [], np.zeros((series.num_rows, 0))
    values = np.column_stack(
        [np.asarray(series.column(n).to_numpy(), dtype=np.float64) for n in names]
    )
    return names, values


def _bucket_times(series: pa.Table) -> list[datetime]:
    return list(series.column("start").to_pylist())


def stream_alerts(series: pa.Table, options: FirestormOptions | None = None) -> list[Alert]:
    """Simulate the stream over stored series: the alerts of feeding them bucket by bucket.

    Args:
        series: A table from :func:`~crowdpulse.firestorm.series.detection_series`.
        options: The detector's settings.

    Returns:
        The alerts, by detecting bucket then series; ``index`` is the bucket of the
        change point, ``time`` its start, ``detected_at`` the start of the bucket
        whose arrival raised it.
    """
    options = options or FirestormOptions()
    names, values = _series_matrix(series)
    if not names or series.num_rows == 0:
        return []
    x = detector_values(names, values, count_transform=options.count_transform)
    return detect_stream(
        x,
        times=_bucket_times(series),
        names=names,
        window=options.detector_window,
        recent=options.recent,
        penalties=options.penalties,
        cost=options.cost,
        min_size=options.min_size,
    )


def bucket_counts(
    table: pa.Table,
    target: str,
    *,
    bucket_minutes: int = 30,
    origin: TimeLike | None = None,
    end: TimeLike | None = None,
) -> pa.Table:
    """What the early-warning monitor reads per bucket: target posts, posts, in-degree.

    Args:
        table: A corpus table.
        target: ``@account`` or ``#hashtag``.
        bucket_minutes: Bucket length.
        origin: Start of bucket 0 (default: the first post's time floored).
        end: End of the grid, exclusive.

    Returns:
        Columns ``start``, ``target_posts``, ``posts`` and ``in_degree`` (float64).
    """
    from crowdpulse.firestorm.truth import target_post_mask
    from crowdpulse.network.buckets import assign_buckets

    buckets = assign_buckets(
        table.column("created_at"), minutes=bucket_minutes, origin=origin, end=end
    )
    n = buckets.count
    index = buckets.index
    inside = index >= 0
    hits = target_post_mask(table, target)
    return pa.table(
        {
            "start": buckets.starts(),
            "target_posts": np.bincount(index[inside & hits], minlength=n)[:n].astype(float),
            "posts": np.bincount(index[inside], minlength=n)[:n].astype(np.float64),
            "in_degree": target_in_degree(table, target, index, n, hits),
        }
    )


def history_counts(
    table: pa.Table, target: str, origin: TimeLike, *, bucket_minutes: int = 30
) -> pa.Table | None:
    """:func:`bucket_counts` of the posts before ``origin`` (at most 7 days of them).

    The buckets end exactly at ``origin``. None when no post comes before it.
    """
    from crowdpulse.event import parse_time
    from crowdpulse.network.buckets import times_to_micros

    start = parse_time(origin, field_name="origin")
    micros, valid = times_to_micros(table.column("created_at"))
    origin_us = (start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    before = valid & (micros < origin_us)
    if not before.any():
        return None
    step = bucket_minutes * 60_000_000
    first = int(np.min(micros[before]))
    k = min(-(-(origin_us - first) // step), _HISTORY_BUCKETS)
    early = table.filter(pa.array(before))
    return bucket_counts(
        early,
        target,
        bucket_minutes=bucket_minutes,
        origin=start - timedelta(minutes=bucket_minutes * k),
        end=start,
    )


def episode_alerts(
    counts: pa.Table,
    target: str,
    options: FirestormOptions | None = None,
    *,
    alerts: Sequence[Alert] = (),
    history: pa.Table | None = None,
) -> list[EpisodeAlert]:
    """Run the early-warning monitor over stored per-bucket counts (a simulated stream).

    Args:
        counts: A :func:`bucket_counts` table (or any table with ``start`` and
            ``target_posts``; ``posts`` and ``in_degree`` are used when present).
        target: The target.
        options: The settings (``options.monitor``).
        alerts: Per-series change points (upward lexical ones become supporting
            evidence at the bucket that detected them).
        history: Counts of earlier buckets that prime the baselines.

    Returns:
        The alerts, equal to those of :class:`~crowdpulse.firestorm.FirestormStream`
        fed the same buckets.
    """
    options = options or FirestormOptions()
    monitor = EpisodeMonitor(target, options.monitor)

    def column(table: pa.Table, name: str) -> np.ndarray | None:
        if name not in table.column_names:
            return None
        return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)

    if history is not None:
        h_c, h_n, h_d = (column(history, k) for k in ("target_posts", "posts", "in_degree"))
        assert h_c is not None
        for i in range(h_c.size):
            monitor.update(
                h_c[i],
                posts=None if h_n is None else h_n[i],
                in_degree=None if h_d is None else h_d[i],
                history=True,
            )
    moved: dict[int, list[str]] = {}
    for a in alerts:
        if a.direction == "up" and is_lexical_series(a.series):
            moved.setdefault(int(a.bucket + a.delay), []).append(a.series)
    c, n, d = (column(counts, k) for k in ("target_posts", "posts", "in_degree"))
    if c is None:
        raise InputError("the counts need a target_posts column", field="target_posts")
    times = counts.column("start").to_pylist()
    out: list[EpisodeAlert] = []
    for i in range(c.size):
        out += monitor.update(
            c[i],
            posts=None if n is None else n[i],
            in_degree=None if d is None else d[i],
            moved=moved.get(i, ()),
            time=times[i],
            bucket_minutes=options.bucket_minutes,
        )
    return out


def _locf(values: np.ndarray) -> tuple[int, np.ndarray]:
    """Drop leading NaN and carry the last value over later NaN (like the detector)."""
    valid = np.flatnonzero(~np.isnan(values))
    if valid.size == 0:
        return 0, np.zeros(0)
    first = int(valid[0])
    out = values[first:].copy()
    idx = np.where(~np.isnan(out), np.arange(out.size), 0)
    np.maximum.accumulate(idx, out=idx)
    return first, out[idx]


def offline_changepoints(
    series: pa.Table, options: FirestormOptions | None = None
) -> list[ChangePoint]:
    """Offline mode: PELT with the elbow penalty on each whole series.

    Missing values (empty buckets) carry the last value forward, as in the stream;
    leading missing values are left out.

    Args:
        series: A table from :func:`~crowdpulse.firestorm.series.detection_series`.
        options: The settings (cost, penalties, transform, min_size).

    Returns:
        The change points, series by series in column order: ``time`` is the
        bucket's start (a UTC datetime), ``penalty`` the elbow's choice for the
        series, ``magnitude`` the mean of the new segment minus the previous one in
        the detector's units; ``detected_bucket`` and ``detected_at`` are None.
    """
    options = options or FirestormOptions()
    names, values = _series_matrix(series)
    x = detector_values(names, values, count_transform=options.count_transform)
    starts = series.column("start")
    points: list[ChangePoint] = []
    m = max(options.min_size, 1)
    for j, name in enumerate(names):
        first, filled = _locf(x[:, j])
        if filled.size < 2 * m + 1:
            continue
        choice = select_elbow(
            filled, cost=options.cost, penalties=options.penalties, min_size=options.min_size
        )
        bounds = [0, *choice.changepoints, filled.size]
        for k, cp in enumerate(choice.changepoints, start=1):
            before = filled[bounds[k - 1] : cp].mean()
            after = filled[cp : bounds[k + 1]].mean()
            time = starts[first + cp].as_py()
            points.append(ChangePoint.found(name, first + cp, time, after - before, choice.penalty))
    return points


def _iso(moment: Any) -> Any:
    return iso_utc(moment) if isinstance(moment, datetime) else moment


def alert_record(alert: Alert, bucket_minutes: int = 30) -> dict[str, Any]:
    """Turn an alert into the JSON object ``alerts.jsonl`` and ``crowdpulse watch`` print.

    Args:
        alert: An alert whose times are bucket starts (datetimes).
        bucket_minutes: Bucket length.

    Returns:
        ``time`` (start of the change point's bucket), ``bucket``, ``series``,
        ``direction``, ``magnitude``, ``detected_at`` (end of the bucket whose arrival
        raised the alert: the earliest moment it can be known), ``detected_bucket``,
        ``delay_buckets`` and ``penalty``.
    """
    detected = alert.detected_at
    if isinstance(detected, datetime):
        detected = detected + timedelta(minutes=bucket_minutes)
    return {
        "time": _iso(alert.time),
        "bucket": int(alert.bucket),
        "series": alert.series,
        "direction": alert.direction,
        "magnitude": round(float(alert.magnitude), 6),
        "detected_at": _iso(detected),
        "detected_bucket": int(alert.bucket + alert.delay),
        "delay_buckets": int(alert.delay),
        "penalty": float(alert.penalty),
    }


@dataclass
class FirestormResult:
    """Everything :func:`run_firestorm` computed for one event.

    Attributes:
        event: The event's name.
        target: The target (``@name`` / ``#tag``).
        options: The settings used.
        series: The series, one row per bucket (see
            :func:`~crowdpulse.firestorm.series.detection_series`).
        metrics: The mention network's :func:`~crowdpulse.network.window_metrics`.
        truth: The ground truth (C9).
        alerts: The streaming alerts.
        offline: The offline change points (None unless ``options.offline``).
        evaluations: ``{(mode, group): EventEvaluation}`` for the modes ``stream``
            and ``offline`` and the groups ``lexical``, ``network`` and ``all``.
        episodes: The early-warning alerts (open, escalate, close).
        history_buckets: Buckets before the grid that primed the monitor.
    """

    event: str
    target: str
    options: FirestormOptions
    series: pa.Table
    metrics: pa.Table
    truth: GroundTruth
    alerts: list[Alert]
    offline: list[ChangePoint] | None = None
    evaluations: dict[tuple[str, str], EventEvaluation] = field(default_factory=dict)
    episodes: list[EpisodeAlert] = field(default_factory=list)
    history_buckets: int = 0

    def episode_records(self) -> list[dict[str, Any]]:
        """The early-warning alerts as JSON-ready dicts."""
        return [e.to_record() for e in self.episodes]

    def alerts_jsonl(self) -> list[dict[str, Any]]:
        """The lines of ``alerts.jsonl``.

        Episodes, or with the paper preset the per-series change points.
        """
        if self.options.preset == "paper":
            return self.alert_records()
        return self.episode_records()

    def alert_records(self) -> list[dict[str, Any]]:
        """The alerts as JSON-ready dicts (see :func:`alert_record`)."""
        return [alert_record(a, self.options.bucket_minutes) for a in self.alerts]

    def changepoints(self, mode: str = "stream") -> ChangePoints:
        """The change points of ``"stream"`` (alerts) or ``"offline"`` mode."""
        if mode == "stream":
            return ChangePoints.from_points(self.alerts)
        if mode == "offline":
            return ChangePoints.from_points(self.offline or [])
        raise ConfigError(f"unknown mode {mode!r}; expected 'stream' or 'offline'", field="mode")

    def summary(self) -> dict[str, Any]:
        """The one JSON object ``crowdpulse firestorm --json`` prints (without files)."""
        stream = self.evaluations.get(("stream", "lexical"))
        network = self.evaluations.get(("stream", "network"))

        def offsets(evaluation: EventEvaluation | None) -> dict[str, float | None]:
            if evaluation is None:
                return {}
            return {k: v.offset_hours for k, v in evaluation.closest.items()}

        return {
            "event": self.event,
            "target": self.target,
            "buckets": self.truth.n_buckets,
            "posts": int(self.truth.posts.sum()),
            "target_posts": int(self.truth.target_posts.sum()),
            "start": _iso(self.truth.time(self.truth.start_bucket)),
            "start_bucket": self.truth.start_bucket,
            "peak_in_degree": _iso(self.truth.time(self.truth.peak_in_degree_bucket)),
            "peak_posts": _iso(self.truth.time(self.truth.peak_posts_bucket)),
            "closest_offsets_hours": {
                "lexical": offsets(stream),
                "network": offsets(network),
            },
            "closest_series": list(stream.closest["start"].series) if stream else [],
            "first_alert_delay_hours": stream.first_alert_delay_hours if stream else None,
            "closest_detection_delay_hours": (
                stream.closest["start"].detection_delay_hours if stream else None
            ),
            "found": bool(network.found) if network else False,
            "alerts": len(self.alerts),
            "preset": self.options.preset,
            "episodes": sum(e.kind == "open" for e in self.episodes),
            "episode_alerts": {
                kind: sum(e.kind == kind for e in self.episodes)
                for kind in ("open", "escalate", "close")
            },
            "first_open": next(
                (_iso(e.detected_at) for e in self.episodes if e.kind == "open"), None
            ),
            "first_open_delay_hours": self._first_open_delay(),
            "history_buckets": self.history_buckets,
            "offline_changepoints": len(self.offline or []),
        }

    def _first_open_delay(self) -> float | None:
        start = self.truth.start_bucket
        if start is None:
            return None
        for e in self.episodes:
            if e.kind == "open" and e.detected_bucket >= start - self.options.tolerance:
                return (e.detected_bucket + 1 - start) * self.options.bucket_minutes / 60.0
        return None

    def write(self, out_dir: str | Path, *, figures: bool = True) -> dict[str, str]:
        """Write the outputs into a folder.

        The files: ``series.csv``, ``changepoints.csv``, ``alerts.jsonl``,
        ``evaluation.json`` and the figures.

        Args:
            out_dir: The folder (created if missing).
            figures: Also draw Figures 1, 3, 5 and 6 (PNG and SVG).

        Returns:
            Name -> path of every file written.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, str] = {}
        files["series"] = str(write_csv(self.series, out / "series.csv"))
        files["changepoints"] = str(_write_changepoints(self, out / "changepoints.csv"))
        alerts_path = out / "alerts.jsonl"
        with atomic_open(alerts_path, "w", encoding="utf-8") as handle:
            for record in self.alerts_jsonl():
                handle.write(json.dumps(record) + "\n")
        files["alerts"] = str(alerts_path)
        evaluation = {
            "event": self.event,
            "target": self.target,
            "truth": self.truth.to_dict(),
            "options": _options_dict(self.options),
            "evaluations": [e.to_dict() for e in self.evaluations.values()],
            "summary": self.summary(),
        }
        eval_path = out / "evaluation.json"
        write_text_atomic(eval_path, json.dumps(evaluation, indent=2) + "\n")
        files["evaluation"] = str(eval_path)
        if figures:
            files.update(_draw(self, out))
        return files


def _options_dict(options: FirestormOptions) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in options.__dict__.items():
        if isinstance(value, MonitorOptions):
            out[key] = dict(value.__dict__)
        else:
            out[key] = list(value) if isinstance(value, tuple) else value
    return out


def _write_changepoints(result: FirestormResult, path: Path) -> Path:
    """Offline change points and streaming alerts in one table, with a ``mode`` column."""
    header = [
        "mode",
        "series",
        "bucket",
        "time",
        "detected_bucket",
        "direction",
        "magnitude",
        "penalty",
    ]
    with atomic_open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for point in result.offline or []:
            writer.writerow(
                [
                    "offline",
                    point.series,
                    point.bucket,
                    _iso(point.time),
                    "",
                    point.direction,
                    repr(float(point.magnitude)),
                    repr(float(point.penalty)),
                ]
            )
        for rec in result.alert_records():
            writer.writerow(
                [
                    "stream",
                    rec["series"],
                    rec["bucket"],
                    rec["time"],
                    rec["detected_bucket"],
                    rec["direction"],
                    repr(rec["magnitude"]),
                    repr(rec["penalty"]),
                ]
            )
    return path


def _figure5_series(result: FirestormResult) -> str | None:
    """The lexical series drawn in Figure 5.

    Among the lexical series that gave the change point closest to the start, the one
    with the fewest alerts (the most selective); without any, the first lexical series.
    """
    evaluation = result.evaluations.get(("stream", "lexical"))
    if evaluation is not None and evaluation.closest["start"].series:
        counts = Counter(a.series for a in result.alerts)
        return min(evaluation.closest["start"].series, key=lambda s: (counts[s], s))
    lexical = [n for n in result.series.column_names if n.startswith("lex_")]
    return lexical[0] if lexical else None


def _draw(result: FirestormResult, out: Path) -> dict[str, str]:
    from crowdpulse.firestorm import figures
    from crowdpulse.network.figures import plot_max_in_degree

    files: dict[str, str] = {}
    name = result.event
    drawn = figures.plot_posts_share({name: result.truth}, out / "figure1_posts")
    files["figure1"] = str(drawn.png)
    start = result.truth.time(result.truth.start_bucket)
    drawn = plot_max_in_degree(
        {name: result.metrics},
        out / "figure3_max_in_degree",
        starts={name: start} if start is not None else None,
        height=4.0,
    )
    files["figure3"] = str(drawn.png)
    column = _figure5_series(result)
    alerts = [a.bucket for a in result.alerts if a.series == column]
    if column is not None:
        offline = result.changepoints("offline")
        cps = [int(b) for s, b in zip(offline.series, offline.bucket, strict=True) if s == column]
        drawn = figures.plot_category_changepoints(
            result.series,
            column,
            out / "figure5_category",
            changepoints=cps,
            alerts=alerts,
            start_bucket=result.truth.start_bucket,
        )
        files["figure5"] = str(drawn.png)
    drawn = figures.plot_event_changepoints(
        {name: (result.truth, alerts)},
        out / "figure6_overview",
        title=f"Alerts of {column} against the firestorm" if column else None,
    )
    files["figure6"] = str(drawn.png)
    drawn = figures.plot_alert_timeline(
        result.series.column("start").to_pylist(),
        result.series.column("target_posts").to_pylist(),
        result.episodes,
        out / "alert_timeline",
        posts=result.series.column("posts").to_pylist(),
        start=start,
        title=f"{name}: early-warning alerts for {result.target}",
    )
    files["timeline"] = str(drawn.png)
    return files


def run_firestorm(
    table: pa.Table,
    target: str,
    *,
    options: FirestormOptions | None = None,
    origin: TimeLike | None = None,
    end: TimeLike | None = None,
    event: str = "event",
    lexicon: Any = "open",
    start_bucket: int | None = None,
    quiet: bool = True,
    use_history: bool = True,
) -> FirestormResult:
    """Run the whole firestorm pipeline on a corpus table (paper C1, C7-C12).

    Args:
        table: A corpus table (with or without the ``lex_*`` feature columns).
        target: ``@account`` or ``#hashtag``.
        options: The settings (default: the paper's).
        origin: Start of bucket 0 (default: the first post's time floored).
        end: End of the grid, exclusive (default: the last post's bucket).
        event: The event's name (used in files and figures).
        lexicon: Lexicon for the features stage when the corpus lacks ``lex_*``
            columns (a key such as ``"open"``, a ``.dic`` path or a
            :class:`~crowdpulse.text.Lexicon`).
        start_bucket: Evaluate against this start instead of the measured one (e.g.
            the planted start of a generated corpus).
        quiet: Show no progress bars.
        use_history: Prime the early-warning monitor with the posts before
            ``origin`` (at most 7 days of them).

    Returns:
        The :class:`FirestormResult`.

    Raises:
        InputError: A needed column is missing, or no post falls into the grid.
        ConfigError: An option or the target is invalid.
    """
    options = options or FirestormOptions()
    parse_target(target)
    if options.lexical and not any(n.startswith("lex_") for n in table.column_names):
        from crowdpulse.text import add_features

        table = add_features(table, lexicon=lexicon, quiet=quiet)
    from crowdpulse.network.buckets import assign_buckets
    from crowdpulse.network.windows import window_metrics

    buckets = assign_buckets(
        table.column("created_at"), minutes=options.bucket_minutes, origin=origin, end=end
    )
    if buckets.count == 0 or not (buckets.index >= 0).any():
        raise InputError(
            "no post has a time inside the bucket grid (empty corpus, or wrong start/end)",
            field="created_at",
        )
    # One bucket grid for every step.
    metrics = window_metrics(
        table,
        network="mention",
        bucket_minutes=options.bucket_minutes,
        window_buckets=options.window_buckets,
        quiet=quiet,
        grid=buckets,
    )
    series = detection_series(
        table,
        target,
        bucket_minutes=options.bucket_minutes,
        window_buckets=options.window_buckets,
        categories=options.categories,
        subsets=options.subsets,
        lexical=options.lexical,
        network=options.network,
        metrics=metrics,
        grid=buckets,
    )
    truth = ground_truth(
        table,
        target,
        bucket_minutes=options.bucket_minutes,
        window_buckets=options.window_buckets,
        min_count=options.min_count,
        max_in_degree=np.asarray(metrics.column("max_in_degree").to_numpy()),
        grid=buckets,
    )
    history = (
        history_counts(table, target, buckets.origin, bucket_minutes=options.bucket_minutes)
        if use_history
        else None
    )
    return finish_firestorm(
        series,
        metrics,
        truth,
        target_in_degree(table, target, buckets.index, series.num_rows),
        options=options,
        history=history,
        event=event,
        start_bucket=start_bucket,
    )


def finish_firestorm(
    series: pa.Table,
    metrics: pa.Table,
    truth: GroundTruth,
    in_degree: np.ndarray,
    *,
    options: FirestormOptions,
    history: pa.Table | None = None,
    event: str = "event",
    start_bucket: int | None = None,
) -> FirestormResult:
    """Detect and evaluate on the per-bucket tables (the part of the pipeline after the posts).

    :func:`run_firestorm` computes the tables from a corpus table,
    :func:`crowdpulse.firestorm.chunks.firestorm_chunks` time chunk by time chunk;
    both end here.

    Args:
        series: The :func:`~crowdpulse.firestorm.series.detection_series` table.
        metrics: The mention network's window metrics on the same grid.
        truth: The ground truth.
        in_degree: The target's in-degree per bucket
            (:func:`~crowdpulse.firestorm.series.target_in_degree`).
        options: The settings.
        history: :func:`history_counts` of the posts before the grid, or None.
        event: The event's name.
        start_bucket: Evaluate against this start instead of the measured one.

    Returns:
        The :class:`FirestormResult`.
    """
    alerts = stream_alerts(series, options)
    counts = pa.table(
        {
            "start": series.column("start"),
            "target_posts": series.column("target_posts"),
            "posts": series.column("posts"),
            "in_degree": in_degree,
        }
    )
    episodes = episode_alerts(counts, truth.target, options, alerts=alerts, history=history)
    offline = offline_changepoints(series, options) if options.offline else None
    result = FirestormResult(
        event=event,
        target=truth.target,
        options=options,
        series=series,
        metrics=metrics,
        truth=truth,
        alerts=alerts,
        offline=offline,
        episodes=episodes,
        history_buckets=0 if history is None else history.num_rows,
    )
    modes = _MODES if options.offline else ("stream",)
    for mode in modes:
        cps = result.changepoints(mode)
        for group in _GROUPS:
            result.evaluations[(mode, group)] = evaluate_event(
                truth,
                cps,
                event=event,
                group=group,  # type: ignore[arg-type]
                start_bucket=start_bucket,
                tolerance=options.tolerance,
            )
    return result


@dataclass(frozen=True)
class NetworkAnalyses:
    """What :func:`network_analyses` wrote and found.

    Attributes:
        files: Name -> path of every file written.
        periods: The firestorm's posts against the week before (None without a
            ground-truth start or without ``lex_*`` columns).
        notes: Why an analysis or a figure is missing, one line each.
    """

    files: dict[str, str]
    periods: pa.Table | None = None
    notes: tuple[str, ...] = ()


def network_analyses(
    table: pa.Table, result: FirestormResult, out_dir: str | Path, *, figures: bool = True
) -> NetworkAnalyses:
    """Write the network analyses of an event: Figure 2, the periods and Figure 4.

    What ``crowdpulse firestorm`` writes beside :meth:`FirestormResult.write`, and
    the report's firestorm section shows (both call this):
    ``window_metrics.csv`` (the mention network of every window),
    ``figure2_window_metrics``, and, when the ground truth has a start,
    ``periods.csv`` (the firestorm's posts against the week before, per category,
    Welch t-test) and ``figure4_classes``.

    Args:
        table: The corpus table the result was computed on (with ``lex_*`` columns
            for the periods).
        result: The :class:`FirestormResult`.
        out_dir: The folder.
        figures: Draw Figures 2 and 4.

    Returns:
        The :class:`NetworkAnalyses`: files, periods and notes.
    """
    from crowdpulse.firestorm.truth import target_post_mask
    from crowdpulse.network import compare_periods

    def periods(start: datetime) -> pa.Table:
        mask = target_post_mask(table, result.target)
        return compare_periods(table, start, firestorm_posts=mask)

    lexical = any(n.startswith("lex_") for n in table.column_names)
    return network_outputs(result, out_dir, periods, lexical=lexical, figures=figures)


def network_outputs(
    result: FirestormResult,
    out_dir: str | Path,
    periods: Callable[[datetime], pa.Table],
    *,
    lexical: bool = True,
    figures: bool = True,
) -> NetworkAnalyses:
    """Write what :func:`network_analyses` writes, with the periods test given as a function.

    Args:
        result: The :class:`FirestormResult`.
        out_dir: The folder.
        periods: Given the ground-truth start, the
            :func:`~crowdpulse.network.compare_periods` table of the target's posts.
        lexical: The corpus has ``lex_*`` columns (else no periods).
        figures: Draw Figures 2 and 4.

    Returns:
        The :class:`NetworkAnalyses`.
    """
    from crowdpulse.network import count_classes, plot_class_counts, plot_window_metrics

    out = Path(out_dir)
    files = {"window_metrics": str(write_csv(result.metrics, out / "window_metrics.csv"))}
    start = result.truth.time(result.truth.start_bucket)
    if figures:
        drawn = plot_window_metrics(
            result.metrics,
            out / "figure2_window_metrics.png",
            firestorm_start=start,
            title=f"{result.event}: mention network of the last "
            f"{result.options.window_buckets} buckets",
        )
        files["figure2"] = str(drawn.png)
    if start is None:
        note = "no ground-truth start: the target is never the most frequent one"
        return NetworkAnalyses(files, None, (note,))
    if not lexical:
        return NetworkAnalyses(files, None, ("no lex_* columns: no periods",))
    compared = periods(start)
    files["periods"] = str(write_csv(compared, out / "periods.csv"))
    if not figures:
        return NetworkAnalyses(files, compared)
    try:
        drawn = plot_class_counts(
            count_classes([compared]),
            out / "figure4_classes.png",
            title=f"{result.event}: firestorm posts vs the week before (Welch t-test, p < 0.01)",
        )
    except ConfigError as exc:  # nothing to draw
        return NetworkAnalyses(files, compared, (f"Figure 4 not drawn: {exc}",))
    files["figure4"] = str(drawn.png)
    return NetworkAnalyses(files, compared)


def write_network_analyses(
    table: pa.Table, result: FirestormResult, out_dir: str | Path, *, figures: bool = True
) -> dict[str, str]:
    """Write the network analyses of an event (see :func:`network_analyses`).

    Returns:
        Name -> path of every file written.
    """
    return network_analyses(table, result, out_dir, figures=figures).files


#: The corpus columns the firestorm analyses read (with every ``lex_*`` column):
#: times, authors, mentions, hashtags and retweets (the mention and retweet
#: networks, the target's posts, the ground truth). Texts, tokens, emoji lists,
#: places, replies, quotes and the source bookkeeping, most of a corpus's bytes,
#: are not read (the texts only when the lexicon features must be computed).
FIRESTORM_COLUMNS = (
    "created_at",
    "author_id",
    "author_handle",
    "retweeted_id",
    "retweeted_author_id",
    "retweeted_author_handle",
    "mention_ids",
    "mention_handles",
    "hashtags",
)


def read_firestorm_table(
    path: str | Path,
    *,
    lexical: bool = True,
    lexicon: Any = "open",
    batch_size: int = 65_536,
) -> pa.Table:
    """Read what the firestorm analyses use of a corpus or features file, in batches.

    The file is read in record batches of ``batch_size`` posts and only the
    columns the analyses read are kept (:data:`FIRESTORM_COLUMNS` and ``lex_*``). When
    ``lexical`` is set and the file has no ``lex_*`` columns, the texts are read
    too and the lexicon features added batch by batch (they are per post, so the
    result equals :func:`~crowdpulse.text.add_features` on the whole table), then
    the texts, tokens and emoji lists are dropped. Memory thus holds the short
    columns of every post (times, accounts, mentions, hashtags, ``lex_*``
    floats) but never the texts of the whole corpus.

    Args:
        path: A Parquet corpus (``crowdpulse ingest``) or features file.
        lexical: The lexical series are wanted (compute ``lex_*`` when missing).
        lexicon: Lexicon for the features (a key, a ``.dic`` path or a
            :class:`~crowdpulse.text.Lexicon`).
        batch_size: Most posts per batch.

    Returns:
        The table, in file order.

    Raises:
        InputError: The file is missing, not Parquet, or not a corpus.
    """
    from crowdpulse.io.corpus import open_parquet

    projection = Projection.of(path, lexical=lexical, lexicon=lexicon, batch_size=batch_size)
    reader = open_parquet(path)
    parts = [
        projection.project(pa.Table.from_batches([batch]))
        for batch in reader.iter_batches(
            batch_size=batch_size, columns=projection.columns, use_threads=False
        )
    ]
    if not parts:
        return projection.empty()
    return pa.concat_tables(parts)


@dataclass(frozen=True)
class Projection:
    """What the firestorm keeps of a corpus file's batches (see :func:`read_firestorm_table`).

    Attributes:
        path: The Parquet file.
        columns: The columns to read.
        kept: The corpus columns kept (with every ``lex_*`` column).
        lexicon: The loaded lexicon when the features must be computed, else None.
        batch_size: Posts per batch of the features stage.
    """

    path: str
    columns: tuple[str, ...]
    kept: tuple[str, ...]
    lexicon: Any = None
    batch_size: int = 65_536

    @classmethod
    def of(
        cls,
        path: str | Path,
        *,
        lexical: bool = True,
        lexicon: Any = "open",
        batch_size: int = 65_536,
        extra: Sequence[str] = (),
    ) -> Projection:
        """Check a corpus file and decide what to read of it.

        Args:
            path: A Parquet corpus or features file.
            lexical: The lexical series are wanted (compute ``lex_*`` when missing).
            lexicon: Lexicon for the features (a key, a ``.dic`` path or a
                :class:`~crowdpulse.text.Lexicon`).
            batch_size: Posts per batch of the features stage.
            extra: Other corpus columns to keep (e.g. ``id``).

        Returns:
            The projection.

        Raises:
            InputError: The file is missing, not Parquet, or not a corpus.
        """
        from crowdpulse.io.corpus import open_parquet
        from crowdpulse.schema import validate_table

        schema = open_parquet(path).schema_arrow
        try:
            validate_table(schema.empty_table())  # the checks of read_corpus, on no rows
        except InputError as exc:
            raise InputError(exc.reason, path=str(path), field=exc.field) from None
        compute = lexical and not any(n.startswith("lex_") for n in schema.names)
        wanted = (*FIRESTORM_COLUMNS, *extra)
        kept = tuple(n for n in schema.names if n in wanted or n.startswith("lex_"))
        loaded = None
        if compute:
            from crowdpulse.text import Lexicon

            # once, not per batch
            loaded = lexicon if isinstance(lexicon, Lexicon) else Lexicon.load(lexicon)
        columns = (*kept, "text") if compute else kept
        return cls(str(path), columns, kept, loaded, batch_size)

    def project(self, table: pa.Table) -> pa.Table:
        """Add the lexicon features when needed and keep the kept columns of a batch."""
        if self.lexicon is not None:
            from crowdpulse.text import add_features

            table = add_features(
                table, lexicon=self.lexicon, quiet=True, batch_size=self.batch_size
            )
        keep = set(self.kept)
        return table.select([n for n in table.column_names if n in keep or n.startswith("lex_")])

    def empty(self) -> pa.Table:
        """The projected table without rows (its schema)."""
        from crowdpulse.io.corpus import open_parquet

        schema = open_parquet(self.path).schema_arrow
        return self.project(schema.empty_table().select(list(self.columns)))


def analyse_corpus(
    corpus: str | Path,
    event: Any,
    out_dir: str | Path,
    *,
    target: str | None = None,
    options: FirestormOptions | None = None,
    lexicon: Any = "open",
    figures: bool = True,
    quiet: bool = True,
    use_history: bool = True,
    batch_size: int = 65_536,
    engine: Any = None,
    chunk_buckets: int | None = None,
) -> dict[str, Any]:
    """Read a corpus file, run the pipeline and write its outputs (the CLI's one call).

    The corpus is analysed in time chunks, never whole
    (:func:`crowdpulse.firestorm.chunks.firestorm_file`): the outputs are those
    of :func:`run_firestorm`, :func:`write_network_analyses` and
    :func:`~crowdpulse.network.gexf.write_peak_networks` on the corpus in canonical
    order (by time, then post id), the same with any engine.

    Args:
        corpus: A Parquet corpus.
        event: A :class:`crowdpulse.event.Event` or the path of its TOML; its
            ``[firestorm]`` gives the target and the bucket settings, its ``start``
            and ``end`` the bucket grid.
        out_dir: Folder for the outputs.
        target: Override the event's target.
        options: Settings (default: from the event).
        lexicon: Lexicon for the features stage when needed.
        figures: Draw the figures.
        quiet: Show no progress bars.
        use_history: Prime the monitor with the posts before the event's start.
        batch_size: Posts per batch when reading the corpus.
        engine: Where the chunks run (a :mod:`crowdpulse.engine` engine; default:
            this process).
        chunk_buckets: Buckets per time chunk (default: one day's).

    Returns:
        The summary (see :meth:`FirestormResult.summary`) with ``files``.

    Raises:
        ConfigError: No target in the event nor given.
        InputError: The corpus cannot be read.
    """
    from crowdpulse.event import load_event

    if isinstance(event, (str, Path)):
        event = load_event(event)
    settings = event.firestorm
    if target is None:
        if settings is None:
            raise ConfigError(
                "the event has no [firestorm] section: add its target (or give --target)",
                field="firestorm.target",
                path=str(event.path) if event.path else None,
            )
        target = settings.target
    options = options or FirestormOptions.from_event(event)
    from crowdpulse.firestorm.chunks import firestorm_file

    done = firestorm_file(
        corpus,
        target,
        out_dir,
        options=options,
        origin=event.start,
        end=event.end,
        event=event.name,
        lexicon=lexicon,
        figures=figures,
        quiet=quiet,
        use_history=use_history and event.start is not None,
        engine=engine,
        batch_size=batch_size,
        chunk_buckets=chunk_buckets,
    )
    summary = done.result.summary()
    summary["files"] = done.files
    return summary


@dataclass
class SyntheticEvaluation:
    """The evaluation of the pipeline on generated corpora with planted firestorms.

    Attributes:
        results: One :class:`FirestormResult` per seed.
        planted: The generator's truth (``truth["firestorm"]``) per seed.
        table: The paper's table (:func:`~crowdpulse.firestorm.evaluate_events`) of
            the lexical series in streaming mode.
        network_table: The same for the count and network series.
        categories: How often each category gave the change point closest to the
            start (Figure 7).
    """

    results: list[FirestormResult]
    planted: list[dict[str, Any]]
    table: pa.Table
    network_table: pa.Table
    categories: pa.Table

    def found(self) -> list[bool]:
        """Per seed: whether the planted firestorm was found.

        Found: an alert of the found series within ``tolerance`` buckets of the
        planted start.
        """
        return [r.evaluations[("stream", "network")].found for r in self.results]

    def write(self, out_dir: str | Path, *, figures: bool = True) -> dict[str, str]:
        """Write the tables, the per-event details and the figures into a folder.

        Files: ``evaluation_lexical.csv`` and ``evaluation_network.csv`` (the paper's
        table for each group), ``categories.csv`` (Figure 7's counts),
        ``events.json`` (per event: planted and measured truth, evaluations), and
        with ``figures`` Figure 1 (posts and firestorm share per event), Figures 3
        and 6 for the first three events, and Figure 7.

        Args:
            out_dir: The folder (created if missing).
            figures: Draw the figures.

        Returns:
            Name -> path of every file written.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = {
            "evaluation_lexical": str(write_csv(self.table, out / "evaluation_lexical.csv")),
            "evaluation_network": str(
                write_csv(self.network_table, out / "evaluation_network.csv")
            ),
            "categories": str(write_csv(self.categories, out / "categories.csv")),
        }
        events = []
        for result, planted in zip(self.results, self.planted, strict=True):
            events.append(
                {
                    "event": result.event,
                    "planted": {k: v for k, v in planted.items() if not isinstance(v, list)},
                    "truth": result.truth.to_dict(),
                    "evaluations": [e.to_dict() for e in result.evaluations.values()],
                    "alerts": len(result.alerts),
                }
            )
        path = out / "events.json"
        write_text_atomic(path, json.dumps(events, indent=2) + "\n")
        files["events"] = str(path)
        if figures and self.results:
            files.update(_draw_many(self, out))
        return files


def _draw_many(evaluation: SyntheticEvaluation, out: Path) -> dict[str, str]:
    from crowdpulse.firestorm import figures
    from crowdpulse.network.figures import plot_max_in_degree

    results = evaluation.results
    files: dict[str, str] = {}
    drawn = figures.plot_posts_share(
        {r.event: r.truth for r in results}, out / "figure1_posts", kind="bars"
    )
    files["figure1"] = str(drawn.png)
    first = results[:3]
    starts = {r.event: r.truth.time(r.truth.start_bucket) for r in first}
    drawn = plot_max_in_degree(
        {r.event: r.metrics for r in first},
        out / "figure3_max_in_degree",
        starts={k: v for k, v in starts.items() if v is not None},
    )
    files["figure3"] = str(drawn.png)
    panels = {}
    for r in first:
        column = _figure5_series(r) or "target_posts"
        panels[f"{r.event}: {column}"] = (
            r.truth,
            [a.bucket for a in r.alerts if a.series == column],
        )
    drawn = figures.plot_event_changepoints(panels, out / "figure6_overview")
    files["figure6"] = str(drawn.png)
    if evaluation.categories.num_rows:
        drawn = figures.plot_category_counts(
            evaluation.categories, out / "figure7_categories", events=len(results)
        )
        files["figure7"] = str(drawn.png)
    return files


def evaluate_synthetic(
    seeds: Sequence[int] = tuple(range(10)),
    *,
    posts: int = 20_000,
    days: int = 15,
    workdir: str | Path | None = None,
    options: FirestormOptions | None = None,
    planted_start: bool = True,
    quiet: bool = True,
) -> SyntheticEvaluation:
    """Generate one corpus per seed, run the pipeline on each and evaluate (paper C10).

    Each corpus goes the way of real data: written as API v1.1 JSON lines, read
    back with :func:`crowdpulse.io.read_posts` (default ingest filters), scored with
    the open lexicon.

    Args:
        seeds: The generator's seeds, one event each.
        posts: Post records per corpus.
        days: Days per corpus.
        workdir: Folder for the generated files (default: a temporary folder,
            removed afterwards).
        options: Pipeline settings (default: the paper's).
        planted_start: Measure against the generator's planted start (default);
            False: against the start measured on the corpus (C9).
        quiet: Show no progress bars.

    Returns:
        The :class:`SyntheticEvaluation`.
    """
    import tempfile

    from crowdpulse.io import read_posts
    from crowdpulse.synth import SynthConfig, synthesize

    options = options or FirestormOptions()
    results: list[FirestormResult] = []
    planted: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="crowdpulse-firestorm-") as tmp:
        folder = Path(workdir) if workdir is not None else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for seed in seeds:
            path = folder / f"firestorm_seed{seed}.jsonl"
            config = SynthConfig(seed=int(seed), posts=posts, days=days)
            truth = synthesize(config, path, fmt="v1", quiet=quiet)
            fs = truth["firestorm"]
            table, _ = read_posts([path])
            result = run_firestorm(
                table,
                fs["target"],
                options=options,
                origin=truth["start"],
                end=truth["end"],
                event=f"seed {seed}",
                start_bucket=int(fs["start_bucket"]) if planted_start else None,
                quiet=quiet,
            )
            results.append(result)
            planted.append(fs)
    lexical = [r.evaluations[("stream", "lexical")] for r in results]
    network = [r.evaluations[("stream", "network")] for r in results]
    return SyntheticEvaluation(
        results=results,
        planted=planted,
        table=evaluate_events(lexical),
        network_table=evaluate_events(network),
        categories=category_counts(lexical),
    )
