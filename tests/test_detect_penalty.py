"""Penalty selection: the paper's elbow rule, CROPS and the default penalty."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from crowdpulse.detect import (
    PAPER_PENALTIES,
    Pelt,
    auto_penalty,
    changepoint_scores,
    crops,
    elbow_index,
    elbow_penalty,
    long_run_scale,
    noise_scale,
    piecewise_signal,
    select_elbow,
)
from crowdpulse.exceptions import ConfigError


def test_elbow_rule_picks_largest_absolute_second_difference():
    # counts for penalties 2..10; second differences at 3..9: 3, 1, 0, 0, 1, 0, 0
    counts = [10, 5, 3, 2, 1, 0, 0, 0, 0]
    assert elbow_penalty(counts) == 3.0
    # a sharper bend later wins
    counts = [6, 6, 6, 6, 1, 1, 1, 1, 1]
    assert elbow_penalty(counts) == 5.0  # |1 + 6 - 12| = 5 at penalty 5 (and at 6)


def test_elbow_ties_go_to_the_smallest_penalty_and_ends_are_never_chosen():
    assert elbow_penalty([4, 4, 4, 4, 4, 4, 4, 4, 4]) == 3.0  # all zero: first interior
    assert elbow_penalty([8, 7, 6, 5, 4, 3, 2, 1, 0]) == 3.0  # linear: all zero
    idx = elbow_index(np.array([[0, 9, 0, 9, 0], [1, 1, 1, 1, 1]]))
    assert idx.tolist() == [1, 1]
    with pytest.raises(ConfigError):
        elbow_penalty([1, 2])
    with pytest.raises(ConfigError):
        elbow_penalty([1, 2, 3], penalties=[2, 3, 4, 5])
    with pytest.raises(ConfigError):
        elbow_penalty([1, 2, 3], penalties=[4, 3, 2])


def test_select_elbow_runs_pelt_for_each_penalty():
    rng = np.random.default_rng(4)
    signal = np.r_[rng.normal(0, 1, 25), rng.normal(3, 1, 24)]
    choice = select_elbow(signal)
    assert choice.penalties == list(PAPER_PENALTIES)
    algo = Pelt(cost="normal-mean", min_size=2).fit(signal)
    assert choice.counts == [len(algo.changepoints(p)) for p in PAPER_PENALTIES]
    assert choice.penalty == elbow_penalty(choice.counts)
    assert choice.changepoints == algo.changepoints(choice.penalty)


def penalised_cost(algo: Pelt, pen: float) -> tuple[int, float]:
    bkps = algo.predict(pen)
    return len(bkps) - 1, algo.segmentation_cost(bkps) + pen * len(bkps)


@pytest.mark.parametrize("cost", ["normal-mean", "normal-meanvar", "poisson"])
def test_crops_path_matches_pelt_on_a_penalty_grid(cost):
    rng = np.random.default_rng(12)
    rate = np.r_[np.full(40, 3.0), np.full(30, 9.0), np.full(40, 5.0)]
    signal = rng.poisson(rate).astype(float) if cost == "poisson" else rng.normal(rate, 1.5)
    path = crops(signal, pen_min=0.5, pen_max=60.0, cost=cost)
    # intervals tile [0.5, 60] in order, change-point counts strictly fall
    assert path[0].pen_min == 0.5 and path[-1].pen_max == 60.0
    for left, right in itertools.pairwise(path):
        assert left.pen_max == pytest.approx(right.pen_min)
        assert left.n_changepoints > right.n_changepoints
    # at any penalty inside an interval, PELT's optimum has that segmentation's cost
    algo = Pelt(cost=cost, min_size=2, pruning="safe").fit(signal)
    for seg in path:
        lo, hi = seg.pen_min, seg.pen_max
        if hi - lo < 1e-6:
            continue
        pen = lo + (hi - lo) * 0.37
        n_cp, value = penalised_cost(algo, pen)
        assert n_cp == seg.n_changepoints
        assert value == pytest.approx(seg.cost + pen * (seg.n_changepoints + 1), rel=1e-9)
    with pytest.raises(ConfigError):
        crops(signal, pen_min=5, pen_max=1)


def test_crops_single_segmentation_when_range_is_flat():
    signal = np.r_[np.zeros(20), np.full(20, 10.0)]
    path = crops(signal, pen_min=1, pen_max=2)
    assert len(path) == 1
    assert path[0].changepoints == [20]
    assert (path[0].pen_min, path[0].pen_max) == (1.0, 2.0)


def test_noise_scale_is_robust_to_level_shifts():
    rng = np.random.default_rng(8)
    noise = rng.normal(0, 2.0, 2000)
    shifted = noise + np.repeat([0, 50, -30, 80], 500)
    assert noise_scale(noise)[0] == pytest.approx(4.0, rel=0.15)
    assert noise_scale(shifted)[0] == pytest.approx(4.0, rel=0.15)
    assert noise_scale(np.ones(10))[0] == 1.0  # constant: falls back to 1


def test_auto_penalty_formulas():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 3.0, 500)
    log_n = math.log(500)
    assert auto_penalty(x, "normal-mean") == pytest.approx(3 * log_n * 9.0, rel=0.25)
    assert auto_penalty(x, "normal-meanvar") == pytest.approx(4 * log_n)
    assert auto_penalty(np.c_[x, x], "normal-meanvar") == pytest.approx(7 * log_n)
    counts = rng.poisson(20, 500).astype(float)
    # Poisson counts: dispersion about 1 (the MAD of integer differences is coarse)
    assert 3 * log_n <= auto_penalty(counts, "poisson") <= 4.5 * log_n
    overdispersed = rng.negative_binomial(2, 0.05, 500).astype(float)  # mean 38, var ~760
    assert auto_penalty(overdispersed, "poisson") > 5 * 3 * log_n
    with pytest.raises(ConfigError):
        auto_penalty(x, "l1")


def test_long_run_scale_allows_for_autocorrelation():
    rng = np.random.default_rng(3)
    white = rng.normal(0, 1, 5000)
    ar = np.empty(5000)
    ar[0] = 0.0
    for i in range(1, 5000):
        ar[i] = 0.5 * ar[i - 1] + rng.normal(0, math.sqrt(0.75))  # unit variance, phi 0.5
    assert long_run_scale(white)[0] == pytest.approx(1.0, rel=0.2)
    assert long_run_scale(ar)[0] == pytest.approx(3.0, rel=0.25)  # (1 + phi) / (1 - phi)
    assert noise_scale(ar)[0] == pytest.approx(0.5, rel=0.2)  # what differences alone see


def test_scores_and_piecewise_signals():
    sc = changepoint_scores([10, 52, 90], [50, 100], tolerance=5)
    assert (sc.tp, sc.fp, sc.fn) == (1, 2, 1)
    assert sc.precision == pytest.approx(1 / 3) and sc.recall == 0.5
    assert changepoint_scores([], [], 3).f1 == 1.0
    assert changepoint_scores([5, 6], [5], 3).tp == 1  # one true change, one match
    for kind in ("gaussian", "student-t", "ar1", "poisson", "negbin"):
        x, truth = piecewise_signal(200, 3, noise=kind, min_spacing=20, seed=4)
        assert x.shape == (200,) and len(truth) == 3
        assert all(b - a >= 20 for a, b in zip([0, *truth], [*truth, 200], strict=True))
        again, _ = piecewise_signal(200, 3, noise=kind, min_spacing=20, seed=4)
        assert np.array_equal(x, again)
    with pytest.raises(ConfigError):
        piecewise_signal(50, 10, min_spacing=10)


def test_auto_penalty_finds_planted_changes_without_false_alarms():
    rng = np.random.default_rng(21)
    hits = 0
    for _ in range(20):
        noise_sd = rng.uniform(0.1, 10)
        signal = rng.normal(0, noise_sd, 300)
        signal[150:] += 4 * noise_sd
        found = Pelt(cost="normal-mean").fit(signal).changepoints(auto_penalty(signal))
        hits += found == [150] or (len(found) == 1 and abs(found[0] - 150) <= 2)
    assert hits >= 18
