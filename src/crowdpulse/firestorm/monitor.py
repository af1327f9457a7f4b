"""Early warning: firestorm alerts as episodes per target (open, escalate, close).

The per-series change points of :class:`crowdpulse.detect.StreamingDetector` are
what the paper analyses, but a person on call cannot use one line per change
point per series, nor a detector that needs 49 buckets before it says anything.
:class:`EpisodeMonitor` turns the per-bucket activity aimed at one target into
*episodes*:

``open``
    raised at the first bucket where all of these hold:

    * an **upward change point**: a one-sided Poisson CUSUM (Page, 1954) of the
      target posts against the baseline, for a rise by ``ratio``, passes
      ``threshold``; the change point (``time``) is the first bucket after the
      CUSUM last stood at zero;
    * a **minimum effect**: the level (mean of the last ``level_buckets`` buckets)
      is at least ``ratio`` times the baseline and at least ``min_posts`` posts per
      bucket;
    * **aimed at the target**: the target's share of all posts of the stream has
      risen at least ``share_ratio`` times its baseline share, unless the target
      already makes up ``focused_share`` of the stream (a collection about it). A
      crisis that brings more posts of every kind, and more mentions of official
      accounts with them, does not raise the share; a news burst not aimed at the
      target lowers it;
    * when the mention network's in-degree of the target (distinct accounts
      mentioning it in the bucket) is given: it rose at least ``in_degree_ratio``
      times its own baseline (many people, not one account repeating itself);
    * at least ``min_buckets`` buckets of data (history included) have been seen.
``escalate``
    the level reached twice the level of the last ``open``/``escalate`` alert of
    the episode (at most one per doubling).
``close``
    the level stayed at most ``close_ratio`` times the baseline (or below half of
    ``min_posts``) for ``close_buckets`` buckets in a row.

The **baseline** is a robust running level: during the first buckets the median of
the values seen so far, then an exponentially weighted mean (half-life
``halflife`` buckets) of the values winsorised at ``clip`` times the baseline, never
below ``floor``. While an episode is open it moves ``frozen_factor`` times slower,
so a storm does not become its own baseline within hours. History (earlier
buckets: ``--history FILE`` or the corpus before the event's start) primes the
baseline and raises no alert.

Lexical series are supporting evidence: per-series change points upward of the
last ``support_buckets`` buckets (from the streaming detector) are listed in the
alert's ``series``; they never open an episode by themselves.

Memory per target: a fixed number of floats (two baselines for the target's posts
and in-degree, one for the stream's posts, the CUSUM, the last ``level_buckets``
values, the warm-up values, at most ``min_buckets`` of them) and the names of
supporting series (at most one per watched series); nothing grows with the stream.
:meth:`EpisodeMonitor.state` and :meth:`EpisodeMonitor.from_state` save and
restore it (``crowdpulse watch --state``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np

from crowdpulse.exceptions import ConfigError

__all__ = [
    "PAPER_PRESET",
    "EpisodeAlert",
    "EpisodeMonitor",
    "MonitorOptions",
    "monitor_counts",
]

AlertKind = Literal["open", "escalate", "close"]

PAPER_PRESET = "paper"
"""Name of the preset that gives the published per-series setting (no episodes)."""


@dataclass(frozen=True)
class MonitorOptions:
    """Settings of the early-warning monitor (see the module docstring).

    Attributes:
        ratio: Minimum rise of the level over the baseline to open (default 3).
        min_posts: Minimum level, in target posts per bucket, to open.
        threshold: CUSUM threshold of the upward change point (log-likelihood).
        level_buckets: Buckets averaged into the level.
        halflife: Half-life of the baseline, in buckets.
        clip: Values enter the baseline winsorised at this many times the baseline.
        floor: Lowest baseline, in posts per bucket.
        frozen_factor: The baseline moves this many times slower during an episode.
        min_buckets: Buckets of data (history included) before an alert can open.
        share_ratio: Minimum rise of the target's share of all posts.
        focused_share: A share at least this high counts as a collection about the
            target (the share rule is then skipped).
        in_degree_ratio: Minimum rise of the target's in-degree (when given).
        close_ratio: "Back near the baseline": level at most this times the baseline.
        close_buckets: Buckets near the baseline before the episode closes.
        escalate_factor: Level factor between escalations (2: one per doubling).
        support_buckets: Per-series change points of this many last buckets count as
            supporting evidence.
    """

    ratio: float = 3.0
    min_posts: float = 10.0
    threshold: float = 10.0
    level_buckets: int = 2
    halflife: float = 8.0
    clip: float = 2.0
    floor: float = 1.0
    frozen_factor: float = 8.0
    min_buckets: int = 4
    share_ratio: float = 2.0
    focused_share: float = 0.5
    in_degree_ratio: float = 2.0
    close_ratio: float = 1.5
    close_buckets: int = 6
    escalate_factor: float = 2.0
    support_buckets: int = 4

    def __post_init__(self) -> None:
        positive = ("ratio", "halflife", "clip", "floor", "frozen_factor", "escalate_factor")
        for name in positive:
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be a positive number, got {value!r}", field=name)
        for name in ("min_posts", "threshold", "share_ratio", "focused_share", "in_degree_ratio"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ConfigError(f"{name} must be a number >= 0, got {value!r}", field=name)
        if self.ratio <= 1 or self.escalate_factor <= 1:
            raise ConfigError("ratio and escalate_factor must be above 1", field="ratio")
        if not 1 <= self.min_buckets <= 8:
            raise ConfigError("min_buckets must be between 1 and 8", field="min_buckets")
        for name in ("level_buckets", "close_buckets", "support_buckets"):
            value = getattr(self, name)
            if not (isinstance(value, int) and 1 <= value <= 1000):
                raise ConfigError(f"{name} must be an integer in 1..1000", field=name)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> MonitorOptions:
        """Build from a mapping (an event's ``[firestorm.monitor]`` table).

        Raises:
            ConfigError: An unknown key or a bad value.
        """
        known = {f.name for f in fields(cls)}
        for key in values:
            if key not in known:
                raise ConfigError(
                    f"unknown monitor option {key!r}; known: {', '.join(sorted(known))}",
                    field=f"firestorm.monitor.{key}",
                )
        return cls(**dict(values))


@dataclass(frozen=True)
class EpisodeAlert:
    """One alert of an episode.

    Attributes:
        kind: ``"open"``, ``"escalate"`` or ``"close"``.
        target: The target (``@account`` / ``#hashtag``).
        episode: Number of the episode in the stream (1, 2, ...).
        bucket: Bucket of the change point (``open``: where the rise began;
            ``escalate``/``close``: the detecting bucket).
        detected_bucket: Bucket whose arrival raised the alert.
        time: Start of ``bucket``.
        detected_at: End of ``detected_bucket`` (the first moment it could be known).
        level: Target posts per bucket (mean of the last ``level_buckets``).
        baseline: The baseline, in target posts per bucket.
        series: The series that moved (``target_posts`` first).
    """

    kind: AlertKind
    target: str
    episode: int
    bucket: int
    detected_bucket: int
    time: Any
    detected_at: Any
    level: float
    baseline: float
    series: tuple[str, ...]

    def to_record(self) -> dict[str, Any]:
        """The JSON object of ``alerts.jsonl`` and ``crowdpulse watch``."""
        out = asdict(self)
        for key in ("time", "detected_at"):
            value = out[key]
            if isinstance(value, datetime):
                out[key] = value.isoformat().replace("+00:00", "Z")
        out["level"] = round(float(self.level), 3)
        out["baseline"] = round(float(self.baseline), 3)
        out["ratio"] = round(float(self.level) / max(float(self.baseline), 1e-12), 3)
        out["series"] = list(self.series)
        return out


@dataclass
class _Level:
    """A robust running level: warm-up median, then a winsorised EWMA with a floor."""

    floor: float
    value: float = 0.0
    seen: int = 0
    warm: list[float] = field(default_factory=list)

    def get(self) -> float:
        return max(self.floor, self.value)

    def update(self, x: float, alpha: float, clip: float, warm_buckets: int) -> None:
        if not math.isfinite(x):
            return
        self.seen += 1
        if len(self.warm) < warm_buckets and self.seen <= warm_buckets:
            self.warm.append(x)
            ordered = sorted(self.warm)
            mid = len(ordered) // 2
            median = ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])
            self.value = median
            if self.seen == warm_buckets:
                self.warm = []
            return
        capped = min(x, clip * self.get())
        self.value += alpha * (capped - self.value)


@dataclass
class EpisodeMonitor:
    """Early-warning episodes for one target, fed one bucket at a time.

    Args:
        target: The target (for the alerts).
        options: The :class:`MonitorOptions`.

    Example:
        >>> mon = EpisodeMonitor("@klm")
        >>> alerts = [a for c in [2, 1, 3, 2, 2, 40, 60] for a in mon.update(c, posts=c + 50)]
        >>> [(a.kind, a.bucket, a.detected_bucket) for a in alerts]
        [('open', 5, 5)]
    """

    target: str
    options: MonitorOptions = field(default_factory=MonitorOptions)
    bucket: int = 0
    episode: int = 0
    open: bool = False
    cusum: float = 0.0
    cusum_start: int = 0
    reported_level: float = 0.0
    near_buckets: int = 0
    recent: list[float] = field(default_factory=list)
    recent_posts: list[float] = field(default_factory=list)
    recent_degree: list[float] = field(default_factory=list)
    support: dict[str, int] = field(default_factory=dict)
    share_target: float = 0.0
    share_posts: float = 0.0
    share_before: float = 0.0
    _k: int = 1
    _target: _Level | None = None
    _posts: _Level | None = None
    _degree: _Level | None = None

    def __post_init__(self) -> None:
        floor = self.options.floor
        if self._target is None:
            self._target = _Level(floor)
        if self._posts is None:
            self._posts = _Level(floor)
        if self._degree is None:
            self._degree = _Level(floor)

    # -- state ------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """A JSON-ready snapshot (restore with :meth:`from_state`)."""
        out: dict[str, Any] = {
            k: getattr(self, k)
            for k in (
                "target",
                "bucket",
                "episode",
                "open",
                "cusum",
                "cusum_start",
                "reported_level",
                "near_buckets",
                "recent",
                "recent_posts",
                "recent_degree",
                "support",
                "share_target",
                "share_posts",
                "share_before",
            )
        }
        out["options"] = asdict(self.options)
        for name in ("_target", "_posts", "_degree"):
            out["level" + name] = asdict(getattr(self, name))
        return out

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> EpisodeMonitor:
        """Restore a monitor saved with :meth:`state`."""
        data = dict(state)
        options = MonitorOptions(**data.pop("options"))
        levels = {k: _Level(**data.pop("level_" + k)) for k in ("target", "posts", "degree")}
        return cls(
            target=str(state["target"]),
            options=options,
            **{k: v for k, v in data.items() if k != "target"},
            _target=levels["target"],
            _posts=levels["posts"],
            _degree=levels["degree"],
        )

    @property
    def baseline(self) -> float:
        """The current baseline of the target's posts per bucket."""
        assert self._target is not None
        return self._target.get()

    # -- one bucket -------------------------------------------------------------------
    def update(
        self,
        target_posts: float,
        *,
        posts: float | None = None,
        in_degree: float | None = None,
        moved: Iterable[str] = (),
        time: datetime | None = None,
        bucket_minutes: int = 30,
        history: bool = False,
    ) -> list[EpisodeAlert]:
        """Take one closed bucket; return the alerts it raises.

        Args:
            target_posts: Posts aimed at the target in the bucket.
            posts: All posts of the stream in the bucket (for the share rule; None
                skips it).
            in_degree: Distinct accounts mentioning the target in the bucket (None
                skips the in-degree rule).
            moved: Series with an upward change point in this bucket (supporting
                evidence, e.g. lexical series).
            time: Start of the bucket (alert times are derived from it).
            bucket_minutes: Bucket length.
            history: A bucket of history: update the baselines, raise nothing.

        Returns:
            The alerts raised (possibly none).
        """
        assert self._target is not None and self._posts is not None
        assert self._degree is not None
        o = self.options
        c = float(target_posts) if math.isfinite(float(target_posts)) else 0.0
        if history:
            self._learn(c, posts, in_degree)
            return []
        bucket = self.bucket
        self.bucket += 1
        for name in moved:
            self.support[name] = bucket
        self.support = {k: v for k, v in self.support.items() if bucket - v < o.support_buckets}
        self.recent = [*self.recent, c][-o.level_buckets :]
        if posts is not None:
            self.recent_posts = [*self.recent_posts, float(posts)][-o.level_buckets :]
        if in_degree is not None:
            self.recent_degree = [*self.recent_degree, float(in_degree)][-o.level_buckets :]
        base = self._target.get()
        # Poisson CUSUM for a rise by `ratio` against the baseline.
        r = o.ratio
        step = c * math.log(r) - (r - 1.0) * base
        if self.cusum <= 0.0:
            self.cusum_start = bucket
            # The share before the rise began (a slow rise must not become its own
            # baseline share while the CUSUM gathers evidence).
            self.share_before = self._base_share()
        self.cusum = max(0.0, self.cusum + step)
        if self.cusum == 0.0:
            self.cusum_start = bucket + 1
        # The level: mean of the last buckets, only those of the new segment while
        # a rise is being judged.
        k = len(self.recent)
        if not self.open:
            k = max(1, min(k, bucket - self.cusum_start + 1))
        level = sum(self.recent[-k:]) / k
        self._k = k
        alerts: list[EpisodeAlert] = []

        def make(kind: AlertKind, at: int, series: tuple[str, ...]) -> EpisodeAlert:
            start = (
                None if time is None else time - timedelta(minutes=bucket_minutes) * (bucket - at)
            )
            detected = None if time is None else time + timedelta(minutes=bucket_minutes)
            return EpisodeAlert(
                kind=kind,
                target=self.target,
                episode=self.episode,
                bucket=at,
                detected_bucket=bucket,
                time=start,
                detected_at=detected,
                level=level,
                baseline=base,
                series=series,
            )

        if not self.open:
            if self._opens(level, base):
                self.open = True
                self.episode += 1
                self.reported_level = level
                self.near_buckets = 0
                alerts.append(make("open", min(self.cusum_start, bucket), self._series()))
        else:
            if level >= o.escalate_factor * self.reported_level:
                self.reported_level = level
                alerts.append(make("escalate", bucket, self._series()))
            near = level <= o.close_ratio * base or level < 0.5 * o.min_posts
            self.near_buckets = self.near_buckets + 1 if near else 0
            if self.near_buckets >= o.close_buckets:
                self.open = False
                self.cusum = 0.0
                self.cusum_start = bucket + 1
                alerts.append(make("close", bucket, ("target_posts",)))
        self._learn(c, posts, in_degree)
        return alerts

    def _learn(self, c: float, posts: float | None, in_degree: float | None) -> None:
        """Update the baselines with one bucket (after it was judged against them)."""
        assert self._target is not None and self._posts is not None
        assert self._degree is not None
        o = self.options
        slow = o.frozen_factor if self.open else 1.0
        alpha = 1.0 - 0.5 ** (1.0 / (o.halflife * slow))
        self._target.update(c, alpha, o.clip, o.min_buckets)
        if posts is not None and math.isfinite(float(posts)):
            self._posts.update(float(posts), alpha, o.clip, o.min_buckets)
            # The share's baseline: a ratio of two unclipped means, so a crisis that
            # multiplies every kind of post leaves it where it was.
            self.share_target += alpha * (c - self.share_target)
            self.share_posts += alpha * (float(posts) - self.share_posts)
        if in_degree is not None and math.isfinite(float(in_degree)):
            self._degree.update(float(in_degree), alpha, o.clip, o.min_buckets)

    def _opens(self, level: float, base: float) -> bool:
        assert self._posts is not None and self._degree is not None
        o = self.options
        if self._target is None or self._target.seen < o.min_buckets:
            return False
        if self.cusum < o.threshold or level < o.ratio * base or level < o.min_posts:
            return False
        if self.recent_posts:
            k = min(len(self.recent_posts), self._k)
            total = sum(self.recent_posts[-k:]) / k
            share = level / total if total > 0 else 1.0
            base_share = min(self._base_share(), self.share_before)
            # Posts the target would get if it kept its share, `share_ratio` times over,
            # plus two Poisson standard deviations of that count.
            expected = o.share_ratio * base_share * total
            if share < o.focused_share and level < expected + 2.0 * math.sqrt(expected / k):
                return False
        if self.recent_degree:
            degree = sum(self.recent_degree) / len(self.recent_degree)
            if degree < o.in_degree_ratio * self._degree.get():
                return False
        return True

    def _base_share(self) -> float:
        return min(1.0, self.share_target / max(self.share_posts, 1e-12))

    def _series(self) -> tuple[str, ...]:
        names = ["target_posts"]
        if self.recent_degree:
            names.append("target_in_degree")
        names += sorted(k for k in self.support if k not in names)
        return tuple(names)


def monitor_counts(
    target_posts: Sequence[float] | np.ndarray,
    *,
    posts: Sequence[float] | np.ndarray | None = None,
    in_degree: Sequence[float] | np.ndarray | None = None,
    target: str = "@target",
    options: MonitorOptions | None = None,
    history: int = 0,
    times: Sequence[datetime] | None = None,
    bucket_minutes: int = 30,
    moved: Mapping[int, Sequence[str]] | None = None,
) -> list[EpisodeAlert]:
    """Run an :class:`EpisodeMonitor` over stored per-bucket counts.

    Args:
        target_posts: Target posts per bucket.
        posts: All posts per bucket (None: no share rule).
        in_degree: The target's in-degree per bucket (None: no in-degree rule).
        target: The target's name for the alerts.
        options: The monitor's settings.
        history: The first ``history`` buckets only prime the baselines (bucket
            numbers then count from the first bucket after them).
        times: Start of every bucket (None: alerts carry no times).
        bucket_minutes: Bucket length.
        moved: Bucket -> series with an upward change point there.

    Returns:
        The alerts, in order. Bucket numbers count from the first value given.
    """
    monitor = EpisodeMonitor(target, options or MonitorOptions())
    alerts: list[EpisodeAlert] = []
    for i, c in enumerate(target_posts):
        alerts += monitor.update(
            c,
            posts=None if posts is None else posts[i],
            in_degree=None if in_degree is None else in_degree[i],
            moved=() if moved is None else moved.get(i, ()),
            time=None if times is None else times[i],
            bucket_minutes=bucket_minutes,
            history=i < history,
        )
    return alerts
