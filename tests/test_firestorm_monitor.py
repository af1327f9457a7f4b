"""The early-warning monitor: episodes, baselines, state, evaluation on generated streams."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from crowdpulse.exceptions import ConfigError
from crowdpulse.firestorm import (
    EpisodeMonitor,
    MonitorOptions,
    evaluate_early_warning,
    generate_stream,
    monitor_counts,
)
from crowdpulse.firestorm.earlywarning import SCENARIOS

T0 = datetime(2017, 6, 1, tzinfo=UTC)


def kinds(alerts: list) -> list[tuple[str, int, int]]:
    return [(a.kind, a.bucket, a.detected_bucket) for a in alerts]


def test_open_escalate_close_on_a_hand_made_storm() -> None:
    quiet = [2, 1, 3, 2, 2, 1, 2, 3]
    storm = [30, 40, 70, 90, 160, 150, 100, 60, 30, 10]
    after = [2, 1, 2, 3, 2, 1, 2, 2, 1, 2]
    counts = quiet + storm + after
    times = [T0 + timedelta(minutes=30 * k) for k in range(len(counts))]
    alerts = monitor_counts(counts, posts=[c + 50 for c in counts], times=times, target="@x")
    # Open at the first storm bucket (8); levels (mean of 2 buckets) 35, 55, 80: one
    # escalate at 11 (80 >= 2 x 30); 125, 155, 125 never double 80 again; close after 6
    # buckets back near the baseline (18 is still 6 posts: 19-24).
    assert kinds(alerts) == [("open", 8, 8), ("escalate", 11, 11), ("close", 24, 24)]
    opened = alerts[0]
    # Baseline: the median of the first 4 buckets (2), then a winsorised EWMA.
    assert opened.level == 30.0 and opened.baseline == pytest.approx(2.0132, abs=1e-4)
    assert opened.time == T0 + timedelta(hours=4)
    assert opened.detected_at == T0 + timedelta(hours=4, minutes=30)
    record = opened.to_record()
    assert record["time"] == "2017-06-01T04:00:00Z" and record["ratio"] == 14.902
    assert record["series"] == ["target_posts"] and record["kind"] == "open"
    assert {a.episode for a in alerts} == {1}
    # Levels at the escalations at least double the last reported level.
    assert alerts[1].level == 80.0 >= 2 * opened.level


def test_no_open_below_the_minimum_or_the_ratio() -> None:
    flat = [4.0] * 40
    assert monitor_counts(flat) == []
    # 3x the baseline but under 10 posts a bucket.
    assert monitor_counts([2.0] * 10 + [8.0] * 10) == []
    # At least 10 posts a bucket but only 2x the baseline of 8.
    assert monitor_counts([8.0] * 10 + [16.0] * 10) == []
    # A lower minimum opens the second one... no: the ratio still blocks it.
    low = MonitorOptions(min_posts=5)
    assert monitor_counts([8.0] * 10 + [16.0] * 10, options=low) == []
    assert kinds(monitor_counts([2.0] * 10 + [8.0] * 10, options=low))[0][0] == "open"


def test_share_and_in_degree_rules() -> None:
    base = [3.0] * 10
    rise = [30.0] * 6
    counts = base + rise
    # The whole collection grew with the target (a crisis): its share did not rise.
    crisis = [100.0] * 10 + [1000.0] * 6
    assert monitor_counts(counts, posts=crisis) == []
    # The target's share rose: a storm.
    storm = [100.0] * 10 + [130.0] * 6
    assert kinds(monitor_counts(counts, posts=storm))[0] == ("open", 10, 10)
    # One account repeating itself: the in-degree does not follow.
    assert monitor_counts(counts, in_degree=[3.0] * 10 + [3.0] * 6) == []
    assert monitor_counts(counts, in_degree=[3.0] * 10 + [25.0] * 6) != []


def test_warm_up_history_and_first_buckets() -> None:
    # A storm in bucket 4 of a collection (2 h after it started) is found at once (the
    # CUSUM's change point is bucket 3, where the evidence began to add up: 2 > 1.82).
    assert kinds(monitor_counts([1.0, 2.0, 1.0, 2.0, 40.0, 50.0]))[:1] == [("open", 3, 4)]
    # Before min_buckets of data nothing opens.
    assert monitor_counts([1.0, 2.0, 40.0, 50.0]) == []
    # History counts as data: primed with 4 quiet buckets, bucket 0 can open.
    alerts = monitor_counts([1.0, 2.0, 1.0, 2.0, 40.0, 50.0], history=4)
    assert kinds(alerts)[:1] == [("open", 0, 0)]
    assert alerts[0].baseline == 1.5  # the median of the history
    # A busy history raises the baseline: the same rise is not 3x of it.
    assert monitor_counts([30.0] * 8 + [40.0, 50.0], history=8) == []


def test_supporting_series_are_listed() -> None:
    counts = [2.0] * 8 + [40.0] * 3
    alerts = monitor_counts(counts, in_degree=[2.0] * 8 + [30.0] * 3, moved={7: ["lex_anger:all"]})
    assert alerts[0].series == ("target_posts", "target_in_degree", "lex_anger:all")
    # Older than support_buckets: not listed.
    alerts = monitor_counts(counts, moved={2: ["lex_anger:all"]})
    assert alerts[0].series == ("target_posts",)


def test_state_round_trip_and_constant_size() -> None:
    rng = np.random.default_rng(5)
    counts = np.r_[rng.poisson(3, 300), rng.poisson(60, 40), rng.poisson(3, 300)].astype(float)
    posts = counts + rng.poisson(80, counts.size)
    whole = EpisodeMonitor("@x")
    expected = [a for i in range(counts.size) for a in whole.update(counts[i], posts=posts[i])]
    assert [a.kind for a in expected][:1] == ["open"]
    first = EpisodeMonitor("@x")
    got = [a for i in range(320) for a in first.update(counts[i], posts=posts[i])]
    size = len(pickle.dumps(first.state()))
    second = EpisodeMonitor.from_state(pickle.loads(pickle.dumps(first.state())))
    got += [a for i in range(320, counts.size) for a in second.update(counts[i], posts=posts[i])]
    assert got == expected
    for i in range(5000):
        second.update(float(i % 9), posts=100.0, moved=[f"lex_{i % 3}:all"])
    assert len(pickle.dumps(second.state())) <= size + 64


def test_options_are_checked() -> None:
    with pytest.raises(ConfigError):
        MonitorOptions(ratio=1.0)
    with pytest.raises(ConfigError):
        MonitorOptions(min_buckets=9)  # the bound: alert after at most 8 buckets
    with pytest.raises(ConfigError):
        MonitorOptions(min_posts=float("nan"))
    with pytest.raises(ConfigError, match="unknown monitor option"):
        MonitorOptions.from_mapping({"ratio": 4, "bogus": 1})
    assert MonitorOptions.from_mapping({"ratio": 4}).ratio == 4


def test_generator_is_seeded_and_has_its_truth() -> None:
    a, b = generate_stream(7), generate_stream(7)
    np.testing.assert_array_equal(a.target_posts, b.target_posts)
    assert a.scenario == SCENARIOS[7 % len(SCENARIOS)]
    storm = generate_stream(0)
    assert storm.scenario == "abrupt" and len(storm.storms) == 1
    start, end = storm.storms[0]
    assert storm.lead_hours is not None and start == round(storm.lead_hours * 2)
    assert storm.target_posts[start:end].mean() > 5 * storm.target_posts[:start].mean()
    assert (storm.in_degree <= storm.target_posts).all()
    assert (storm.posts >= storm.target_posts).all()
    assert generate_stream(6).storms == []  # quiet


def test_evaluation_on_a_few_streams() -> None:
    evaluation = evaluate_early_warning(range(18))
    summary = evaluation.summary()
    assert summary["streams"] == 18 and summary["storm_streams"] == 12
    assert summary["found"] == 12
    # Seeded: exact. 5 false episodes in 46.6 stream-days (seeds 8, 15, 16).
    assert summary["false_episodes"] == 5
    assert [r["seed"] for r in evaluation.rows if r["false_episodes"]] == [8, 15, 16]
    assert summary["median_delay_hours"] == 0.5
    assert summary["max_delay_hours"] == 2.5
    assert {r["scenario"] for r in evaluation.rows} == set(SCENARIOS)


def test_alert_timeline_marks_every_alert(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import crowdpulse.firestorm.figures as figures
    from crowdpulse.figures import save_figure

    kept = []

    def capture(figure, path):  # type: ignore[no-untyped-def]
        kept.append(figure)
        return save_figure(figure, path)

    monkeypatch.setattr(figures, "save_figure", capture)
    counts = [2, 1, 3, 2, 2, 1, 2, 3] + [30, 40, 70, 90, 160, 150, 100, 60, 30, 10] + [2] * 10
    times = [T0 + timedelta(minutes=30 * k) for k in range(len(counts))]
    alerts = monitor_counts(counts, times=times, target="@x")
    png, svg = figures.plot_alert_timeline(
        times, counts, alerts, tmp_path / "timeline", posts=[c + 50 for c in counts], title="t"
    ).paths
    assert png.stat().st_size > 0 and svg.stat().st_size > 0
    axis = kept[0].axes[0]
    marks = {
        line.get_gid(): (line.get_xdata()[0], float(line.get_ydata()[0]))
        for line in axis.get_lines()
        if str(line.get_gid()).startswith("alert-")
    }
    # One marker per alert, at the end of its detecting bucket and at its level.
    assert set(marks) == {"alert-open-1-8", "alert-escalate-1-11", "alert-close-1-24"}
    x, y = marks["alert-open-1-8"]
    assert x == np.datetime64("2017-06-01T04:30:00") and y == 30.0
    assert marks["alert-escalate-1-11"][1] == 80.0
    target = next(line for line in axis.get_lines() if line.get_gid() == "series-target")
    np.testing.assert_array_equal(target.get_ydata(), counts)
    spans = [p for p in axis.patches if p.get_gid() == "episode-1"]
    assert len(spans) == 1
    with pytest.raises(ConfigError):
        figures.plot_alert_timeline(times[:3], counts, alerts, tmp_path / "bad")
