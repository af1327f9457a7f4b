"""The detector contract: get_params/set_params/clone/repr, ruptures' names, fit/predict."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from crowdpulse.detect import Pelt, StreamingDetector, detect_stream, make_cost
from crowdpulse.exceptions import ConfigError, NotFittedError

try:
    import ruptures as rpt
except ImportError:
    rpt = None

needs_ruptures = pytest.mark.skipif(rpt is None, reason="ruptures is not installed (dev extra)")


def _signal(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.r_[rng.normal(0, 1, 100), rng.normal(3, 1, 100), rng.normal(-1, 2, 57)]


def test_pelt_params_repr_and_clone():
    algo = Pelt(model="l2", min_size=2, jump=5)
    assert algo.get_params() == {
        "model": "l2",
        "cost": "normal-mean",
        "custom_cost": None,
        "min_size": 2,
        "jump": 5,
        "pruning": "standard",
    }
    assert repr(algo) == "Pelt(model='l2', jump=5)"
    assert repr(Pelt()) == "Pelt()"
    copy = clone(algo)
    assert copy is not algo and copy.get_params() == algo.get_params()
    assert not hasattr(clone(algo.fit(_signal())), "cost_")  # clone is unfitted
    assert algo.set_params(jump=1, pruning="safe") is algo
    assert (algo.jump, algo.pruning) == (1, "safe")
    with pytest.raises(ConfigError, match="no option 'pen'"):
        algo.set_params(pen=3)


@needs_ruptures
@pytest.mark.parametrize(("model", "jump"), [("l2", 5), ("l2", 1), ("normal", 3)])
def test_clone_gives_ruptures_changepoints(model, jump):
    for seed in range(5):
        x = _signal(seed)
        ours = clone(Pelt(model=model, min_size=2, jump=jump)).fit(x).predict(pen=10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = rpt.Pelt(model=model, min_size=2, jump=jump).fit(x).predict(pen=10)
        assert ours == theirs


def test_ruptures_names_are_aliases():
    x = _signal()
    ref = Pelt(cost="normal-mean").fit(x).predict(10)
    assert Pelt(cost="l2").fit(x).predict(10) == ref
    assert Pelt("l2").fit(x).predict(10) == ref
    assert Pelt(custom_cost=make_cost("normal-mean")).fit(x).predict(10) == ref
    assert Pelt(model="normal").fit(x).predict(10) == Pelt(cost="normal-meanvar").fit(x).predict(10)
    assert Pelt(model="normal-mean", cost="l2").fit(x).predict(10) == ref
    with pytest.raises(ConfigError, match="different costs"):
        Pelt(model="l2", cost="poisson").fit(x)
    assert Pelt(model="l2").fit_predict(x, pen=10) == ref


def test_streaming_detector_contract():
    det = StreamingDetector(window=20, cost="l2", dedupe=3)
    assert repr(det) == "StreamingDetector(window=20, cost='l2', dedupe=3)"
    twin = clone(det)
    assert twin.get_params() == det.get_params()
    rng = np.random.default_rng(1)
    x = np.c_[np.r_[rng.normal(0, 1, 60), rng.normal(4, 1, 60)], rng.normal(0, 1, 120)]
    found = twin.fit_predict(x)
    expected: dict[str, list[int]] = {"0": [], "1": []}
    for alert in detect_stream(x, window=20, dedupe=3):
        expected[alert.series].append(alert.index)
    assert found == expected
    assert any(abs(i - 60) <= 1 for i in found["0"])
    # set_params starts afresh
    det.update(0, [1.0, 2.0])
    det.set_params(window=30)
    assert det.n_updates_ == 0 and det.series_ == []
    with pytest.raises(NotFittedError):
        StreamingDetector().predict()
