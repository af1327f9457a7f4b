"""Time buckets, sliding-window mention/retweet networks and lexical series.

Implements parts C1, C2, C3, C5 and C6 of the firestorm paper (see
``docs/firestorm_networks.md``):

* :func:`assign_buckets`: half-hour (configurable) time buckets.
* :func:`window_metrics`: per sliding window (default 12 hours, stepped every
  bucket) the metrics of the mention or retweet network, computed incrementally.
* :func:`lexical_series`: per bucket, the mean of each lexical category over all
  posts and over mention posts.
* :func:`compare_periods`, :func:`compare_components`, :func:`count_classes`:
  Welch t-tests between the firestorm and the week before (or inside and outside
  the largest component) and their counts over many events.
* :func:`plot_window_metrics`, :func:`plot_max_in_degree`,
  :func:`plot_class_counts`: the paper's Figures 2, 3 and 4.

Example:
    >>> from crowdpulse.network import window_metrics, lexical_series
    >>> metrics = window_metrics(corpus, network="mention")  # doctest: +SKIP
    >>> series = lexical_series(corpus, categories=["i", "posemo"])  # doctest: +SKIP
"""

from __future__ import annotations

from crowdpulse.network.buckets import BucketAssignment, assign_buckets
from crowdpulse.network.edges import (
    EncodedEdges,
    Network,
    PostEdges,
    author_nodes,
    encode_edges,
    mention_post_mask,
    network_edges,
    retweet_post_mask,
)
from crowdpulse.network.figures import (
    FIGURE2_COLUMNS,
    plot_class_counts,
    plot_max_in_degree,
    plot_window_metrics,
)
from crowdpulse.network.lexical import (
    CLASSES,
    Subset,
    compare_components,
    compare_groups,
    compare_periods,
    count_classes,
    lexical_columns,
    lexical_series,
)
from crowdpulse.network.metrics import (
    largest_weak_component,
    weak_component_labels,
    window_component_sizes,
)
from crowdpulse.network.windows import (
    METRIC_COLUMNS,
    IncrementalDiGraph,
    window_graph,
    window_metrics,
)

__all__ = [
    "CLASSES",
    "FIGURE2_COLUMNS",
    "METRIC_COLUMNS",
    "BucketAssignment",
    "EncodedEdges",
    "IncrementalDiGraph",
    "Network",
    "PostEdges",
    "Subset",
    "assign_buckets",
    "author_nodes",
    "compare_components",
    "compare_groups",
    "compare_periods",
    "count_classes",
    "encode_edges",
    "largest_weak_component",
    "lexical_columns",
    "lexical_series",
    "mention_post_mask",
    "network_edges",
    "plot_class_counts",
    "plot_max_in_degree",
    "plot_window_metrics",
    "retweet_post_mask",
    "weak_component_labels",
    "window_component_sizes",
    "window_graph",
    "window_metrics",
]
