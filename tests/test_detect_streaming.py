"""Many windows at once, and the constant-memory streaming detector."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from crowdpulse.detect import (
    PAPER_PENALTIES,
    Alert,
    ChangePoint,
    Pelt,
    StreamingDetector,
    detect_stream,
    elbow_index,
    pelt_windows,
    select_elbow,
    sliding_windows,
)
from crowdpulse.exceptions import ConfigError, InputError


@pytest.mark.parametrize("cost", ["normal-mean", "normal-meanvar", "poisson"])
@pytest.mark.parametrize("pruning", ["standard", "safe"])
def test_pelt_windows_equals_pelt_window_by_window(cost, pruning):
    rng = np.random.default_rng(3)
    if cost == "poisson":
        windows = rng.poisson(rng.uniform(0.5, 10, size=(60, 1)), size=(60, 49)).astype(float)
        windows[:, 30:] *= 2
    else:
        windows = rng.normal(size=(60, 49)) * rng.uniform(0.3, 3, size=(60, 1))
        windows[:, 30:] += rng.normal(0, 2, size=(60, 1))
    result = pelt_windows(windows, PAPER_PENALTIES, cost=cost, pruning=pruning)
    assert result.counts.shape == (60, 9)
    for w in range(60):
        algo = Pelt(cost=cost, min_size=2, pruning=pruning).fit(windows[w])
        for j, pen in enumerate(PAPER_PENALTIES):
            assert result.get(w, j) == algo.changepoints(pen)
    assert np.array_equal(result.elbow(), elbow_index(result.counts))
    choice = select_elbow(windows[0], cost=cost, pruning=pruning)
    assert choice.penalty == PAPER_PENALTIES[result.elbow()[0]]


def test_pelt_windows_errors_and_sliding_windows():
    with pytest.raises(ConfigError):
        pelt_windows(np.zeros((2, 5)), cost="l1")
    with pytest.raises(InputError):
        pelt_windows(np.array([[1.0, np.nan, 2.0]]))
    with pytest.raises(ConfigError):
        pelt_windows(np.zeros((2, 1)), min_size=2)
    wins = sliding_windows(np.arange(10.0), 4)
    assert wins.shape == (7, 4)
    assert wins[2].tolist() == [2.0, 3.0, 4.0, 5.0]
    with pytest.raises(ConfigError):
        sliding_windows(np.arange(3.0), 4)


def planted(seed: int, n_series: int = 3, n: int = 200, at: int = 120) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.normal(5.0, 0.5, size=(n, n_series))
    values[at:, 0] += 3.0  # series 0 jumps up at `at`
    values[at:, 1] -= 3.0  # series 1 drops
    return values


def test_detector_alerts_on_planted_changes_soon_after_they_start():
    values = planted(0)
    det = StreamingDetector()
    alerts: list[Alert] = []
    for t, row in enumerate(values):
        alerts += det.update(t, {"up": row[0], "down": row[1], "flat": row[2]})
    near = [a for a in alerts if abs(a.index - 120) <= 1]
    assert {a.series for a in near} == {"up", "down"}
    up = next(a for a in near if a.series == "up")
    down = next(a for a in near if a.series == "down")
    assert up.direction == "up" and up.magnitude == pytest.approx(3.0, abs=1.0)
    assert down.direction == "down" and down.magnitude < -2
    assert up.time == up.index and up.detected_at == up.index + up.delay
    assert 1 <= up.delay <= 3  # the newest segment needs min_size values
    assert set(up.to_dict()) >= {"time", "series", "direction", "magnitude", "index"}
    assert det.series_ == ["up", "down", "flat"]


def test_alerts_are_streaming_change_points():
    alerts = detect_stream(planted(0), times=[f"t{k}" for k in range(200)])
    assert Alert is ChangePoint and alerts
    for a in alerts:
        assert isinstance(a, ChangePoint) and a.streaming
        assert a.bucket == a.index and a.detected_bucket == a.bucket + a.delay
        assert a.time == f"t{a.bucket}" and a.detected_at == f"t{a.detected_bucket}"
    offline = ChangePoint("x", 3, "t3", "down", -1.0, 2.0)
    assert not offline.streaming and offline.delay == 0 and offline.detected_at is None
    assert offline.to_dict()["detected_bucket"] is None
    with pytest.raises(AttributeError):
        offline.bucket = 4  # type: ignore[misc]


def test_same_change_alerts_once_as_the_window_slides():
    values = planted(1)
    for recent in (2, 5, 10):
        alerts = detect_stream(values, recent=recent)
        near = [a for a in alerts if a.series == "0" and abs(a.index - 120) <= 3]
        assert len(near) == 1, recent


@pytest.mark.parametrize("recent", [2, 4])
def test_detect_stream_equals_feeding_the_detector(recent):
    rng = np.random.default_rng(5)
    values = rng.normal(size=(260, 4)).cumsum(axis=0) * 0.3 + rng.normal(size=(260, 4))
    values[40:45, 2] = np.nan  # gaps are carried forward
    values[:30, 3] = np.nan  # a series that starts late
    det = StreamingDetector(recent=recent, window=30)
    stepwise = []
    times = [f"t{i}" for i in range(260)]
    for t, row in zip(times, values, strict=True):
        stepwise += det.update(t, dict(zip("abcd", row, strict=True)))
    batch = detect_stream(values, times=times, names=list("abcd"), recent=recent, window=30)
    assert stepwise == batch
    assert len(batch) > 5


def test_state_is_constant_in_the_number_of_updates():
    rng = np.random.default_rng(2)
    det = StreamingDetector()
    names = [f"s{i}" for i in range(20)]
    sizes = []
    for t in range(1500):
        det.update(t, dict(zip(names, rng.normal(size=20), strict=True)))
        if t in (100, 1499):
            sizes.append(det.state_nbytes())
    assert sizes[0] == sizes[1]
    assert sizes[1] < 20 * 49 * 8 + 4096
    # and the Python heap does not grow either
    tracemalloc.start()
    for t in range(1500, 1600):
        det.update(t, dict(zip(names, rng.normal(size=20), strict=True)))
    before, _ = tracemalloc.get_traced_memory()
    for t in range(1600, 2600):
        det.update(t, dict(zip(names, rng.normal(size=20), strict=True)))
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert after - before < 20_000


def test_missing_values_and_inputs():
    det = StreamingDetector(window=6)
    assert det.update(0, [1.0, 2.0]) == []
    assert det.series_ == ["0", "1"]
    det.update(1, [float("nan"), 3.0])  # repeats 1.0 for series 0
    det.update(2, {"0": 1.0})  # series 1 missing: repeats 3.0
    with pytest.raises(InputError):
        det.update(3, [[1.0], [2.0]])  # 2-D
    with pytest.raises(InputError):
        det.update(3, [1.0, float("inf")])
    with pytest.raises(ConfigError):
        StreamingDetector(window=3).update(0, [1.0])
    with pytest.raises(ConfigError):
        StreamingDetector(recent=0).update(0, [1.0])
    with pytest.raises(ConfigError):
        StreamingDetector(penalties=[2.0, 3.0]).update(0, [1.0])
    det.reset()
    assert det.series_ == [] and det.n_updates_ == 0


def test_poisson_stream_counts():
    rng = np.random.default_rng(9)
    counts = rng.poisson(np.r_[np.full(150, 4.0), np.full(60, 20.0)]).astype(float)
    alerts = detect_stream(counts, cost="poisson")
    assert any(abs(a.index - 150) <= 1 and a.direction == "up" for a in alerts)


@pytest.mark.parametrize("cost", ["normal-mean", "poisson"])
def test_compiled_step_equals_pelt_windows_and_the_elbow_rule(cost):
    from crowdpulse.detect.costs import COSTS
    from crowdpulse.detect.streaming import _recent_changes

    rng = np.random.default_rng(13)
    windows = rng.poisson(5.0, size=(300, 49)).astype(float)
    windows[:, 46:] += rng.integers(0, 12, size=(300, 1))  # many recent rises
    pens = np.asarray(PAPER_PENALTIES)
    for recent in (2, 3, 6):
        hits = _recent_changes(windows, pens, COSTS[cost].kernel, 2, False, recent)
        result = pelt_windows(windows, pens, cost=cost)
        chosen = elbow_index(result.counts)
        expected = []
        for row in range(300):
            cps = result.get(row, int(chosen[row]))
            bounds = [0, *cps, 49]
            for j, cp in enumerate(cps):
                if cp >= 49 - recent:
                    after, before = bounds[j + 2], bounds[j]
                    mag = windows[row, cp:after].mean() - windows[row, before:cp].mean()
                    expected.append((row, cp, mag, float(pens[chosen[row]])))
        assert [h[:2] for h in hits] == [e[:2] for e in expected]
        assert [h[3] for h in hits] == [e[3] for e in expected]
        assert np.allclose([h[2] for h in hits], [e[2] for e in expected])
        assert len(hits) > 5
