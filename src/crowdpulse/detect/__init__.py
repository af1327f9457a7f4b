"""Change-point detection: exact PELT, penalty selection and a streaming detector.

The pieces, one a module:

- :mod:`.base`: :class:`BaseDetector`, the detector contract (ruptures' shape,
  scikit-learn's ``get_params``/``set_params``, so ``sklearn.base.clone`` works).
- :mod:`.costs`: segment costs by key (``normal-mean``, ``normal-meanvar``,
  ``poisson``; ruptures' ``"l2"`` and ``"normal"`` as aliases) and the registry to
  add your own.
- :mod:`.pelt`: :class:`Pelt`, the estimator (ruptures' habit and results).
- :mod:`.penalty`: the paper's elbow rule, CROPS, and the default ``auto`` penalty.
- :mod:`.rescale`: the scale-free footing of the default rules (robust
  standardisation, square root for counts).
- :mod:`.segment`: :func:`detect_changepoints` and :func:`segment`, one call from a
  series to its change points.
- :mod:`.windows`: PELT on many short windows for many penalties in one pass.
- :mod:`.evaluate`: precision/recall/F1 of change points, TCPD's F1 and covering
  over several annotators, seeded test signals.
- :mod:`.tcpd`: the loader of TCPD series and annotations.
- :mod:`.streaming`: :class:`StreamingDetector`, constant-memory alerts over many
  series, and :func:`detect_stream` for stored series.

Index convention: a change point is the 0-based index of the first value of a new
segment. ruptures returns segment ends including ``n``: the same numbers plus ``n``
(see :func:`bkps_to_changepoints`).
"""

from __future__ import annotations

from crowdpulse.detect.base import BaseDetector
from crowdpulse.detect.changepoint import ChangePoint
from crowdpulse.detect.costs import (
    COST_ALIASES,
    COSTS,
    BaseCost,
    CostName,
    CostNormalMean,
    CostNormalMeanVar,
    CostPoisson,
    make_cost,
    register_cost,
    resolve_cost_name,
)
from crowdpulse.detect.evaluate import (
    Scores,
    TcpdScores,
    changepoint_scores,
    piecewise_signal,
    tcpd_covering,
    tcpd_f1,
    tcpd_scores,
)
from crowdpulse.detect.pelt import Pelt, Pruning, bkps_to_changepoints, changepoints_to_bkps
from crowdpulse.detect.penalty import (
    PAPER_PENALTIES,
    CropsSegmentation,
    ElbowChoice,
    auto_penalty,
    crops,
    default_lag,
    elbow_index,
    elbow_penalty,
    long_run_scale,
    noise_scale,
    select_elbow,
)
from crowdpulse.detect.rescale import Rescaled, count_like, rescale
from crowdpulse.detect.segment import PenaltyRule, Segmentation, detect_changepoints, segment
from crowdpulse.detect.streaming import Alert, StreamingDetector, detect_stream
from crowdpulse.detect.tcpd import TcpdSeries, load_tcpd
from crowdpulse.detect.windows import WindowsResult, pelt_windows, sliding_windows

__all__ = [
    "COSTS",
    "COST_ALIASES",
    "PAPER_PENALTIES",
    "Alert",
    "BaseCost",
    "BaseDetector",
    "ChangePoint",
    "CostName",
    "CostNormalMean",
    "CostNormalMeanVar",
    "CostPoisson",
    "CropsSegmentation",
    "ElbowChoice",
    "Pelt",
    "PenaltyRule",
    "Pruning",
    "Rescaled",
    "Scores",
    "Segmentation",
    "StreamingDetector",
    "TcpdScores",
    "TcpdSeries",
    "WindowsResult",
    "auto_penalty",
    "bkps_to_changepoints",
    "changepoint_scores",
    "changepoints_to_bkps",
    "count_like",
    "crops",
    "default_lag",
    "detect_changepoints",
    "detect_stream",
    "elbow_index",
    "elbow_penalty",
    "load_tcpd",
    "long_run_scale",
    "make_cost",
    "noise_scale",
    "pelt_windows",
    "piecewise_signal",
    "register_cost",
    "rescale",
    "resolve_cost_name",
    "segment",
    "select_elbow",
    "sliding_windows",
    "tcpd_covering",
    "tcpd_f1",
    "tcpd_scores",
]
