"""How close and how fast the detector finds a firestorm (firestorm paper, C10, Figure 7).

Inputs: the :class:`~crowdpulse.firestorm.truth.GroundTruth` of an event and its
change points, either streaming alerts (each with the bucket in which it was
raised) or offline change points (PELT on the whole series, no detection time).
Positions are bucket numbers; a change point at bucket ``c`` means a new segment
starts with bucket ``c``.

Per event and reference bucket ``r`` (the start, the in-degree peak, the posts
peak):

*closest change point*
    The change point ``c`` with the smallest ``|c - r|`` among the evaluated series
    (a *group*: the lexical series as in the paper, the network and count series, or
    all); on a tie between ``r - k`` and ``r + k`` the earlier one. Its *offset* is
    ``(c - r) * bucket length`` in hours: negative = before the reference. Every
    series with a change point at ``c`` *gave* it (Figure 7 counts them).

*detection delay of the closest change point*
    Streaming only: the time from the reference to the end of the bucket whose
    arrival raised the alert, ``(d + 1 - r) * bucket length`` (``d``: the detecting
    bucket; the earliest of the series at ``c``). An alert for a change at the start
    raised one bucket later gives 2 buckets = 1 hour: the paper's "two intervals of
    half an hour until the beginning of the firestorm is noticed".

*first alert delay*
    Streaming only: the same delay for the first alert raised in a bucket at or
    after the start (whatever its change point).

*control*
    The mean distance from the closest change point to control references: the
    start's time of day 1, 2 and 3 days earlier. If change points are so dense that
    one lies next to any moment, the control distance is as small as the distance at
    the start, and the offsets say little about the detector.

*found*
    An alert pointing up in one of the *found series* (default: the target's
    post count and the maximum in-degree of the mention network) whose change point
    lies within ``tolerance`` buckets (default 1) of the start.

Over many events, :func:`evaluate_events` gives the mean and standard deviation
(sample, ``ddof=1``) of every offset and delay beside the paper's values, and
:func:`category_counts` how often each category gave the closest change point.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from crowdpulse.detect.changepoint import ChangePoint
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.firestorm.series import is_lexical_series
from crowdpulse.firestorm.truth import GroundTruth

__all__ = [
    "FOUND_SERIES",
    "PAPER_RESULTS",
    "REFERENCES",
    "ChangePoints",
    "Closest",
    "EventEvaluation",
    "Group",
    "category_counts",
    "category_of",
    "closest_changepoint",
    "evaluate_event",
    "evaluate_events",
    "is_found",
]

Group = Literal["lexical", "network", "all"]

REFERENCES: tuple[str, ...] = ("start", "peak_in_degree", "peak_posts")
"""The reference buckets of an evaluation, in report order."""

FOUND_SERIES: tuple[str, ...] = ("target_posts", "mention_net:max_in_degree")
"""The series whose alerts decide whether a firestorm was found."""

PAPER_RESULTS: dict[str, tuple[float, float | None]] = {
    "start": (-0.55, 2.34),
    "peak_in_degree": (1.19, 2.51),
    "peak_posts": (0.14, 1.30),
    "closest_detection_delay": (1.0, None),
    "first_alert_delay": (1.0, None),
}
"""The paper's mean and sd in hours (delays: "two intervals of half an hour")."""


def _group_filter(group: Group | str) -> Callable[[str], bool]:
    if group == "lexical":
        return is_lexical_series
    if group == "network":
        return lambda name: not is_lexical_series(name)
    if group == "all":
        return lambda name: True
    raise ConfigError(
        f"unknown group {group!r}; expected 'lexical', 'network' or 'all'", field="group"
    )


@dataclass(frozen=True)
class ChangePoints:
    """Change points of many series, one entry each.

    Attributes:
        series: The series of each change point.
        bucket: int64 bucket where the new segment starts.
        detected: int64 bucket whose arrival raised the alert; -1 for offline
            change points.
        direction: ``"up"`` or ``"down"`` (new segment's mean higher or lower).
    """

    series: list[str]
    bucket: np.ndarray
    detected: np.ndarray
    direction: list[str]

    def __post_init__(self) -> None:
        n = len(self.series)
        if not (self.bucket.size == self.detected.size == len(self.direction) == n):
            raise ConfigError("the change-point fields differ in length", field="bucket")

    def __len__(self) -> int:
        return len(self.series)

    @classmethod
    def from_points(cls, points: Iterable[ChangePoint]) -> ChangePoints:
        """Build from change points whose ``bucket`` is the bucket number.

        Args:
            points: Offline change points, or alerts of
                :class:`~crowdpulse.detect.StreamingDetector` /
                :func:`~crowdpulse.detect.detect_stream` fed one update per bucket from
                bucket 0.

        Returns:
            The change points; ``detected`` is ``detected_bucket`` (-1 offline).
        """
        items = list(points)
        return cls(
            series=[p.series for p in items],
            bucket=np.asarray([p.bucket for p in items], dtype=np.int64),
            detected=np.asarray(
                [-1 if p.detected_bucket is None else p.detected_bucket for p in items],
                dtype=np.int64,
            ),
            direction=[p.direction for p in items],
        )

    from_alerts = from_points

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> ChangePoints:
        """Build from dicts (rows of ``changepoints.csv``, lines of ``alerts.jsonl``).

        Each dict has ``series``, ``bucket``, optionally ``detected_bucket`` (missing
        or None: offline) and ``direction`` (default ``"up"``).

        Args:
            records: The change points.

        Returns:
            The change points.

        Raises:
            InputError: A record lacks ``series`` or ``bucket``.
        """
        series: list[str] = []
        bucket: list[int] = []
        detected: list[int] = []
        direction: list[str] = []
        for i, rec in enumerate(records):
            for key in ("series", "bucket"):
                if rec.get(key) is None:
                    raise InputError(f"change point {i} has no {key}", field=key)
            series.append(str(rec["series"]))
            bucket.append(int(rec["bucket"]))
            det = rec.get("detected_bucket")
            detected.append(-1 if det is None else int(det))
            direction.append(str(rec.get("direction") or "up"))
        return cls(
            series=series,
            bucket=np.asarray(bucket, dtype=np.int64),
            detected=np.asarray(detected, dtype=np.int64),
            direction=direction,
        )

    def select(self, keep: Callable[[str], bool]) -> ChangePoints:
        """Return the change points of the series for which ``keep(name)`` is True."""
        mask = np.asarray([keep(s) for s in self.series], dtype=bool)
        idx = np.flatnonzero(mask)
        return ChangePoints(
            series=[self.series[i] for i in idx],
            bucket=self.bucket[idx],
            detected=self.detected[idx],
            direction=[self.direction[i] for i in idx],
        )

    @property
    def streaming(self) -> bool:
        """True when every change point has a detection bucket."""
        return bool(self.detected.size) and bool(np.all(self.detected >= 0))


@dataclass(frozen=True)
class Closest:
    """The change point closest to a reference bucket.

    Attributes:
        reference: ``"start"``, ``"peak_in_degree"`` or ``"peak_posts"``.
        reference_bucket: The reference (None: the truth has none).
        bucket: The closest change point (None: no change point or no reference).
        offset_buckets: ``bucket - reference_bucket``.
        offset_hours: The offset in hours (negative: before).
        series: The series with a change point at ``bucket``, sorted.
        detected_bucket: The earliest bucket in which one of them was raised
            (None offline).
        detection_delay_hours: ``(detected_bucket + 1 - reference_bucket)`` buckets in
            hours (None offline).
    """

    reference: str
    reference_bucket: int | None
    bucket: int | None = None
    offset_buckets: int | None = None
    offset_hours: float | None = None
    series: tuple[str, ...] = ()
    detected_bucket: int | None = None
    detection_delay_hours: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "reference": self.reference,
            "reference_bucket": self.reference_bucket,
            "bucket": self.bucket,
            "offset_buckets": self.offset_buckets,
            "offset_hours": self.offset_hours,
            "series": list(self.series),
            "detected_bucket": self.detected_bucket,
            "detection_delay_hours": self.detection_delay_hours,
        }


def closest_changepoint(
    changepoints: ChangePoints,
    reference_bucket: int | None,
    *,
    bucket_minutes: int = 30,
    reference: str = "start",
) -> Closest:
    """Find the change point closest to a reference bucket.

    Args:
        changepoints: The change points to search.
        reference_bucket: The reference; None gives an empty result.
        bucket_minutes: Bucket length, to turn buckets into hours.
        reference: The reference's name.

    Returns:
        The :class:`Closest` (empty fields when there is nothing to measure).

    Example:
        >>> cps = ChangePoints(["a", "b"], np.array([8, 11]), np.array([9, 12]), ["up", "up"])
        >>> c = closest_changepoint(cps, 10)
        >>> c.bucket, c.offset_hours, c.series, c.detection_delay_hours
        (11, 0.5, ('b',), 1.5)
    """
    if reference_bucket is None or len(changepoints) == 0:
        return Closest(reference=reference, reference_bucket=reference_bucket)
    hours = bucket_minutes / 60.0
    distance = np.abs(changepoints.bucket - reference_bucket)
    best = int(distance.min())
    candidates = changepoints.bucket[distance == best]
    bucket = int(candidates.min())  # a tie between r - k and r + k goes to the earlier
    at = np.flatnonzero(changepoints.bucket == bucket)
    series = tuple(sorted({changepoints.series[i] for i in at}))
    detected = changepoints.detected[at]
    detected = detected[detected >= 0]
    detected_bucket = int(detected.min()) if detected.size else None
    delay = None
    if detected_bucket is not None:
        delay = (detected_bucket + 1 - reference_bucket) * hours
    return Closest(
        reference=reference,
        reference_bucket=int(reference_bucket),
        bucket=bucket,
        offset_buckets=bucket - int(reference_bucket),
        offset_hours=(bucket - int(reference_bucket)) * hours,
        series=series,
        detected_bucket=detected_bucket,
        detection_delay_hours=delay,
    )


def is_found(
    changepoints: ChangePoints,
    start_bucket: int | None,
    *,
    series: Sequence[str] = FOUND_SERIES,
    tolerance: int = 1,
    direction: Literal["up", "down", "any"] = "up",
) -> bool:
    """Whether a change of the found series lies within ``tolerance`` buckets of the start.

    Args:
        changepoints: Streaming alerts (or offline change points).
        start_bucket: The firestorm's start; None gives False.
        series: The series that count (default :data:`FOUND_SERIES`).
        tolerance: Largest distance in buckets (default 1).
        direction: Only changes in this direction count (default ``"up"``).

    Returns:
        True when such a change point exists.
    """
    if start_bucket is None:
        return False
    wanted = set(series)
    for name, bucket, way in zip(
        changepoints.series, changepoints.bucket, changepoints.direction, strict=True
    ):
        if name not in wanted or abs(int(bucket) - start_bucket) > tolerance:
            continue
        if direction == "any" or way == direction:
            return True
    return False


@dataclass(frozen=True)
class EventEvaluation:
    """The evaluation of one event for one group of series.

    Attributes:
        event: The event's name.
        group: ``"lexical"``, ``"network"`` or ``"all"``.
        mode: ``"stream"`` (alerts) or ``"offline"`` (PELT on the whole series).
        bucket_minutes: Bucket length.
        closest: Per reference (:data:`REFERENCES`) the closest change point.
        first_alert_delay_hours: See the module docs (None offline or without alert).
        first_alert_series: The series of that first alert, sorted.
        changepoints: Number of change points of the group.
        changepoints_per_day: The same per day of the grid (a false-alarm measure).
        control_abs_offset_hours: Mean distance in hours from the closest change point
            to *control* references: the start's time of day on ``control_days`` days
            before it, in the quiet period (None without such references). When it
            is as small as the distance at the start, change points are so dense that
            "closest" says little.
        found: Whether the firestorm was found (see :func:`is_found`), computed on all
            the change points given, not only the group's.
    """

    event: str
    group: str
    mode: str
    bucket_minutes: int
    closest: dict[str, Closest] = field(default_factory=dict)
    first_alert_delay_hours: float | None = None
    first_alert_series: tuple[str, ...] = ()
    changepoints: int = 0
    changepoints_per_day: float = 0.0
    control_abs_offset_hours: float | None = None
    found: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "event": self.event,
            "group": self.group,
            "mode": self.mode,
            "bucket_minutes": self.bucket_minutes,
            "closest": {k: v.to_dict() for k, v in self.closest.items()},
            "first_alert_delay_hours": self.first_alert_delay_hours,
            "first_alert_series": list(self.first_alert_series),
            "changepoints": self.changepoints,
            "changepoints_per_day": round(self.changepoints_per_day, 4),
            "control_abs_offset_hours": self.control_abs_offset_hours,
            "found": self.found,
        }


def evaluate_event(
    truth: GroundTruth,
    changepoints: ChangePoints,
    *,
    event: str = "event",
    group: Group = "lexical",
    start_bucket: int | None = None,
    found_series: Sequence[str] = FOUND_SERIES,
    tolerance: int = 1,
    control_days: Sequence[int] = (1, 2, 3),
) -> EventEvaluation:
    """Evaluate the change points of one event against its ground truth (paper C10).

    Args:
        truth: The event's ground truth (:func:`~crowdpulse.firestorm.ground_truth`).
        changepoints: Streaming alerts or offline change points of all series.
        event: The event's name.
        group: The series measured: ``"lexical"`` (the paper), ``"network"`` (counts
            and window metrics) or ``"all"``.
        start_bucket: Use this start instead of ``truth.start_bucket`` (e.g. the
            planted start of a generated corpus).
        found_series: Series whose alerts decide :attr:`EventEvaluation.found`.
        tolerance: Buckets of slack for ``found``.
        control_days: Days before the start at which the control references lie.

    Returns:
        The :class:`EventEvaluation`.

    Raises:
        ConfigError: Unknown group.
    """
    keep = _group_filter(group)
    chosen = changepoints.select(keep)
    refs = truth.references()
    if start_bucket is not None:
        refs["start"] = int(start_bucket)
    closest = {
        name: closest_changepoint(
            chosen, refs[name], bucket_minutes=truth.bucket_minutes, reference=name
        )
        for name in REFERENCES
    }
    streaming = changepoints.streaming or len(changepoints) == 0
    first_delay = None
    first_series: tuple[str, ...] = ()
    start = refs["start"]
    if streaming and start is not None and len(chosen):
        after = chosen.detected >= start
        if after.any():
            first = int(chosen.detected[after].min())
            first_delay = (first + 1 - start) * truth.bucket_hours
            first_series = tuple(
                sorted({chosen.series[i] for i in np.flatnonzero(chosen.detected == first)})
            )
    days = truth.n_buckets * truth.bucket_minutes / 1440.0
    control = None
    if start is not None and len(chosen):
        per_day = round(1440 / truth.bucket_minutes)
        distances = [
            abs(closest_changepoint(chosen, start - k * per_day).offset_buckets or 0)
            for k in control_days
            if start - k * per_day >= 0
        ]
        if distances:
            control = float(np.mean(distances)) * truth.bucket_hours
    return EventEvaluation(
        event=event,
        group=str(group),
        mode="stream" if streaming else "offline",
        bucket_minutes=truth.bucket_minutes,
        closest=closest,
        first_alert_delay_hours=first_delay,
        first_alert_series=first_series,
        changepoints=len(chosen),
        changepoints_per_day=len(chosen) / days if days else 0.0,
        control_abs_offset_hours=control,
        found=is_found(changepoints, start, series=found_series, tolerance=tolerance),
    )


def _stats(values: list[float]) -> tuple[float, float, float, float, float]:
    if not values:
        nan = float("nan")
        return nan, nan, nan, nan, nan
    arr = np.asarray(values, dtype=np.float64)
    sd = float(arr.std(ddof=1)) if arr.size > 1 else float("nan")
    return float(arr.mean()), sd, float(np.median(arr)), float(arr.min()), float(arr.max())


def evaluate_events(evaluations: Sequence[EventEvaluation]) -> pa.Table:
    """Summarise many events like the paper: mean and sd of every offset and delay.

    Args:
        evaluations: One :class:`EventEvaluation` per event (same group and mode).

    Returns:
        One row per measure: ``start``, ``peak_in_degree``, ``peak_posts`` (offset of
        the closest change point), ``closest_detection_delay`` (delay of the change
        point closest to the start), ``first_alert_delay``, ``start_abs_offset``
        (mean distance to the start) beside ``control_abs_offset`` (the same at the
        control references), ``changepoints_per_day`` and ``found`` (share of
        events); columns ``measure``, ``events`` (events with
        a value), ``mean_hours``, ``sd_hours`` (``ddof=1``), ``median_hours``,
        ``min_hours``, ``max_hours``, ``paper_mean_hours``, ``paper_sd_hours`` (null
        where the paper gives none). For ``changepoints_per_day`` and ``found`` the
        "hours" columns hold the plain values.

    Raises:
        ConfigError: The evaluations mix groups or modes, or there are none.
    """
    if not evaluations:
        raise ConfigError("give at least one evaluation", field="evaluations")
    kinds = {(e.group, e.mode) for e in evaluations}
    if len(kinds) > 1:
        raise ConfigError(f"the evaluations mix groups/modes: {sorted(kinds)}", field="evaluations")

    def present(values: Iterable[float | None]) -> list[float]:
        return [float(v) for v in values if v is not None]

    measures: dict[str, list[float]] = {}
    for name in REFERENCES:
        measures[name] = present(
            e.closest[name].offset_hours if name in e.closest else None for e in evaluations
        )
    measures["closest_detection_delay"] = present(
        e.closest["start"].detection_delay_hours if "start" in e.closest else None
        for e in evaluations
    )
    measures["first_alert_delay"] = present(e.first_alert_delay_hours for e in evaluations)
    measures["start_abs_offset"] = [abs(v) for v in measures["start"]]
    measures["control_abs_offset"] = present(e.control_abs_offset_hours for e in evaluations)
    measures["changepoints_per_day"] = [float(e.changepoints_per_day) for e in evaluations]
    measures["found"] = [1.0 if e.found else 0.0 for e in evaluations]
    rows: dict[str, list[Any]] = {
        key: []
        for key in (
            "measure",
            "events",
            "mean_hours",
            "sd_hours",
            "median_hours",
            "min_hours",
            "max_hours",
            "paper_mean_hours",
            "paper_sd_hours",
        )
    }
    for name, values in measures.items():
        mean, sd, median, lo, hi = _stats(values)
        paper_mean, paper_sd = PAPER_RESULTS.get(name, (None, None))
        for key, value in zip(
            rows,
            (name, len(values), mean, sd, median, lo, hi, paper_mean, paper_sd),
            strict=True,
        ):
            rows[key].append(value)
    schema = pa.schema(
        [("measure", pa.string()), ("events", pa.int64())]
        + [
            (name, pa.float64())
            for name in (
                "mean_hours",
                "sd_hours",
                "median_hours",
                "min_hours",
                "max_hours",
                "paper_mean_hours",
                "paper_sd_hours",
            )
        ]
    )
    return pa.table(rows, schema=schema)


def category_of(series: str) -> str:
    """The category a series stands for: ``lex_netspeak:mention`` -> ``netspeak``.

    Non-lexical series are their own category (``target_posts``).
    """
    if is_lexical_series(series):
        return series[len("lex_") :].split(":", 1)[0]
    return series


def category_counts(
    evaluations: Sequence[EventEvaluation], *, reference: str = "start"
) -> pa.Table:
    """Count how often each category gave the closest change point (paper's Figure 7).

    A category counts once per event, even when several of its series (e.g. both
    subsets) share the closest change point.

    Args:
        evaluations: One :class:`EventEvaluation` per event.
        reference: ``"start"`` (the paper), ``"peak_in_degree"`` or ``"peak_posts"``.

    Returns:
        Columns ``category`` and ``events`` (int64), most frequent first, then by name.

    Raises:
        ConfigError: Unknown reference.
    """
    if reference not in REFERENCES:
        raise ConfigError(
            f"unknown reference {reference!r}; expected one of {', '.join(REFERENCES)}",
            field="reference",
        )
    counts: Counter[str] = Counter()
    for evaluation in evaluations:
        closest = evaluation.closest.get(reference)
        if closest is None:
            continue
        counts.update({category_of(s) for s in closest.series})
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return pa.table(
        {
            "category": pa.array([k for k, _ in ordered], pa.string()),
            "events": pa.array([v for _, v in ordered], pa.int64()),
        }
    )
