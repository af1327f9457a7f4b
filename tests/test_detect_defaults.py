"""The default rules are scale-free, count-aware, and safe on huge values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from crowdpulse.detect import detect_changepoints, piecewise_signal, segment
from crowdpulse.detect.rescale import count_like, rescale


@pytest.mark.parametrize("noise", ["gaussian", "student-t", "ar1", "poisson", "negbin"])
@pytest.mark.parametrize("n", [20, 45, 200])
def test_auto_and_elbow_are_scale_and_shift_free(noise, n):
    for seed in range(12):
        x, _ = piecewise_signal(n, seed % 3, noise=noise, min_spacing=5, seed=seed)
        if noise not in ("poisson", "negbin"):
            x = x + 0.123456789  # keep continuous series away from whole numbers
        for penalty in ("auto", "elbow"):
            ref = detect_changepoints(x, penalty=penalty)
            assert detect_changepoints(x * 1000, penalty=penalty) == ref, (seed, penalty)
            assert detect_changepoints(x + 1000, penalty=penalty) == ref, (seed, penalty)


def test_counts_are_square_rooted_and_found():
    assert count_like([0, 3, 7, 2])
    assert not count_like([0, 3.5, 7])
    assert not count_like([-1, 3, 7])
    assert rescale([0.0, 1.0, 4.0, 9.0, 1.0]).transform == "sqrt"
    rng = np.random.default_rng(5)
    # over-dispersed counts, quiet then busy: one change, not a cut at every busy burst
    quiet = rng.negative_binomial(5, 5 / (5 + 3.0), size=40)
    busy = rng.negative_binomial(5, 5 / (5 + 40.0), size=40)
    counts = np.r_[quiet, busy].astype(float)
    result = segment(counts)
    assert result.rescaled == "robust-sqrt"
    assert result.changepoints == [40]


def test_huge_values_work_in_rescaled_space():
    x = np.r_[np.full(20, 1.0), np.full(20, 3.0)] + np.tile([0.0, 0.1, -0.1, 0.05], 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning
        assert detect_changepoints(x * 1e200) == [20]
        assert detect_changepoints(x * 1e200, penalty="elbow") == detect_changepoints(
            x, penalty="elbow"
        )
        assert detect_changepoints(x * 1e-200) == [20]


def test_fixed_penalty_uses_the_series_as_given():
    x = np.r_[np.zeros(10), np.full(10, 1.0)]
    assert segment(x, penalty=0.5).rescaled == "none"
    assert detect_changepoints(x, penalty=0.5) == [10]
    assert detect_changepoints(x * 100, penalty=0.5) == [10]
    assert detect_changepoints(x * 0.01, penalty=0.5) == []
