"""Scoring detected change points, and seeded piecewise signals with known changes.

:func:`changepoint_scores` matches found change points to true ones one to one
(closest pairs first, within a tolerance) and reports precision, recall and F1;
:func:`piecewise_signal` makes test signals of several noise kinds (Gaussian,
heavy-tailed, autocorrelated, Poisson and over-dispersed counts) with their true
change points, like ruptures' ``pw_constant``. Both serve the default-penalty study
in ``docs/detect.md`` and the tests.

:func:`tcpd_f1` and :func:`tcpd_covering` score change points against several
annotators as the Turing Change Point Dataset does (van den Burg & Williams, 2020,
"An Evaluation of Change Point Detection Algorithms"): F1 with a margin (precision
against the union of the annotations, recall averaged over annotators, index 0
counted as a change point in every set) and the segmentation covering of Arbelaez
et al. (2011), averaged over annotators. :func:`tcpd_scores` gives both.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from crowdpulse.exceptions import ConfigError

__all__ = [
    "NoiseKind",
    "Scores",
    "TcpdScores",
    "changepoint_scores",
    "piecewise_signal",
    "tcpd_covering",
    "tcpd_f1",
    "tcpd_scores",
]

NoiseKind = Literal["gaussian", "student-t", "ar1", "poisson", "negbin"]


@dataclass(frozen=True)
class Scores:
    """Agreement of found change points with true ones.

    Attributes:
        tp: Found change points matched to a true one.
        fp: Found change points matched to none.
        fn: True change points matched by none.
        precision: ``tp / (tp + fp)`` (1 when nothing was found).
        recall: ``tp / (tp + fn)`` (1 when there is nothing to find).
        f1: Harmonic mean of precision and recall.
    """

    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float


def changepoint_scores(found: Sequence[int], truth: Sequence[int], tolerance: int) -> Scores:
    """Precision, recall and F1 of ``found`` against ``truth`` within ``tolerance``.

    Each true change point matches at most one found change point and vice versa;
    pairs are matched closest first, and a pair matches when the indices differ by
    at most ``tolerance``.

    Args:
        found: Detected change points.
        truth: True change points.
        tolerance: Largest index difference that still counts as a hit.

    Returns:
        The scores.

    Raises:
        ConfigError: The tolerance is negative.
    """
    if tolerance < 0:
        raise ConfigError("tolerance must be >= 0", field="tolerance")
    pairs = sorted(
        (abs(f - t), i, j)
        for i, f in enumerate(found)
        for j, t in enumerate(truth)
        if abs(f - t) <= tolerance
    )
    used_f: set[int] = set()
    used_t: set[int] = set()
    for _, i, j in pairs:
        if i not in used_f and j not in used_t:
            used_f.add(i)
            used_t.add(j)
    tp = len(used_f)
    fp = len(found) - tp
    fn = len(truth) - tp
    precision = tp / (tp + fp) if found else 1.0
    recall = tp / (tp + fn) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return Scores(tp=tp, fp=fp, fn=fn, precision=precision, recall=recall, f1=f1)


def piecewise_signal(
    n: int,
    n_changes: int,
    *,
    noise: NoiseKind = "gaussian",
    min_spacing: int = 10,
    shift: tuple[float, float] = (1.0, 4.0),
    seed: int = 0,
) -> tuple[NDArray[np.float64], list[int]]:
    """A piecewise-constant signal with noise and its true change points.

    For the continuous kinds the mean jumps by ``U(shift) * scale`` (random sign) at
    each change, where ``scale`` is the noise's standard deviation (drawn log-uniform
    in [0.1, 10]); ``student-t`` noise has 3 degrees of freedom (heavy tails),
    ``ar1`` is Gaussian AR(1) with coefficient 0.5. For counts, the log rate jumps by
    ``U(shift) * 0.25`` (random sign) from a base rate log-uniform in [2, 50];
    ``negbin`` counts have variance ``rate + rate^2 / 5`` (over-dispersed).

    Args:
        n: Length.
        n_changes: Number of change points.
        noise: ``"gaussian"``, ``"student-t"``, ``"ar1"``, ``"poisson"`` or ``"negbin"``.
        min_spacing: Smallest distance between change points (and to the ends).
        shift: Range of the jump sizes, in noise standard deviations.
        seed: Random seed.

    Returns:
        The signal and its change points (0-based starts of the new segments).

    Raises:
        ConfigError: The changes do not fit at that spacing, or the kind is unknown.
    """
    if noise not in ("gaussian", "student-t", "ar1", "poisson", "negbin"):
        raise ConfigError(f"unknown noise kind {noise!r}", field="noise")
    if (n_changes + 1) * min_spacing > n:
        raise ConfigError("too many changes for this length and spacing", field="n_changes")
    rng = np.random.default_rng(seed)
    # draw change points with the spacing: stars and bars over the slack
    slack = n - (n_changes + 1) * min_spacing
    cuts = np.sort(rng.integers(0, slack + 1, size=n_changes))
    truth = [int(c + (i + 1) * min_spacing) for i, c in enumerate(cuts)]
    bounds = [0, *truth, n]
    steps = rng.uniform(*shift, size=n_changes) * rng.choice([-1.0, 1.0], size=n_changes)
    if noise in ("poisson", "negbin"):
        log_rate = rng.uniform(np.log(2), np.log(50)) + np.r_[0.0, np.cumsum(steps * 0.25)]
        rate = np.concatenate(
            [
                np.full(e - s, np.exp(lr))
                for s, e, lr in zip(bounds, bounds[1:], log_rate, strict=False)
            ]
        )
        if noise == "poisson":
            return rng.poisson(rate).astype(np.float64), truth
        size = 5.0
        return rng.negative_binomial(size, size / (size + rate)).astype(np.float64), truth
    scale = float(np.exp(rng.uniform(np.log(0.1), np.log(10))))
    means = np.r_[0.0, np.cumsum(steps)] * scale
    mean = np.concatenate(
        [np.full(e - s, m) for s, e, m in zip(bounds, bounds[1:], means, strict=False)]
    )
    if noise == "gaussian":
        eps = rng.normal(size=n)
    elif noise == "student-t":
        eps = rng.standard_t(3, size=n) / np.sqrt(3.0)  # unit variance
    else:
        phi = 0.5
        innov = rng.normal(size=n) * np.sqrt(1 - phi**2)  # unit marginal variance
        eps = np.empty(n)
        eps[0] = rng.normal()
        for i in range(1, n):
            eps[i] = phi * eps[i - 1] + innov[i]
    return mean + scale * eps, truth


@dataclass(frozen=True)
class TcpdScores:
    """TCPD scores of one prediction against several annotators.

    Attributes:
        precision: Matched predictions (index 0 included) over predictions, against
            the union of the annotations.
        recall: Mean over annotators of their matched points over their points.
        f1: ``2 P R / (P + R)``.
        covering: Mean over annotators of the covering of their segmentation by the
            predicted one.
    """

    precision: float
    recall: float
    f1: float
    covering: float


def _true_positives(truth: Sequence[int], found: Sequence[int], margin: int) -> int:
    """Number of true points matched to a distinct found point within ``margin``.

    The true points are taken in increasing order; each takes the closest found
    point still free (the smaller one on ties), as TCPDBench's ``true_positives``.
    """
    free = sorted(set(int(x) for x in found))
    hits = 0
    for tau in sorted(set(int(t) for t in truth)):
        close = [(abs(tau - x), x) for x in free if abs(tau - x) <= margin]
        if close:
            free.remove(min(close)[1])
            hits += 1
    return hits


def _check_annotations(annotations: Mapping[str, Sequence[int]]) -> list[set[int]]:
    if not annotations:
        raise ConfigError("at least one annotator is needed", field="annotations")
    return [{0, *(int(t) for t in points)} for points in annotations.values()]


def tcpd_f1(
    annotations: Mapping[str, Sequence[int]], predictions: Sequence[int], *, margin: int = 5
) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``predictions`` against several annotators (TCPD).

    Index 0 is added to the predictions and to each annotator's points. Precision
    matches the predictions against the union of all annotators' points; recall is
    the mean over annotators of the share of their points that are matched. A match
    pairs one true and one predicted point at most ``margin`` indices apart, each
    used once.

    Example:
        >>> tcpd_f1({"a": [10], "b": []}, [12, 30])
        (0.6666666666666666, 1.0, 0.8)

    Args:
        annotations: Annotator id -> change points (0-based segment starts).
        predictions: Predicted change points.
        margin: Largest distance of a match (default 5, as in the paper).

    Returns:
        ``(precision, recall, f1)``.

    Raises:
        ConfigError: No annotator, or a negative margin.
    """
    if margin < 0:
        raise ConfigError("margin must be >= 0", field="margin")
    sets = _check_annotations(annotations)
    found = {0, *(int(p) for p in predictions)}
    union = set().union(*sets)
    precision = _true_positives(sorted(union), sorted(found), margin) / len(found)
    recall = sum(_true_positives(sorted(t), sorted(found), margin) / len(t) for t in sets) / len(
        sets
    )
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def _segments(changepoints: Sequence[int], n: int) -> list[tuple[int, int]]:
    cuts = sorted({int(c) for c in changepoints if 0 < int(c) < n})
    bounds = [0, *cuts, n]
    return list(itertools.pairwise(bounds))


def tcpd_covering(
    annotations: Mapping[str, Sequence[int]], predictions: Sequence[int], n: int
) -> float:
    """Segmentation covering of the annotators' segmentations by the predicted one.

    For each annotator: the sum over their segments ``A`` of
    ``|A| * max_B |A & B| / |A | B|`` over the predicted segments ``B``, divided by
    ``n`` (Arbelaez et al., 2011); then the mean over annotators. Change points
    outside ``1 .. n-1`` are ignored (they cut nothing).

    Example:
        >>> tcpd_covering({"a": [5]}, [], 10)
        0.5

    Args:
        annotations: Annotator id -> change points (0-based segment starts).
        predictions: Predicted change points.
        n: Length of the series.

    Returns:
        The mean covering, in [0, 1].

    Raises:
        ConfigError: No annotator, or ``n < 1``.
    """
    if n < 1:
        raise ConfigError("n must be >= 1", field="n")
    _check_annotations(annotations)
    pred = _segments(predictions, n)
    covers = []
    for points in annotations.values():
        total = 0.0
        for a0, a1 in _segments(points, n):
            best = 0.0
            for b0, b1 in pred:
                inter = min(a1, b1) - max(a0, b0)
                if inter > 0:
                    best = max(best, inter / (max(a1, b1) - min(a0, b0)))
            total += (a1 - a0) * best
        covers.append(total / n)
    return float(sum(covers) / len(covers))


def tcpd_scores(
    annotations: Mapping[str, Sequence[int]],
    predictions: Sequence[int],
    n: int,
    *,
    margin: int = 5,
) -> TcpdScores:
    """F1 (with ``margin``) and covering of ``predictions``, as in TCPD.

    Args:
        annotations: Annotator id -> change points (0-based segment starts).
        predictions: Predicted change points.
        n: Length of the series.
        margin: Largest distance of a match for F1 (default 5).

    Returns:
        The scores.
    """
    precision, recall, f1 = tcpd_f1(annotations, predictions, margin=margin)
    return TcpdScores(
        precision=precision,
        recall=recall,
        f1=f1,
        covering=tcpd_covering(annotations, predictions, n),
    )
