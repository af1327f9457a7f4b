"""Online firestorms: ground truth, streaming change points, evaluation and figures.

Implements parts C1 and C7-C12 of the firestorm paper (Strathern et al., "Against
the Others! Detecting Moral Outrage in Social Media Networks"); see
``docs/firestorm.md``. The pieces:

* :func:`ground_truth` (C9): per bucket the target's posts; the start (first
  bucket where the target is the most frequent mention or hashtag) and the two
  peaks (highest max in-degree, most target posts).
* :func:`detection_series`: counts, lexical means (C6) and mention-network window
  metrics (C3) per bucket, built on :mod:`crowdpulse.network`.
* :func:`run_firestorm`: the whole pipeline on a corpus table: the simulated stream
  through :class:`crowdpulse.detect.StreamingDetector` (C7, C8), offline PELT, the
  ground truth and the evaluation; :meth:`FirestormResult.write` writes
  ``series.csv``, ``changepoints.csv``, ``alerts.jsonl``, ``evaluation.json`` and
  the figures.
* :class:`FirestormStream`, :func:`watch`, :func:`stream_corpus` (C12): the same
  detection on posts as they arrive, holding only the current bucket and the
  network window.
* :class:`EpisodeMonitor` (early warning): episode alerts per target (open,
  escalate, close) from a robust running baseline; :func:`episode_alerts` over
  stored counts; :func:`evaluate_early_warning` on generated streams with a known
  truth (:func:`generate_stream`).
* :func:`evaluate_event`, :func:`evaluate_events`, :func:`category_counts` (C10,
  Figure 7) and :func:`evaluate_synthetic` on generated corpora.
* :mod:`crowdpulse.firestorm.figures`: Figures 1, 5, 6 and 7 (Figure 3 is
  :func:`crowdpulse.network.plot_max_in_degree`).

Example:
    >>> from crowdpulse.firestorm import run_firestorm
    >>> result = run_firestorm(corpus, "@klm")  # doctest: +SKIP
    >>> result.summary()["start"], len(result.alerts)  # doctest: +SKIP
    ('2015-11-15T13:00:00Z', 412)
"""

from __future__ import annotations

from crowdpulse.firestorm.earlywarning import (
    EarlyWarningEvaluation,
    GeneratedStream,
    evaluate_early_warning,
    generate_stream,
)
from crowdpulse.firestorm.evaluate import (
    FOUND_SERIES,
    PAPER_RESULTS,
    REFERENCES,
    ChangePoints,
    Closest,
    EventEvaluation,
    category_counts,
    category_of,
    closest_changepoint,
    evaluate_event,
    evaluate_events,
    is_found,
)
from crowdpulse.firestorm.figures import (
    plot_alert_timeline,
    plot_category_changepoints,
    plot_category_counts,
    plot_event_changepoints,
    plot_posts_share,
)
from crowdpulse.firestorm.monitor import (
    EpisodeAlert,
    EpisodeMonitor,
    MonitorOptions,
    monitor_counts,
)
from crowdpulse.firestorm.pipeline import (
    FirestormOptions,
    FirestormResult,
    NetworkAnalyses,
    SyntheticEvaluation,
    alert_record,
    analyse_corpus,
    bucket_counts,
    episode_alerts,
    evaluate_synthetic,
    history_counts,
    network_analyses,
    offline_changepoints,
    run_firestorm,
    stream_alerts,
    write_network_analyses,
)
from crowdpulse.firestorm.series import (
    detection_series,
    detector_values,
    is_count_series,
    series_names,
)
from crowdpulse.firestorm.stream import (
    FirestormStream,
    StreamStats,
    WatchState,
    WindowDedupe,
    iter_line_chunks,
    lines_to_posts,
    stream_corpus,
    watch,
)
from crowdpulse.firestorm.truth import (
    GroundTruth,
    TargetCounts,
    ground_truth,
    parse_target,
    target_counts,
    target_post_mask,
)

__all__ = [
    "FOUND_SERIES",
    "PAPER_RESULTS",
    "REFERENCES",
    "ChangePoints",
    "Closest",
    "EarlyWarningEvaluation",
    "EpisodeAlert",
    "EpisodeMonitor",
    "EventEvaluation",
    "FirestormOptions",
    "FirestormResult",
    "FirestormStream",
    "GeneratedStream",
    "GroundTruth",
    "MonitorOptions",
    "NetworkAnalyses",
    "StreamStats",
    "SyntheticEvaluation",
    "TargetCounts",
    "WatchState",
    "WindowDedupe",
    "alert_record",
    "analyse_corpus",
    "bucket_counts",
    "category_counts",
    "category_of",
    "closest_changepoint",
    "detection_series",
    "detector_values",
    "episode_alerts",
    "evaluate_early_warning",
    "evaluate_event",
    "evaluate_events",
    "evaluate_synthetic",
    "generate_stream",
    "ground_truth",
    "history_counts",
    "is_count_series",
    "is_found",
    "iter_line_chunks",
    "lines_to_posts",
    "monitor_counts",
    "network_analyses",
    "offline_changepoints",
    "parse_target",
    "plot_alert_timeline",
    "plot_category_changepoints",
    "plot_category_counts",
    "plot_event_changepoints",
    "plot_posts_share",
    "run_firestorm",
    "series_names",
    "stream_alerts",
    "stream_corpus",
    "target_counts",
    "target_post_mask",
    "watch",
    "write_network_analyses",
]
