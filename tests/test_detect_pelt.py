"""PELT: equal to ruptures on random series, exact against brute force, conventions."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crowdpulse.detect import (
    COSTS,
    BaseCost,
    Pelt,
    bkps_to_changepoints,
    changepoints_to_bkps,
    detect_changepoints,
    make_cost,
    register_cost,
    segment,
)
from crowdpulse.exceptions import ConfigError, InputError, NotFittedError

try:
    import ruptures as rpt
except ImportError:  # the ruptures comparisons skip; the brute-force tests still run
    rpt = None

needs_ruptures = pytest.mark.skipif(rpt is None, reason="ruptures is not installed (dev extra)")

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@st.composite
def piecewise(draw, *, max_n: int = 90, counts: bool = False):
    """A random piecewise-constant signal with noise, plus PELT options."""
    n = draw(st.integers(min_value=2, max_value=max_n))
    n_cp = draw(st.integers(min_value=0, max_value=min(6, n - 1)))
    cps = sorted(draw(st.sets(st.integers(1, n - 1), min_size=n_cp, max_size=n_cp)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    bounds = [0, *cps, n]
    if counts:
        rates = [draw(st.floats(0.0, 30.0)) for _ in range(len(bounds) - 1)]
        lam = np.concatenate(
            [np.full(e - s, r) for s, e, r in zip(bounds, bounds[1:], rates, strict=False)]
        )
        signal = rng.poisson(lam).astype(float)
    else:
        means = [draw(st.floats(-10, 10)) for _ in range(len(bounds) - 1)]
        sds = [draw(st.floats(0.05, 5.0)) for _ in range(len(bounds) - 1)]
        signal = np.concatenate(
            [
                rng.normal(mu, sd, e - s)
                for s, e, mu, sd in zip(bounds, bounds[1:], means, sds, strict=False)
            ]
        )
    min_size = draw(st.integers(1, 6))
    pen = draw(st.floats(0.01, 60.0))
    return signal, min_size, pen


def ruptures_changepoints(signal, model, min_size, pen, jump=1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # CostNormal's "new behaviour" notice
        algo = rpt.Pelt(model=model, min_size=min_size, jump=jump).fit(signal)
        return algo.predict(pen=pen)


@needs_ruptures
@SETTINGS
@given(piecewise())
def test_normal_mean_equals_ruptures_l2(case):
    signal, min_size, pen = case
    if signal.size < min_size:
        return
    ours = Pelt(cost="normal-mean", min_size=min_size, jump=1).fit(signal).predict(pen)
    assert ours == ruptures_changepoints(signal, "l2", min_size, pen)


@needs_ruptures
@SETTINGS
@given(piecewise())
def test_normal_meanvar_equals_ruptures_normal(case):
    signal, min_size, pen = case
    if signal.size < max(min_size, 2):
        return
    ours = Pelt(cost="normal-meanvar", min_size=min_size, jump=1).fit(signal).predict(pen)
    assert ours == ruptures_changepoints(signal, "normal", min_size, pen)


@needs_ruptures
@settings(max_examples=60, deadline=None, database=None)
@given(piecewise(max_n=60), st.integers(2, 5))
def test_jump_equals_ruptures(case, jump):
    signal, min_size, pen = case
    if signal.size < min_size:
        return
    ours = Pelt(cost="normal-mean", min_size=min_size, jump=jump).fit(signal).predict(pen)
    assert ours == ruptures_changepoints(signal, "l2", min_size, pen, jump=jump)


@needs_ruptures
def test_multivariate_equals_ruptures():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(10, 80))
        signal = rng.normal(size=(n, 3)) + (np.arange(n)[:, None] > n // 2) * rng.normal(
            0, 3, size=3
        )
        pen = float(rng.uniform(1, 30))
        for cost, model in (("normal-mean", "l2"), ("normal-meanvar", "normal")):
            ours = Pelt(cost=cost, min_size=3).fit(signal).predict(pen)
            assert ours == ruptures_changepoints(signal, model, 3, pen), cost


@needs_ruptures
def test_constant_stretches_match_ruptures_normal():
    """Zero-variance segments cost L*log(1e-6), as in ruptures >= 1.1.5."""
    signal = np.r_[np.full(10, 2.0), np.full(8, -1.0), np.linspace(0, 1, 12), np.full(6, 2.0)]
    for pen in (0.5, 2.0, 10.0, 40.0):
        for min_size in (2, 3):
            ours = Pelt(cost="normal-meanvar", min_size=min_size).fit(signal).predict(pen)
            assert ours == ruptures_changepoints(signal, "normal", min_size, pen)


# ---------------------------------------------------------------- brute force


def brute_cost(kind: str, seg: np.ndarray) -> float:
    """Segment costs written independently of the library."""
    if kind == "normal-mean":
        return float(((seg - seg.mean()) ** 2).sum())
    if kind == "normal-meanvar":
        return float(seg.size * math.log(seg.var() + 1e-6))
    rate = seg.mean()
    loglik = sum((-rate + y * math.log(rate) if y > 0 else -rate) - math.lgamma(y + 1) for y in seg)
    return -2.0 * loglik


def brute_force(signal: np.ndarray, kind: str, pen: float, min_size: int) -> float:
    """Optimal partitioning without pruning: the minimum penalised cost."""
    n = signal.size
    best = [math.inf] * (n + 1)
    best[0] = 0.0
    for s in range(min_size, n + 1):
        for t in range(0, s - min_size + 1):
            if math.isfinite(best[t]):
                best[s] = min(best[s], best[t] + brute_cost(kind, signal[t:s]) + pen)
    return best[n]


def penalised(signal: np.ndarray, kind: str, bkps: list[int], pen: float) -> float:
    starts = [0, *bkps[:-1]]
    return sum(brute_cost(kind, signal[s:e]) + pen for s, e in zip(starts, bkps, strict=True))


@settings(max_examples=80, deadline=None, database=None)
@given(piecewise(max_n=45, counts=True))
def test_poisson_is_optimal(case):
    signal, min_size, pen = case
    if signal.size < min_size:
        return
    bkps = Pelt(cost="poisson", min_size=min_size, pruning="safe").fit(signal).predict(pen)
    assert all(e - s >= min_size for s, e in zip([0, *bkps[:-1]], bkps, strict=True))
    best = brute_force(signal, "poisson", pen, min_size)
    assert penalised(signal, "poisson", bkps, pen) == pytest.approx(best, rel=1e-9, abs=1e-9)


@settings(max_examples=80, deadline=None, database=None)
@given(piecewise(max_n=45, counts=True))
def test_poisson_standard_pruning_exact_without_min_size(case):
    signal, _, pen = case
    bkps = Pelt(cost="poisson", min_size=1).fit(signal).predict(pen)
    best = brute_force(signal, "poisson", pen, 1)
    assert penalised(signal, "poisson", bkps, pen) == pytest.approx(best, rel=1e-9, abs=1e-9)


@settings(max_examples=80, deadline=None, database=None)
@given(piecewise(max_n=45), st.sampled_from(["normal-mean", "normal-meanvar"]))
def test_safe_pruning_is_optimal(case, kind):
    signal, min_size, pen = case
    min_size = max(min_size, 2) if kind == "normal-meanvar" else min_size
    if signal.size < min_size:
        return
    bkps = Pelt(cost=kind, min_size=min_size, pruning="safe").fit(signal).predict(pen)
    best = brute_force(signal, kind, pen, min_size)
    assert penalised(signal, kind, bkps, pen) == pytest.approx(best, rel=1e-9, abs=1e-9)


@needs_ruptures
def test_standard_pruning_can_miss_the_optimum_like_ruptures():
    """A real case (found by the benchmark): ruptures' pruning is not exact for min_size=2."""
    rng = np.random.default_rng(0)
    series = rng.normal(size=(20, 768))
    series[:, 500:] += 2
    window = series[17, 150:199]  # 49 values
    standard = Pelt(cost="normal-mean", min_size=2).fit(window).predict(2.0)
    safe = Pelt(cost="normal-mean", min_size=2, pruning="safe").fit(window).predict(2.0)
    assert standard == ruptures_changepoints(window, "l2", 2, 2.0)
    assert penalised(window, "normal-mean", safe, 2.0) == pytest.approx(
        brute_force(window, "normal-mean", 2.0, 2)
    )
    assert penalised(window, "normal-mean", safe, 2.0) < penalised(
        window, "normal-mean", standard, 2.0
    )


# ---------------------------------------------------------------- API and conventions


def test_conventions_and_example():
    signal = np.r_[np.zeros(50), np.full(50, 5.0)]
    algo = Pelt(cost="normal-mean", min_size=2).fit(signal)
    assert algo.predict(10) == [50, 100]
    assert algo.changepoints(10) == [50]
    assert bkps_to_changepoints([50, 100]) == [50]
    assert changepoints_to_bkps([50], 100) == [50, 100]
    assert detect_changepoints([0.0] * 20 + [4.0] * 20, penalty=5) == [20]
    assert detect_changepoints(np.ones(30), penalty=1) == []


def test_min_size_is_respected_and_raised_for_meanvar():
    rng = np.random.default_rng(3)
    signal = rng.normal(size=60)
    algo = Pelt(cost="normal-meanvar", min_size=1).fit(signal)
    assert algo.min_size_ == 2
    bkps = Pelt(cost="normal-mean", min_size=7).fit(signal).predict(0.01)
    lengths = np.diff([0, *bkps])
    assert lengths.min() >= 7


def test_init_only_stores_and_errors():
    algo = Pelt(cost="nope", min_size=0)
    assert algo.cost == "nope"
    with pytest.raises(ConfigError):
        algo.fit(np.zeros(5))
    with pytest.raises(ConfigError, match="unknown cost"):
        Pelt(cost="nope").fit(np.zeros(5))
    with pytest.raises(NotFittedError):
        Pelt().predict(1.0)
    with pytest.raises(ConfigError, match="penalty"):
        Pelt().fit(np.zeros(5)).predict(-1)
    with pytest.raises(InputError, match="NaN"):
        Pelt().fit([1.0, float("nan"), 2.0])
    with pytest.raises(InputError, match="non-negative"):
        Pelt(cost="poisson").fit([1.0, -2.0, 3.0])
    with pytest.raises(ConfigError, match="fewer than min_size"):
        Pelt(min_size=5).fit([1.0, 2.0])
    with pytest.raises(ConfigError, match="pruning"):
        Pelt(pruning="fast").fit([1.0, 2.0])  # type: ignore[arg-type]


def test_registry_and_custom_cost_runs_the_numpy_loop():
    assert set(COSTS) >= {"normal-mean", "normal-meanvar", "poisson"}

    @register_cost
    class CostMeanCopy(BaseCost):
        name = "test-mean-copy"

        def fit(self, signal):
            x = np.asarray(signal, dtype=float).reshape(-1)
            self.s1 = np.r_[0.0, np.cumsum(x)]
            self.s2 = np.r_[0.0, np.cumsum(x * x)]
            self.n_samples_, self.n_features_ = x.size, 1
            return self

        def errors(self, starts, end):
            length = end - starts
            d1 = self.s1[end] - self.s1[starts]
            return (self.s2[end] - self.s2[starts]) - d1 * d1 / length

    try:
        rng = np.random.default_rng(11)
        signal = np.r_[rng.normal(0, 1, 40), rng.normal(3, 1, 40), rng.normal(-1, 1, 40)]
        for min_size, pruning in ((1, "standard"), (3, "standard"), (3, "safe")):
            custom = Pelt(cost="test-mean-copy", min_size=min_size, pruning=pruning)
            builtin = Pelt(cost="normal-mean", min_size=min_size, pruning=pruning)
            assert custom.fit(signal).predict(4.0) == builtin.fit(signal).predict(4.0)
        assert isinstance(make_cost("test-mean-copy"), CostMeanCopy)
        assert custom.work_ == -1
    finally:
        del COSTS["test-mean-copy"]


def test_cost_error_matches_direct_formula():
    rng = np.random.default_rng(5)
    x = rng.poisson(4, size=30).astype(float)
    for kind in ("normal-mean", "normal-meanvar", "poisson"):
        cost = make_cost(kind).fit(x)
        assert cost.error(3, 17) == pytest.approx(brute_cost(kind, x[3:17]), rel=1e-10)
    with pytest.raises(ConfigError):
        make_cost("normal-meanvar").fit(x).error(3, 4)
    with pytest.raises(NotFittedError):
        make_cost("poisson").error(0, 2)


def test_segment_describes_segments():
    signal = np.r_[np.zeros(30), np.full(30, 4.0)] + np.random.default_rng(2).normal(0, 0.5, 60)
    result = segment(signal)
    assert result.changepoints == [30]
    assert result.penalty_rule == "auto"
    assert result.starts == [0, 30] and result.ends == [30, 60]
    assert result.means[1] - result.means[0] == pytest.approx(4.0, abs=0.5)
    assert segment(signal, penalty="elbow").penalty_rule == "elbow"
    assert segment(signal, penalty="7.5").penalty == 7.5
    with pytest.raises(ConfigError):
        segment(signal, penalty="lots")


def test_long_series_is_found_quickly_enough_to_run():
    """n = 20,000 with 4 changes: the compiled loop finds them (no timing asserted)."""
    rng = np.random.default_rng(9)
    n = 20_000
    signal = rng.normal(size=n)
    for k, shift in zip(range(1, 5), (1.0, -1.5, 2.0, -1.0), strict=True):
        signal[k * n // 5 :] += shift
    found = detect_changepoints(signal)
    assert len(found) == 4
    assert all(abs(f - k * n // 5) <= 30 for f, k in zip(found, range(1, 5), strict=True))
