"""Evaluation (paper C10, Figure 7) on hand-made change points: every number is exact."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from crowdpulse.detect import Alert
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.firestorm import (
    ChangePoints,
    GroundTruth,
    category_counts,
    category_of,
    closest_changepoint,
    evaluate_event,
    evaluate_events,
    is_found,
)


def truth(start: int | None, peak_in: int | None, peak_posts: int | None, n: int = 400):
    zeros = np.zeros(n, dtype=np.int64)
    return GroundTruth(
        target="@klm",
        kind="mention",
        origin=datetime(2015, 11, 6, tzinfo=UTC),
        bucket_minutes=30,
        min_count=1,
        posts=zeros + 10,
        target_posts=zeros,
        top_other=zeros,
        max_in_degree=zeros,
        window_buckets=24,
        start_bucket=start,
        peak_in_degree_bucket=peak_in,
        peak_posts_bucket=peak_posts,
    )


def cps(*items: tuple[str, int, int, str]) -> ChangePoints:
    """(series, bucket, detected bucket or -1, direction)."""
    return ChangePoints(
        series=[i[0] for i in items],
        bucket=np.asarray([i[1] for i in items], dtype=np.int64),
        detected=np.asarray([i[2] for i in items], dtype=np.int64),
        direction=[i[3] for i in items],
    )


def test_closest_change_point_offsets_ties_and_delay() -> None:
    points = cps(
        ("lex_i:all", 197, 198, "down"),
        ("lex_posemo:all", 203, 204, "down"),
        ("lex_netspeak:mention", 197, 199, "up"),
        ("target_posts", 201, 202, "up"),
    )
    # 197 and 203 are both 3 away from 200... but 201 is closer.
    c = closest_changepoint(points, 200)
    assert (c.bucket, c.offset_buckets, c.offset_hours) == (201, 1, 0.5)
    assert c.series == ("target_posts",)
    assert c.detected_bucket == 202
    assert c.detection_delay_hours == 1.5  # end of bucket 202 is 3 buckets after 200
    # Without 201: a tie between 197 and 203 goes to the earlier one; both series at
    # 197 gave it; the earliest detection counts.
    c = closest_changepoint(points.select(lambda s: s != "target_posts"), 200)
    assert (c.bucket, c.offset_hours) == (197, -1.5)
    assert c.series == ("lex_i:all", "lex_netspeak:mention")
    assert c.detected_bucket == 198
    assert c.detection_delay_hours == -0.5  # known half an hour before the start
    # Other bucket lengths.
    assert closest_changepoint(points, 200, bucket_minutes=60).offset_hours == 1.0
    # Nothing to measure.
    empty = closest_changepoint(points, None)
    assert empty.bucket is None and empty.offset_hours is None
    assert closest_changepoint(cps(), 5).bucket is None


def test_offline_change_points_have_no_delay() -> None:
    points = cps(("lex_i:all", 10, -1, "up"))
    c = closest_changepoint(points, 12)
    assert c.offset_hours == -1.0 and c.detection_delay_hours is None
    assert not points.streaming


def test_is_found() -> None:
    points = cps(
        ("target_posts", 99, 100, "up"),
        ("lex_i:all", 100, 101, "up"),
        ("mention_net:max_in_degree", 103, 104, "up"),
        ("mention_net:max_in_degree", 101, 102, "down"),
    )
    assert is_found(points, 100)  # target_posts one bucket early
    assert is_found(points, 102, tolerance=1)  # max in-degree at 103... only 'up' counts
    assert not is_found(points, 101, series=("mention_net:max_in_degree",))
    assert is_found(points, 101, series=("mention_net:max_in_degree",), direction="any")
    assert not is_found(points, 97)
    assert not is_found(points, 97, series=("lex_i:all",), tolerance=2)
    assert is_found(points, 98, series=("lex_i:all",), tolerance=2)
    assert not is_found(points, None)


def test_evaluate_event_numbers() -> None:
    t = truth(start=200, peak_in=210, peak_posts=206)
    points = cps(
        ("lex_i:all", 199, 200, "down"),  # 0.5 h before the start
        ("lex_posemo:mention", 211, 212, "down"),  # 0.5 h after the in-degree peak
        ("lex_emo:all", 205, 207, "up"),  # 0.5 h before the posts peak
        ("lex_they:all", 152, 153, "up"),  # near the control one day before
        ("target_posts", 200, 201, "up"),  # not lexical
    )
    e = evaluate_event(t, points, event="e1")
    assert e.group == "lexical" and e.mode == "stream"
    assert e.closest["start"].offset_hours == -0.5
    assert e.closest["start"].series == ("lex_i:all",)
    assert e.closest["start"].detection_delay_hours == 0.5
    assert e.closest["peak_in_degree"].offset_hours == 0.5
    assert e.closest["peak_posts"].offset_hours == -0.5
    # First lexical alert raised in a bucket >= 200: lex_i:all in bucket 200.
    assert e.first_alert_delay_hours == 0.5
    assert e.first_alert_series == ("lex_i:all",)
    assert e.changepoints == 4
    assert e.changepoints_per_day == pytest.approx(4 / (400 / 48))
    # Controls at 152 (|0|), 104 (|152-104| = 48) and 56 (|152-56| = 96) buckets.
    assert e.control_abs_offset_hours == pytest.approx((0 + 48 + 96) / 3 * 0.5)
    assert e.found  # target_posts at the start
    network = evaluate_event(t, points, group="network")
    assert network.closest["start"].offset_hours == 0.0
    assert network.first_alert_delay_hours == 1.0
    assert network.changepoints == 1
    everything = evaluate_event(t, points, group="all")
    assert everything.closest["start"].series == ("target_posts",)
    # Another start (e.g. the planted one).
    moved = evaluate_event(t, points, start_bucket=198)
    assert moved.closest["start"].offset_hours == 0.5
    assert not moved.found
    d = e.to_dict()
    assert d["closest"]["start"]["series"] == ["lex_i:all"]
    with pytest.raises(ConfigError):
        evaluate_event(t, points, group="words")  # type: ignore[arg-type]


def test_evaluate_events_table_is_exact() -> None:
    t = truth(start=200, peak_in=210, peak_posts=206)
    offsets = [-1, 0, 3]  # buckets from the start: -0.5, 0, +1.5 h
    evaluations = []
    for k, off in enumerate(offsets):
        points = cps(
            ("lex_i:all", 200 + off, 200 + off + 1, "down"),
            ("lex_netspeak:all", 210 + k, 210 + k + 2, "up"),
        )
        evaluations.append(evaluate_event(t, points, event=f"e{k}"))
    table = evaluate_events(evaluations).to_pylist()
    rows = {r["measure"]: r for r in table}
    start = rows["start"]
    assert start["events"] == 3
    assert start["mean_hours"] == pytest.approx(1 / 3)
    assert start["sd_hours"] == pytest.approx(
        math.sqrt(((-0.5 - 1 / 3) ** 2 + (1 / 3) ** 2 + (1.5 - 1 / 3) ** 2) / 2)
    )
    assert start["median_hours"] == 0.0
    assert (start["min_hours"], start["max_hours"]) == (-0.5, 1.5)
    assert (start["paper_mean_hours"], start["paper_sd_hours"]) == (-0.55, 2.34)
    # in-degree peak at 210: netspeak at 210, 211, 212 -> 0, 0.5, 1.0 h
    assert rows["peak_in_degree"]["mean_hours"] == pytest.approx(0.5)
    assert rows["peak_in_degree"]["sd_hours"] == pytest.approx(0.5)
    # detection of the change point closest to the start: one bucket after it, so
    # (c + 1 + 1 - 200) buckets: 0.5, 1.0, 2.5 h
    assert rows["closest_detection_delay"]["mean_hours"] == pytest.approx(4.0 / 3)
    assert rows["start_abs_offset"]["mean_hours"] == pytest.approx((0.5 + 0 + 1.5) / 3)
    assert rows["found"]["mean_hours"] == 0.0
    assert rows["closest_detection_delay"]["paper_sd_hours"] is None
    with pytest.raises(ConfigError):
        evaluate_events([])
    other = evaluate_event(t, cps(("target_posts", 200, 201, "up")), group="network")
    with pytest.raises(ConfigError, match="mix"):
        evaluate_events([evaluations[0], other])


def test_single_event_has_no_sd() -> None:
    t = truth(start=200, peak_in=None, peak_posts=None)
    e = evaluate_event(t, cps(("lex_i:all", 202, 203, "up")))
    rows = {r["measure"]: r for r in evaluate_events([e]).to_pylist()}
    assert rows["start"]["mean_hours"] == 1.0
    assert math.isnan(rows["start"]["sd_hours"])
    assert rows["peak_in_degree"]["events"] == 0
    assert math.isnan(rows["peak_in_degree"]["mean_hours"])


def test_category_counts_figure7() -> None:
    t = truth(start=100, peak_in=None, peak_posts=None)
    events = [
        cps(("lex_netspeak:all", 100, 101, "up"), ("lex_netspeak:mention", 100, 101, "up")),
        cps(("lex_netspeak:all", 99, 100, "up"), ("lex_i:all", 99, 100, "down")),
        cps(("lex_i:mention", 101, 102, "down"), ("lex_posemo:all", 104, 105, "down")),
    ]
    evaluations = [evaluate_event(t, p) for p in events]
    counts = category_counts(evaluations)
    # netspeak: both subsets in event 1 count once; ties are sorted by name
    assert counts.to_pylist() == [
        {"category": "i", "events": 2},
        {"category": "netspeak", "events": 2},
    ]
    assert category_of("lex_netspeak:mention") == "netspeak"
    assert category_of("target_posts") == "target_posts"
    with pytest.raises(ConfigError):
        category_counts(evaluations, reference="middle")


def test_change_points_from_alerts_and_records() -> None:
    t0 = datetime(2015, 11, 6, tzinfo=UTC)
    alerts = [
        Alert("lex_i:all", 40, t0, "down", -1.0, 3.0, detected_bucket=41, detected_at=t0),
        Alert("posts", 45, t0, "up", 2.0, 4.0, detected_bucket=47, detected_at=t0),
    ]
    assert [a.delay for a in alerts] == [1, 2] and alerts[0].index == 40
    points = ChangePoints.from_alerts(alerts)
    assert points.bucket.tolist() == [40, 45]
    assert points.detected.tolist() == [41, 47]
    assert points.streaming
    records = ChangePoints.from_records(
        [{"series": "a", "bucket": 3, "detected_bucket": None}, {"series": "b", "bucket": "4"}]
    )
    assert records.detected.tolist() == [-1, -1]
    assert records.direction == ["up", "up"]
    with pytest.raises(InputError):
        ChangePoints.from_records([{"series": "a"}])
    with pytest.raises(ConfigError):
        ChangePoints(["a"], np.array([1, 2]), np.array([1]), ["up"])
