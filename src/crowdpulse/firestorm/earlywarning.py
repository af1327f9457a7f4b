"""Evaluation of early warning on generated streams with a known truth.

:func:`generate_stream` draws one stream at the level the monitor sees it: per
half-hour bucket the posts aimed at the target, all posts of the collection and
the target's in-degree (distinct accounts mentioning it), from a seeded
generator with these ingredients (every draw from ``numpy.random.default_rng(seed)``):

* **daily cycle**: every rate is multiplied by ``exp(a cos(2 pi (h - h_peak) / 24))``
  normalised to mean 1 (``a`` in 0.4..1.0, peak in the afternoon), so nights are
  3-7 times quieter than afternoons;
* **over-dispersed counts**: negative binomial with a mean-to-variance ratio drawn
  per stream (dispersion ``k`` in 5..30);
* **the target's baseline**: 1-5 target posts per bucket on average (up to 8 for
  large storms), in a collection of 20-300 posts per bucket, or, in a third of the
  streams, a collection *about* the target (all posts are the target's plus 0-3
  others);
* **collections** start 2-12 h before the storm (no-storm streams: at a random
  hour) and last 2-3 days;
* **storms** (``abrupt``, ``gradual``, ``two_waves``, ``night``, ``small``,
  ``large``): excess target posts with a peak of 30-300 per bucket (``small``:
  15-50, ``large``: 300-2,000), a rise that is abrupt (one bucket), or
  (``gradual``) a first step to 2-4 times the baseline followed by a geometric
  ramp to the peak over 1-4 h, a plateau of 1-6 h and an exponential decay
  (half-life 2-8 h); ``two_waves`` adds a second wave 8-20 h later; ``night``
  starts between 0:00 and 5:00. The storm's posts are in the collection too;
  distinct accounts are 60-95% of the posts;
* **news bursts** not aimed at the target (in a quarter of the streams and in all
  ``news`` streams): all posts x3-x10 for 1-4 h, the target's posts x1-x1.5;
* **busy crises** (``crisis`` streams, target = an official account): all posts
  x5-x20 over 2-6 h for 12-36 h, the official account's mentions rising in
  proportion (its share unchanged);
* **no storm** (``quiet``, ``news``, ``crisis``).

:func:`evaluate_early_warning` runs :func:`~crowdpulse.firestorm.monitor.monitor_counts`
on many seeds and reports the detection rate, the delay of the first ``open``
alert after the true start (the first bucket of the storm's excess; measured to
the end of the detecting bucket), and false episodes (``open`` alerts more than
one bucket before a storm starts, or after it ended, or in streams without a
storm) per stream-day. Constants were tuned on seeds 100000-100199 and are
reported on seeds 0-199 (``benchmarks/bench_earlywarning.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crowdpulse.firestorm.monitor import EpisodeAlert, MonitorOptions, monitor_counts

__all__ = [
    "SCENARIOS",
    "STORM_SCENARIOS",
    "EarlyWarningEvaluation",
    "GeneratedStream",
    "evaluate_early_warning",
    "generate_stream",
]

STORM_SCENARIOS: tuple[str, ...] = ("abrupt", "gradual", "two_waves", "night", "small", "large")
"""Scenarios with a storm aimed at the target."""

SCENARIOS: tuple[str, ...] = (*STORM_SCENARIOS, "quiet", "news", "crisis")
"""All scenarios; seed ``s`` draws ``SCENARIOS[s % len(SCENARIOS)]``."""

BUCKET_MINUTES = 30
_PER_HOUR = 60 // BUCKET_MINUTES


@dataclass
class GeneratedStream:
    """One generated stream and its truth.

    Attributes:
        seed: The seed.
        scenario: One of :data:`SCENARIOS`.
        target_posts: Target posts per bucket.
        posts: All posts per bucket.
        in_degree: Distinct accounts mentioning the target per bucket.
        storms: ``(start, end)`` buckets of each storm wave (end exclusive: the
            excess has fallen below 10% of the peak and below the baseline).
        lead_hours: Hours from the collection's start to the first storm (None
            without a storm).
        focused: The collection is about the target.
    """

    seed: int
    scenario: str
    target_posts: np.ndarray
    posts: np.ndarray
    in_degree: np.ndarray
    storms: list[tuple[int, int]] = field(default_factory=list)
    lead_hours: float | None = None
    focused: bool = False

    @property
    def days(self) -> float:
        """Length of the stream in days."""
        return self.target_posts.size * BUCKET_MINUTES / 1440.0


def _nb(rng: np.random.Generator, mean: np.ndarray, k: float) -> np.ndarray:
    """Negative binomial counts with the given means and dispersion ``k``."""
    mean = np.maximum(mean, 1e-9)
    return rng.poisson(rng.gamma(k, mean / k)).astype(np.float64)


def _storm_shape(
    rng: np.random.Generator, n: int, start: int, peak: float, base: float, gradual: bool
) -> tuple[np.ndarray, int]:
    """Excess rate of one wave; returns (excess, end bucket)."""
    t = np.arange(n) - start
    excess = np.zeros(n)
    if gradual:
        ramp = int(rng.integers(1 * _PER_HOUR, 4 * _PER_HOUR + 1))
        first = base * rng.uniform(2.0, 4.0)
        growth = (peak / first) ** (1.0 / ramp) if peak > first else 1.0
    else:
        ramp, first, growth = 0, peak, 1.0
    plateau = int(rng.integers(1 * _PER_HOUR, 6 * _PER_HOUR + 1))
    halflife = rng.uniform(2.0, 8.0) * _PER_HOUR
    rising = (t >= 0) & (t < ramp)
    excess[rising] = first * growth ** t[rising]
    top = (t >= ramp) & (t < ramp + plateau)
    excess[top] = peak
    after = t >= ramp + plateau
    excess[after] = peak * 0.5 ** ((t[after] - ramp - plateau) / halflife)
    below = np.flatnonzero(after & (excess < max(0.1 * peak, base)))
    end = int(below[0]) if below.size else n
    excess[end:] = 0.0
    return excess, end


def generate_stream(seed: int, scenario: str | None = None) -> GeneratedStream:
    """Draw one stream (see the module docstring).

    Args:
        seed: The seed (also picks the scenario when none is given).
        scenario: One of :data:`SCENARIOS`.

    Returns:
        The :class:`GeneratedStream`.
    """
    rng = np.random.default_rng(seed)
    scenario = scenario or SCENARIOS[seed % len(SCENARIOS)]
    storm = scenario in STORM_SCENARIOS
    days = rng.uniform(2.0, 3.0)
    n = int(days * 24 * _PER_HOUR)
    amplitude = rng.uniform(0.4, 1.0)
    peak_hour = rng.uniform(13.0, 20.0)
    k = rng.uniform(5.0, 30.0)
    lead = rng.uniform(2.0, 12.0) if storm else None
    if storm:
        assert lead is not None
        start = round(lead * _PER_HOUR)
        if scenario == "night":
            hour0 = (rng.uniform(0.0, 5.0) - lead) % 24.0
        else:
            hour0 = rng.uniform(0.0, 24.0)
    else:
        start = -1
        hour0 = rng.uniform(0.0, 24.0)
    hours = (hour0 + np.arange(n) / _PER_HOUR) % 24.0
    cycle = np.exp(amplitude * np.cos(2 * math.pi * (hours - peak_hour) / 24.0))
    cycle /= np.mean(np.exp(amplitude * np.cos(2 * math.pi * np.linspace(0, 24, 97) / 24.0)))
    focused = scenario != "crisis" and rng.random() < 1 / 3
    base = rng.uniform(1.0, 8.0 if scenario == "large" else 5.0)
    others_base = rng.uniform(0.0, 3.0) if focused else rng.uniform(20.0, 300.0)
    target_rate = base * cycle
    others_rate = others_base * cycle
    if scenario == "crisis":
        c0 = int(rng.integers(4 * _PER_HOUR, n // 2))
        rise = int(rng.integers(2 * _PER_HOUR, 6 * _PER_HOUR + 1))
        length = int(rng.integers(12 * _PER_HOUR, 36 * _PER_HOUR + 1))
        factor = rng.uniform(5.0, 20.0)
        t = np.arange(n) - c0
        boost = np.ones(n)
        up = (t >= 0) & (t < rise)
        boost[up] = factor ** (t[up] / rise)
        boost[(t >= rise) & (t < rise + length)] = factor
        tail = t >= rise + length
        boost[tail] = 1 + (factor - 1) * 0.5 ** ((t[tail] - rise - length) / (4 * _PER_HOUR))
        target_rate = target_rate * boost
        others_rate = others_rate * boost
    if scenario == "news" or rng.random() < 0.25:
        b0 = int(rng.integers(0, n - 8 * _PER_HOUR))
        length = int(rng.integers(1 * _PER_HOUR, 4 * _PER_HOUR + 1))
        burst = slice(b0, b0 + length)
        others_rate[burst] *= rng.uniform(3.0, 10.0)
        target_rate[burst] *= rng.uniform(1.0, 1.5)
    excess = np.zeros(n)
    storms: list[tuple[int, int]] = []
    if storm:
        if scenario == "small":
            peak = rng.uniform(15.0, 50.0)
        elif scenario == "large":
            peak = rng.uniform(300.0, 2000.0)
        else:
            peak = float(np.exp(rng.uniform(math.log(30.0), math.log(300.0))))
        gradual = scenario == "gradual" or (scenario != "abrupt" and rng.random() < 0.5)
        wave, end = _storm_shape(rng, n, start, peak, base, gradual)
        excess += wave
        storms.append((start, end))
        if scenario == "two_waves":
            second = start + int(rng.integers(8 * _PER_HOUR, 20 * _PER_HOUR + 1))
            if second < n - 2:
                wave2, end2 = _storm_shape(
                    rng, n, second, peak * rng.uniform(0.5, 1.5), base, rng.random() < 0.5
                )
                excess += wave2
                storms.append((second, end2))
    target = _nb(rng, target_rate, k) + _nb(rng, excess, k)
    share_distinct = rng.uniform(0.6, 0.95)
    degree = rng.binomial(target.astype(np.int64), share_distinct).astype(np.float64)
    posts = target + _nb(rng, others_rate, k)
    return GeneratedStream(
        seed=seed,
        scenario=scenario,
        target_posts=target,
        posts=posts,
        in_degree=degree,
        storms=storms,
        lead_hours=lead,
        focused=focused,
    )


@dataclass
class EarlyWarningEvaluation:
    """The result of :func:`evaluate_early_warning`.

    Attributes:
        rows: One dict per stream: ``seed``, ``scenario``, ``lead_hours``,
            ``storm`` (has one), ``found``, ``delay_hours`` (first ``open`` at or
            after one bucket before the start, measured from the start to the end of
            the detecting bucket), ``false_episodes``, ``days``, ``alerts`` (counts
            per kind).
    """

    rows: list[dict[str, Any]]

    def summary(self, *, min_lead_hours: float = 4.0) -> dict[str, Any]:
        """Detection rate, delays and false episodes per stream-day, per scenario too.

        Delays count only streams whose collection starts at least
        ``min_lead_hours`` before the storm.
        """
        storms = [r for r in self.rows if r["storm"]]
        found = [r for r in storms if r["found"]]
        delays = [
            r["delay_hours"]
            for r in found
            if r["lead_hours"] is not None and r["lead_hours"] >= min_lead_hours
        ]
        days = sum(r["days"] for r in self.rows)
        false = sum(r["false_episodes"] for r in self.rows)
        out: dict[str, Any] = {
            "streams": len(self.rows),
            "storm_streams": len(storms),
            "found": len(found),
            "detection_rate": len(found) / len(storms) if storms else math.nan,
            "delay_streams": len(delays),
            "median_delay_hours": float(np.median(delays)) if delays else math.nan,
            "p90_delay_hours": float(np.percentile(delays, 90)) if delays else math.nan,
            "max_delay_hours": float(max(delays)) if delays else math.nan,
            "stream_days": days,
            "false_episodes": false,
            "false_episodes_per_10_days": 10.0 * false / days if days else math.nan,
            "escalations_per_storm": (
                sum(r["alerts"].get("escalate", 0) for r in storms) / len(storms)
                if storms
                else math.nan
            ),
        }
        per: dict[str, Any] = {}
        for name in SCENARIOS:
            rows = [r for r in self.rows if r["scenario"] == name]
            if not rows:
                continue
            ds = [r["delay_hours"] for r in rows if r["found"]]
            per[name] = {
                "streams": len(rows),
                "found": sum(r["found"] for r in rows),
                "median_delay_hours": float(np.median(ds)) if ds else None,
                "false_episodes": sum(r["false_episodes"] for r in rows),
                "days": sum(r["days"] for r in rows),
            }
        out["scenarios"] = per
        return out


def _score(stream: GeneratedStream, alerts: Sequence[EpisodeAlert]) -> dict[str, Any]:
    opens = [a for a in alerts if a.kind == "open"]
    kinds: dict[str, int] = {}
    for a in alerts:
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
    found = False
    delay: float | None = None
    false = 0
    for a in opens:
        inside = any(s - 1 <= a.detected_bucket < e for s, e in stream.storms)
        if not inside:
            false += 1
    if stream.storms:
        start, end = stream.storms[0]
        first = [a for a in opens if start - 1 <= a.detected_bucket < end]
        if first:
            found = True
            delay = (first[0].detected_bucket + 1 - start) * BUCKET_MINUTES / 60.0
    return {
        "seed": stream.seed,
        "scenario": stream.scenario,
        "lead_hours": stream.lead_hours,
        "focused": stream.focused,
        "storm": bool(stream.storms),
        "found": found,
        "delay_hours": delay,
        "false_episodes": false,
        "days": stream.days,
        "alerts": kinds,
    }


def evaluate_early_warning(
    seeds: Sequence[int] = tuple(range(200)),
    *,
    options: MonitorOptions | None = None,
    in_degree: bool = True,
    share: bool = True,
) -> EarlyWarningEvaluation:
    """Run the monitor on generated streams and score it against their truth.

    Args:
        seeds: One stream per seed (scenario ``SCENARIOS[seed % 9]``).
        options: The monitor's settings (default: its defaults).
        in_degree: Give the monitor the target's in-degree.
        share: Give the monitor the collection's posts (share rule).

    Returns:
        The :class:`EarlyWarningEvaluation` (see its ``summary``).
    """
    rows = []
    for seed in seeds:
        stream = generate_stream(int(seed))
        alerts = monitor_counts(
            stream.target_posts,
            posts=stream.posts if share else None,
            in_degree=stream.in_degree if in_degree else None,
            options=options,
        )
        rows.append(_score(stream, alerts))
    return EarlyWarningEvaluation(rows)
