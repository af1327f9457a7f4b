"""TCPD scoring (F1 with margin, covering) on hand-computed cases, the loader, the dev split."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from crowdpulse.detect import detect_changepoints
from crowdpulse.detect.evaluate import tcpd_covering, tcpd_f1, tcpd_scores
from crowdpulse.detect.tcpd import load_tcpd
from crowdpulse.exceptions import ConfigError, InputError


def test_f1_precision_against_union_recall_per_annotator():
    # found {0, 12, 30}; union {0, 10}: 0 and 12 match -> P = 2/3; both annotators fully found
    assert tcpd_f1({"a": [10], "b": []}, [12, 30]) == (2 / 3, 1.0, 0.8)


def test_f1_margin_is_inclusive_and_each_point_matches_once():
    # 56 is 6 from 50 (no match) and 2 from 54: P = 2/2, R = (1/2 + 2/2) / 2 = 3/4
    p, r, f = tcpd_f1({"a": [50], "b": [54]}, [56])
    assert (p, r) == (1.0, 0.75)
    assert f == pytest.approx(6 / 7, abs=1e-15)
    # 11 can match 10 or 12, not both: P = 2/2, R = 2/3, F = 0.8
    assert tcpd_f1({"a": [10, 12]}, [11]) == (1.0, 2 / 3, pytest.approx(0.8, abs=1e-15))
    # exactly at the margin matches, one further does not
    assert tcpd_f1({"a": [20]}, [25])[1] == 1.0
    assert tcpd_f1({"a": [20]}, [26])[1] == 0.5
    assert tcpd_f1({"a": [20]}, [26], margin=6)[1] == 1.0


def test_f1_no_change_and_perfect():
    # no prediction: only index 0 is found; P = 1, R = mean(1/2, 1/1) = 3/4
    assert tcpd_f1({"a": [30], "b": []}, []) == (1.0, 0.75, pytest.approx(6 / 7, abs=1e-15))
    assert tcpd_f1({"a": [5, 40]}, [5, 40]) == (1.0, 1.0, 1.0)


def test_covering_hand_computed():
    assert tcpd_covering({"a": [5]}, [], 10) == 0.5
    # a: [0,4) vs [0,6): 4 * 4/6; [4,10) vs [6,10): 6 * 4/6 -> (8/3 + 4)/10 = 2/3
    # b: [0,10) vs [0,6): 10 * 6/10 -> 0.6; mean 19/30
    assert tcpd_covering({"a": [4], "b": []}, [6], 10) == pytest.approx(19 / 30, abs=1e-15)
    assert tcpd_covering({"a": [3, 7]}, [3, 7], 10) == 1.0
    # points outside 1..n-1 cut nothing
    assert tcpd_covering({"a": []}, [0, 10, 12], 10) == 1.0


def test_scores_bundle_and_errors():
    s = tcpd_scores({"a": [5]}, [], 10)
    assert (s.precision, s.recall, s.covering) == (1.0, 0.5, 0.5)
    assert s.f1 == pytest.approx(2 / 3, abs=1e-15)
    with pytest.raises(ConfigError, match="annotator"):
        tcpd_f1({}, [1])
    with pytest.raises(ConfigError, match="margin"):
        tcpd_f1({"a": [1]}, [1], margin=-1)
    with pytest.raises(ConfigError, match="n must be"):
        tcpd_covering({"a": [1]}, [1], 0)


def _reference_f1(annotations, predictions, margin=5):
    """TCPDBench's definition written out with sets, to cross-check on random cases."""

    def tp(truth, found):
        free = set(found)
        hits = 0
        for tau in sorted(truth):
            close = sorted((abs(tau - x), x) for x in free if abs(tau - x) <= margin)
            if close:
                free.remove(close[0][1])
                hits += 1
        return hits

    sets = [set(v) | {0} for v in annotations.values()]
    found = set(predictions) | {0}
    p = tp(set().union(*sets), found) / len(found)
    r = sum(tp(t, found) / len(t) for t in sets) / len(sets)
    return p, r, 2 * p * r / (p + r)


def _reference_covering(annotations, predictions, n):
    def parts(cps):
        b = [0, *sorted({c for c in cps if 0 < c < n}), n]
        return [set(range(s, e)) for s, e in itertools.pairwise(b)]

    pred = parts(predictions)
    out = []
    for cps in annotations.values():
        total = sum(len(a) * max(len(a & b) / len(a | b) for b in pred) for a in parts(cps))
        out.append(total / n)
    return sum(out) / len(out)


def test_scores_equal_a_set_based_reference_on_random_cases():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(5, 80))
        ann = {
            str(k): sorted({int(v) for v in rng.integers(1, n, size=rng.integers(0, 5))})
            for k in range(int(rng.integers(1, 6)))
        }
        pred = sorted({int(v) for v in rng.integers(1, n, size=rng.integers(0, 6))})
        assert tcpd_f1(ann, pred) == pytest.approx(_reference_f1(ann, pred), abs=1e-12)
        assert tcpd_covering(ann, pred, n) == pytest.approx(
            _reference_covering(ann, pred, n), abs=1e-12
        )


def test_loader_maps_missing_values_back(tmp_path):
    (tmp_path / "datasets" / "toy").mkdir(parents=True)
    doc = {
        "name": "toy",
        "n_obs": 6,
        "n_dim": 1,
        "time": {"index": list(range(6))},
        "series": [{"label": "V1", "type": "float", "raw": [1.0, None, 1.0, 5.0, None, 5.0]}],
    }
    (tmp_path / "datasets" / "toy" / "toy.json").write_text(json.dumps(doc))
    (tmp_path / "annotations.json").write_text(json.dumps({"toy": {"1": [3], "2": []}}))
    [s] = load_tcpd(tmp_path)
    assert s.name == "toy" and s.n_obs == 6
    assert s.values.tolist() == [1.0, 1.0, 5.0, 5.0]
    assert s.index.tolist() == [0, 2, 3, 5]
    assert s.to_original([2]) == [3]
    assert s.annotations == {"1": [3], "2": []}
    (tmp_path / "annotations.json").write_text(json.dumps({"gone": {"1": []}}))
    with pytest.raises(InputError, match="not found"):
        load_tcpd(tmp_path)


def test_dev_split_default_beats_no_change(shared_data):
    root = shared_data / "tcpd_dev"
    if not (root / "annotations.json").is_file():
        pytest.skip(f"{root} not found")
    series = load_tcpd(root)
    assert len(series) == 12
    none = np.array(
        [
            [
                tcpd_scores(s.annotations, [], s.n_obs).f1,
                tcpd_scores(s.annotations, [], s.n_obs).covering,
            ]
            for s in series
        ]
    )
    # the paper's "zero" baseline on these 12 series (see docs/detect.md)
    assert none.mean(axis=0) == pytest.approx([0.6019, 0.5118], abs=5e-5)
    ours = []
    for s in series:
        r = tcpd_scores(s.annotations, s.to_original(detect_changepoints(s.values)), s.n_obs)
        ours.append((r.f1, r.covering))
    gain = np.mean(ours, axis=0) - none.mean(axis=0)
    assert gain[0] >= 0.075 and gain[1] >= 0.12, gain
